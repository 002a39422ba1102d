// Bundle sizes: size-limit (the "size-limit" entries of package.json) on a fresh build, next to each budget.
import { buildPackage, exec, recordSection } from './lib'

// Not measured here: the vendor's SDK design is built on axios, whose own weight is the commonly quoted
// ~13–14 KB min+gzip; the vendor SDK's code on top of it is unknown.
const AXIOS_ESTIMATE = 'axios alone ≈ 13–14 KB (estimate, not measured); vendor SDK: unknown'

interface Result {
  name: string
  passed: boolean
  size: number
  sizeLimit?: number
}

const pkg = await buildPackage()
try {
  const { stdout } = await exec('npx', ['size-limit', '--json'], { cwd: pkg.dir }).catch((error) => {
    if (error.stdout) return error // size-limit exits non-zero when a budget is exceeded
    throw error
  })
  const results = JSON.parse(stdout) as Result[]
  const kb = (bytes: number) => `${(bytes / 1000).toFixed(2)} KB`
  await recordSection(
    'Bundle sizes',
    'node --import tsx bench/bundle-size.ts',
    results.map((r) => ({
      benchmark: r.name,
      ours: kb(r.size),
      baseline: r.name.includes('webhooks') ? '—' : AXIOS_ESTIMATE,
      ratio: '—',
      target: r.sizeLimit === undefined ? '—' : `≤ ${kb(r.sizeLimit)}`,
      pass: r.passed,
    })),
    'Minified and gzipped, with dependencies (zod/mini), as `npx size-limit --json` reports it for the package.json entries (KB = 1000 bytes), on a tsup build made in a temporary directory. The baseline is an estimate of axios alone, the HTTP layer of the vendor\'s SDK design; it is not measured here and the vendor SDK\'s own size is unknown.',
  )
} finally {
  await pkg.remove()
}
