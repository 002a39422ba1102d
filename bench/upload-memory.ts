// Upload of a 1 GiB file from a path against the fake API in another process: the upload stage (create the job,
// PUT the bytes) by this SDK, by raw fetch and the vendor's way (fs.readFileSync, then axios.put), and the whole
// removeBackground, each run in a fresh process (bench/upload-sides.ts). Targets: throughput ≥ 0.9× raw fetch;
// peak RSS growth ≤ 64 MB.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fakeServerProcess, interleaved, makeFile, mb, median, recordSection, spread } from './lib'
import { peersEnv, usePeers } from './peers'

const SIZE = Number(process.env.BENCH_UPLOAD_BYTES ?? 1024 ** 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SIDES = ['raw', 'ours', 'vendor', 'whole', 'progress'] as const
type Side = (typeof SIDES)[number]

const peers = await usePeers()
const dir = await mkdtemp(join(tmpdir(), 'vbr-bench-'))
const path = join(dir, 'input.mp4')
const server = await fakeServerProcess()
try {
  await makeFile(path, SIZE) // and so in the page cache for every side
  const script = new URL('./upload-sides.ts', import.meta.url).pathname
  const runSide = (side: Side) => async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', script, side, server.url, path, String(SIZE)], {
      env: { ...process.env, ...peersEnv(peers) },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    const [code] = await once(child, 'exit')
    if (code !== 0) throw new Error(`upload side ${side} exited with ${code}`)
    return JSON.parse(output) as { ms: number; rss: number }
  }
  const results = await interleaved(
    Object.fromEntries(SIDES.map((side) => [side, runSide(side)])) as Record<Side, ReturnType<typeof runSide>>,
    ROUNDS,
  )

  const ms = (side: Side) => results[side].map((run) => run.ms)
  const rss = (side: Side) => results[side].map((run) => run.rss)
  const throughput = (side: Side) => mb(SIZE) / (median(ms(side)) / 1000)
  const figure = (side: Side) =>
    `${throughput(side).toFixed(0)} MiB/s (ms: ${spread(ms(side))}; peak RSS +${median(rss(side)).toFixed(1)} MB)`
  const versusRaw = (benchmark: string, side: Side) => {
    const ratio = throughput(side) / throughput('raw')
    return {
      benchmark,
      ours: figure(side),
      baseline: `raw fetch ${figure('raw')}`,
      ratio: `${ratio.toFixed(2)}×`,
      target: '≥ 0.90×',
      pass: ratio >= 0.9,
    }
  }
  const sdkRss = [...rss('ours'), ...rss('whole'), ...rss('progress')]
  await recordSection(
    'Upload',
    'npm run bench:upload',
    [
      versusRaw(`upload ${mb(SIZE).toFixed(0)} MiB from a path, upload stage (create + PUT): throughput`, 'ours'),
      {
        benchmark: `… beside the vendor's way (${peers.label('axios')}: fs.readFileSync, then axios.put)`,
        ours: `${throughput('ours').toFixed(0)} MiB/s; peak RSS +${median(rss('ours')).toFixed(1)} MB`,
        baseline: figure('vendor'),
        ratio: `${(throughput('ours') / throughput('vendor')).toFixed(2)}×`,
        target: '—',
      },
      versusRaw('whole removeBackground (create, upload, start, wait)', 'whole'),
      versusRaw('… with onUploadProgress', 'progress'),
      {
        benchmark: 'upload: peak RSS growth (every SDK run)',
        ours: `${median(sdkRss).toFixed(1)} MB (${spread(sdkRss)})`,
        baseline: `raw fetch ${median(rss('raw')).toFixed(1)} MB (${spread(rss('raw'))}); vendor's way ${median(rss('vendor')).toFixed(1)} MB (${spread(rss('vendor'))})`,
        ratio: '—',
        target: '≤ 64 MB',
        pass: Math.max(...sdkRss) <= 64,
      },
    ],
    `Median of ${ROUNDS} rounds, each round running every side once, starting one further along; every run is a fresh Node process (\`bench/upload-sides.ts\`), so no side's leftovers count for or against another, and both HTTP stacks (fetch and axios) make one small call to the fake API before the clock starts. The upload stage is creating the job and PUTting the file to its signed URL, timed together on every side: raw \`fetch\` for both; ours \`client.createJobFile()\` then the same streamed \`fetch\` PUT with the job's \`instructions.headers\` (the SDK has no upload method of its own yet, so this is what a low-level user writes: it shows the SDK's create call, not its upload code); the vendor's Node SDK its axios client's \`post('/v1/jobs')\`, then \`fs.readFileSync(path)\` and \`axios.put(upload_url, data)\` as its \`_signedPut\` does, with axios installed from the npm registry at the version shown. The whole \`removeBackground\` (create, upload, start, wait against the fake's instant processing, polled every 50 ms) is compared with raw fetch's upload stage: the SDK's own upload code is in those rows. RSS is the run's peak growth over its process's RSS just before it (after a settled GC), sampled every 10 ms; the fake API runs in a process of its own.`,
  )
} finally {
  await server.stop()
  await rm(dir, { recursive: true, force: true })
  await peers.remove()
}
