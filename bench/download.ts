// Download: foreground.save(path) of a 1 GiB result from the fake API in another process, beside a raw fetch of
// the same signed URL piped to disk and beside axios's stream piped to disk (as the vendor's Node SDK downloads),
// in the same run. Targets: throughput ≥ 0.9× raw; peak RSS growth ≤ 64 MB.
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { ReadableStream as WebStream } from 'node:stream/web'
import { pipeline } from 'node:stream/promises'
import { Video, VideoBGRemoverClient } from '../src/node/index'
import { FAKE_API_KEY } from '../src/testing/index'
import { fakeServerProcess, interleaved, mb, median, recordSection, spread, withPeakRss } from './lib'
import { usePeers } from './peers'

const SIZE = Number(process.env.BENCH_DOWNLOAD_BYTES ?? 1024 ** 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)

const peers = await usePeers()
const dir = await mkdtemp(join(tmpdir(), 'vbr-bench-download-'))
const server = await fakeServerProcess({ RESULT_SIZE: String(SIZE) })
try {
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })
  const foreground = await Video.open(new Uint8Array(1024), { filename: 'clip.mp4' }).removeBackground({ client, pollSeconds: 0.05 })
  const url = foreground.url!
  const target = join(dir, 'result.webm')
  const axios = (await peers.load('axios')).default

  /** Wall time, this process's CPU time (user + system) in ms, and peak RSS growth in MB. */
  const timed = (download: () => Promise<unknown>) => async () => {
    const { result, peakGrowth } = await withPeakRss(async () => {
      const cpuBefore = process.cpuUsage()
      const started = performance.now()
      await download()
      const ms = performance.now() - started
      const { user, system } = process.cpuUsage(cpuBefore)
      return { ms, cpuMs: (user + system) / 1000 }
    })
    if ((await stat(target)).size !== SIZE) throw new Error('short download')
    await unlink(target)
    return { ...result, rss: mb(peakGrowth) }
  }
  const sides = {
    raw: timed(async () => {
      const response = await fetch(url)
      if (!response.ok || !response.body) throw new Error(`raw GET failed: ${response.status}`)
      await pipeline(Readable.fromWeb(response.body as WebStream<Uint8Array>), createWriteStream(target))
    }),
    sdk: timed(() => foreground.save(target)),
    // The vendor's _downloadFile: axios.get(url, { responseType: 'stream', timeout }) piped to a write stream.
    axios: timed(async () => {
      const response = await axios.get(url, { responseType: 'stream', timeout: 300_000 })
      await pipeline(response.data, createWriteStream(target))
    }),
  }
  type Side = keyof typeof sides

  await interleaved(sides, 1) // warm-up
  const results = await interleaved(sides, ROUNDS)
  const of = (side: Side, key: 'ms' | 'cpuMs' | 'rss') => results[side].map((run) => run[key])
  const throughput = (side: Side) => mb(SIZE) / (median(of(side, 'ms')) / 1000)
  const figure = (side: Side) =>
    `${throughput(side).toFixed(0)} MiB/s (ms: ${spread(of(side, 'ms'))}; CPU ${(median(of(side, 'cpuMs')) / 1000).toFixed(2)} s)`
  const memory = (side: Side) => `${median(of(side, 'rss')).toFixed(1)} MB (${spread(of(side, 'rss'))})`
  const ratio = throughput('sdk') / throughput('raw')
  await recordSection(
    'Download',
    'node --import tsx --expose-gc bench/download.ts',
    [
      {
        benchmark: `save(path) of a ${mb(SIZE).toFixed(0)} MiB result: throughput`,
        ours: figure('sdk'),
        baseline: `raw fetch → pipeline(createWriteStream) ${figure('raw')}`,
        ratio: `${ratio.toFixed(2)}×`,
        target: '≥ 0.90×',
        pass: ratio >= 0.9,
      },
      {
        benchmark: `… beside ${peers.label('axios')} stream → pipeline(createWriteStream), as the vendor's Node SDK`,
        ours: `${throughput('sdk').toFixed(0)} MiB/s`,
        baseline: figure('axios'),
        ratio: `${(throughput('sdk') / throughput('axios')).toFixed(2)}×`,
        target: '—',
      },
      {
        benchmark: 'save(path): peak RSS growth',
        ours: memory('sdk'),
        baseline: `raw ${memory('raw')}; axios ${memory('axios')}`,
        ratio: '—',
        target: '≤ 64 MB (every run)',
        pass: Math.max(...of('sdk', 'rss')) <= 64,
      },
    ],
    `Median of ${ROUNDS} rounds after a warm-up round, each round running every side once, starting one further along; all fetch the same signed URL of one completed job, served by the fake API (\`RESULT_SIZE\`) in a child process, and write to ${tmpdir()} (the file is checked for size, then deleted). save() is timed whole: stat checks, the status-free download, the temporary file and its rename. axios (installed from the npm registry at the version shown) is called as the vendor's Node SDK's \`_downloadFile\` calls it, with \`pipeline\` in place of its \`pipe\` + \`finish\` (the same bytes, plus error propagation). CPU is this process's user + system time (the fake server's own CPU, which generates the bytes, is not in it). RSS is this process's, sampled every 10 ms, over a baseline taken after a settled GC.`,
  )
} finally {
  await server.stop()
  await rm(dir, { recursive: true, force: true })
  await peers.remove()
}
