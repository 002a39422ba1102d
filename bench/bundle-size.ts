// Bundle sizes: size-limit (the "size-limit" entries of package.json) on a fresh build, next to each budget; then
// ours beside each peer's main entry (bench/peers.ts), all bundled by esbuild with one set of settings. Target: smaller
// than every measured peer that validates responses.
import { build } from 'esbuild'
import { gzipSync } from 'node:zlib'
import { buildPackage, exec, recordSection, type Row } from './lib'
import { PEER_NAMES, usePeers } from './peers'
import { rejectsMalformed, statusCalls, statusServer, type Side } from './status-calls'

interface Result {
  name: string
  passed: boolean
  size: number
  sizeLimit?: number
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(2)} KB`

/** Minified and gzipped (level 9) size of `contents` bundled for browsers, its imports resolved from `dir`. */
async function browserBundle(contents: string, dir: string): Promise<number> {
  const { outputFiles } = await build({
    stdin: { contents, resolveDir: dir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  })
  return gzipSync(outputFiles[0]!.contents, { level: 9 }).length
}

/** Which sides reject a 200 whose JSON is not a job status (bench/status-calls.ts). */
async function validatingSides(peers: Awaited<ReturnType<typeof usePeers>>): Promise<Side[]> {
  const server = await statusServer()
  try {
    const calls = await statusCalls(server.origin, peers)
    const validating: Side[] = []
    for (const side of Object.keys(calls) as Side[]) if (await rejectsMalformed(calls[side])) validating.push(side)
    return validating
  } finally {
    await server.stop()
  }
}

const peers = await usePeers()
const pkg = await buildPackage()
try {
  const { stdout } = await exec('npx', ['size-limit', '--json'], { cwd: pkg.dir }).catch((error) => {
    if (error.stdout) return error // size-limit exits non-zero when a budget is exceeded
    throw error
  })
  const budgets: Row[] = (JSON.parse(stdout) as Result[]).map((r) => ({
    benchmark: `size-limit: ${r.name}`,
    ours: kb(r.size),
    baseline: '—',
    ratio: '—',
    target: r.sizeLimit === undefined ? '—' : `≤ ${kb(r.sizeLimit)}`,
    pass: r.passed,
  }))

  // `import * as` keeps every export of an entry; a named export keeps what a user of it imports.
  const whole = (specifier: string) => `import * as entry from '${specifier}'; export default entry`
  const ours = {
    client: await browserBundle("export { VideoBGRemoverClient, Video } from './dist/browser.js'", pkg.dir),
    whole: await browserBundle(whole('./dist/browser.js'), pkg.dir),
  }
  const validating = await validatingSides(peers)
  const comparisons: Row[] = []
  for (const peer of PEER_NAMES) {
    const size = await browserBundle(whole(peer), peers.dir)
    const validates = validating.includes(peer)
    comparisons.push({
      benchmark: `browser bundle beside ${peers.label(peer)}, its main entry (${validates ? 'validates' : 'does not validate'} responses)`,
      ours: `${kb(ours.client)} { VideoBGRemoverClient, Video }; ${kb(ours.whole)} whole entry`,
      baseline: kb(size),
      ratio: `${(ours.client / size).toFixed(2)}×; ${(ours.whole / size).toFixed(2)}×`,
      target: validates ? 'smaller' : '— (no validation)',
      pass: validates ? ours.whole < size : undefined,
    })
  }
  const unvalidated = PEER_NAMES.filter((peer) => !validating.includes(peer))
  await recordSection(
    'Bundle sizes',
    'node --import tsx bench/bundle-size.ts',
    [...budgets, ...comparisons],
    `The size-limit rows are minified and gzipped, with dependencies (zod/mini), as \`npx size-limit --json\` reports them for the package.json entries (KB = 1000 bytes), on a tsup build made in a temporary directory. The rows beside the peers bundle every side the same way: esbuild (the project's), \`bundle, minify, format: 'esm', platform: 'browser'\`, then gzip level 9; ours from the same build's dist/browser.js (zod/mini included), each peer from its npm install at the exact version shown, resolved by esbuild's browser conditions; a whole entry is \`import * as entry\`, re-exported. Ours validates every response body with zod/mini, which is part of its size. Whether a side validates was checked in this run, by a 200 whose JSON is not a job status from a loopback server: ${validating.join(', ') || 'no side'} rejected it; ${unvalidated.join(', ') || 'no peer'} returned it as parsed (${
      unvalidated.length === PEER_NAMES.length
        ? 'so no measured peer validates responses and the target "smaller than every peer that validates" has no peer to apply to: those rows are informative'
        : 'the target applies to the peers that validate'
    }).`,
  )
} finally {
  await pkg.remove()
  await peers.remove()
}
