// Upload: a 1 GiB file through Video.removeBackground against the fake API in another process, beside a raw
// fetch PUT of the same file in the same run. Targets: peak RSS growth ≤ 64 MB; throughput ≥ 0.9× raw.
import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { Video, VideoBGRemoverClient } from '../src/node/index'
import { FAKE_API_KEY } from '../src/testing/index'
import { fakeServerProcess, makeFile, mb, median, recordSection, spread, withPeakRss } from './lib'

const SIZE = Number(process.env.BENCH_UPLOAD_BYTES ?? 1024 ** 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

const dir = await mkdtemp(join(tmpdir(), 'vbr-bench-'))
const path = join(dir, 'input.mp4')
const server = await fakeServerProcess()
try {
  await makeFile(path, SIZE)
  // The fake enforces no limits here; the client's pacing (3 starts a minute) would only add waits.
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit: false })

  const rawPut = async () => {
    const created = await fetch(`${server.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'x-api-key': FAKE_API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'input.mp4', content_type: 'video/mp4' }),
    })
    const job = (await created.json()) as { upload_url: string }
    const started = performance.now()
    const response = await fetch(job.upload_url, {
      method: 'PUT',
      headers: { 'content-type': 'video/mp4', 'content-length': String(SIZE) },
      body: Readable.toWeb(createReadStream(path)) as ReadableStream,
      duplex: 'half',
      redirect: 'error',
    } as RequestInit)
    if (!response.ok) throw new Error(`raw PUT failed: ${response.status}`)
    await response.arrayBuffer()
    return performance.now() - started
  }
  const sdkRun = (withProgress: boolean) => async () => {
    const started = performance.now()
    await Video.open(path).removeBackground({ client, pollSeconds: 0.05, onUploadProgress: withProgress ? () => {} : undefined })
    return performance.now() - started
  }

  await rawPut()
  await sdkRun(true)()
  const raw: number[] = []
  const plain: number[] = []
  const progress: number[] = []
  const growth: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    raw.push(await rawPut())
    for (const [withProgress, times] of [[false, plain], [true, progress]] as const) {
      const { result, peakGrowth } = await withPeakRss(sdkRun(withProgress))
      times.push(result)
      growth.push(mb(peakGrowth))
    }
  }
  const throughput = (ms: number) => `${(mb(SIZE) / (ms / 1000)).toFixed(0)} MiB/s`
  const baseline = `raw fetch PUT ${throughput(median(raw))} (ms: ${spread(raw)})`
  const row = (benchmark: string, times: number[]) => {
    const ratio = median(raw) / median(times)
    return {
      benchmark,
      ours: `${throughput(median(times))} (ms: ${spread(times)})`,
      baseline,
      ratio: `${ratio.toFixed(2)}×`,
      target: '≥ 0.90×',
      pass: ratio >= 0.9,
    }
  }
  await recordSection('Upload', 'npm run bench:upload', [
    row(`upload ${mb(SIZE).toFixed(0)} MiB from a path: throughput`, plain),
    row('… with onUploadProgress', progress),
    {
      benchmark: 'upload: peak RSS growth (all SDK runs)',
      ours: `${median(growth).toFixed(1)} MB (${spread(growth)})`,
      baseline: '—',
      ratio: '—',
      target: '≤ 64 MB',
      pass: Math.max(...growth) <= 64,
    },
  ], `Median of ${ROUNDS} rounds after a warm-up, alternating raw and SDK; the whole removeBackground (create, upload, start, wait) is timed against the raw PUT alone.`)
} finally {
  await server.stop()
  await rm(dir, { recursive: true, force: true })
}
