// `npm run bench`: every benchmark in turn, each in its own process (as when run alone), each rewriting its own
// section of BENCHMARKS.md. `npm run bench -- polling download` runs only those. Exits non-zero if one crashed
// (a missed target is a FAIL row in the table, not a crash).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BENCHMARKS = ['overhead', 'cold-import', 'upload-memory', 'download', 'polling', 'bundle-size', 'probe']
const chosen = process.argv.slice(2)
let crashed = 0
for (const name of chosen.length ? chosen : BENCHMARKS) {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url))
  console.log(`\n▶ ${name}`)
  const { status } = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', script], { stdio: 'inherit' })
  if (status !== 0) {
    console.error(`✗ ${name} exited with ${status}`)
    crashed++
  }
}
process.exit(crashed ? 1 : 0)
