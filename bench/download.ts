// Download: foreground.save(path) of a 1 GiB result from the fake API in another process, beside a raw fetch of
// the same signed URL piped to disk in the same run. Targets: throughput ≥ 0.9× raw; peak RSS growth ≤ 64 MB.
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { ReadableStream as WebStream } from 'node:stream/web'
import { pipeline } from 'node:stream/promises'
import { Video, VideoBGRemoverClient } from '../src/node/index'
import { FAKE_API_KEY } from '../src/testing/index'
import { fakeServerProcess, mb, median, recordSection, spread, withPeakRss } from './lib'

const SIZE = Number(process.env.BENCH_DOWNLOAD_BYTES ?? 1024 ** 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)

const dir = await mkdtemp(join(tmpdir(), 'vbr-bench-download-'))
const server = await fakeServerProcess({ RESULT_SIZE: String(SIZE) })
try {
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })
  const foreground = await Video.open(new Uint8Array(1024), { filename: 'clip.mp4' }).removeBackground({ client, pollSeconds: 0.05 })
  const url = foreground.url!
  const target = join(dir, 'result.webm')

  /** Wall time and this process's CPU time (user + system), in ms. */
  const timed = (download: () => Promise<unknown>) => async () => {
    const cpuBefore = process.cpuUsage()
    const started = performance.now()
    await download()
    const ms = performance.now() - started
    const { user, system } = process.cpuUsage(cpuBefore)
    if ((await stat(target)).size !== SIZE) throw new Error('short download')
    await unlink(target)
    return { ms, cpuMs: (user + system) / 1000 }
  }
  const raw = timed(async () => {
    const response = await fetch(url)
    if (!response.ok || !response.body) throw new Error(`raw GET failed: ${response.status}`)
    await pipeline(Readable.fromWeb(response.body as WebStream<Uint8Array>), createWriteStream(target))
  })
  const sdk = timed(() => foreground.save(target))

  await raw()
  await sdk()
  const times = { raw: [] as number[], sdk: [] as number[] }
  const cpu = { raw: [] as number[], sdk: [] as number[] }
  const growth = { raw: [] as number[], sdk: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? (['sdk', 'raw'] as const) : (['raw', 'sdk'] as const)
    for (const side of order) {
      const { result, peakGrowth } = await withPeakRss(side === 'raw' ? raw : sdk)
      times[side].push(result.ms)
      cpu[side].push(result.cpuMs)
      growth[side].push(mb(peakGrowth))
    }
  }
  const throughput = (ms: number) => `${(mb(SIZE) / (ms / 1000)).toFixed(0)} MiB/s`
  const cpuOf = (side: 'raw' | 'sdk') => `CPU ${(median(cpu[side]) / 1000).toFixed(2)} s`
  const ratio = median(times.raw) / median(times.sdk)
  await recordSection('Download', 'node --import tsx --expose-gc bench/download.ts', [
    {
      benchmark: `save(path) of a ${mb(SIZE).toFixed(0)} MiB result: throughput`,
      ours: `${throughput(median(times.sdk))} (ms: ${spread(times.sdk)}; ${cpuOf('sdk')})`,
      baseline: `raw fetch → pipeline(createWriteStream) ${throughput(median(times.raw))} (ms: ${spread(times.raw)}; ${cpuOf('raw')})`,
      ratio: `${ratio.toFixed(2)}×`,
      target: '≥ 0.90×',
      pass: ratio >= 0.9,
    },
    {
      benchmark: 'save(path): peak RSS growth',
      ours: `${median(growth.sdk).toFixed(1)} MB (${spread(growth.sdk)})`,
      baseline: `raw ${median(growth.raw).toFixed(1)} MB (${spread(growth.raw)})`,
      ratio: '—',
      target: '≤ 64 MB (every run)',
      pass: Math.max(...growth.sdk) <= 64,
    },
  ], `Median of ${ROUNDS} rounds after a warm-up of each, alternating which side goes first; both fetch the same signed URL of one completed job, served by the fake API (\`RESULT_SIZE\`) in a child process, and write to ${tmpdir()} (the file is checked for size, then deleted). save() is timed whole: stat checks, the status-free download, the temporary file and its rename. CPU is this process's user + system time (the fake server's own CPU, which generates the bytes, is not in it). RSS is this process's, sampled every 10 ms.`)
} finally {
  await server.stop()
  await rm(dir, { recursive: true, force: true })
}
