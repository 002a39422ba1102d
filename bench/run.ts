// `npm run bench`: every benchmark in turn, each in its own process (as when run alone), each rewriting its own
// section of BENCHMARKS.md. `npm run bench -- polling download` runs only those. The peers (bench/peers.ts) are
// installed once for the run, shared by the benchmarks that use them, and removed at the end. Exits non-zero if
// one crashed (a missed target is a FAIL row in the table, not a crash).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { withSharedPeers } from './peers'

const BENCHMARKS = ['overhead', 'cold-import', 'upload-memory', 'download', 'polling', 'bundle-size', 'probe', 'batch']
const WITH_PEERS = new Set(['overhead', 'cold-import', 'upload-memory', 'download', 'bundle-size'])
const chosen = process.argv.slice(2)
const names = chosen.length ? chosen : BENCHMARKS

const runAll = async () => {
  let crashed = 0
  for (const name of names) {
    const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url))
    console.log(`\n▶ ${name}`)
    const { status } = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', script], { stdio: 'inherit' })
    if (status !== 0) {
      console.error(`✗ ${name} exited with ${status}`)
      crashed++
    }
  }
  return crashed
}
const crashed = names.some((name) => WITH_PEERS.has(name)) ? await withSharedPeers(runAll) : await runAll()
process.exit(crashed ? 1 : 0)
