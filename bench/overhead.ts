// Per-call overhead: client.status(id) against a minimal node:http server in a child process (so its CPU is
// not charged to either side) vs a raw fetch + JSON.parse of the same response. Target: ≥ 0.85× raw throughput.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { VideoBGRemoverClient } from '../src/node/index'
import { FAKE_API_KEY } from '../src/testing/index'
import { median, recordSection, spread } from './lib'

// Many short rounds, interleaved, so the load of other processes on this shared machine falls on both sides alike.
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 500)
const CONCURRENT_TOTAL = Number(process.env.BENCH_CONCURRENT ?? 1600)
const CONCURRENCY = 32
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25)
const JOB_ID = '3f2c9a1e-5b7d-4e0f-9c6a-2d8b1e4f7a90'

// A completed job's status, as the API sends it (about 1 KB with its signed URLs).
const signed = (file: string) =>
  `https://storage.googleapis.com/vbr-results/${JOB_ID}/${file}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Expires=3600&X-Goog-Signature=${'ab12'.repeat(32)}`
const STATUS = JSON.stringify({
  id: JOB_ID,
  status: 'completed',
  filename: 'interview.mp4',
  created_at: '2026-01-01T00:00:00.000Z',
  length_seconds: 12,
  message: 'Video processed successfully',
  background: { type: 'transparent', transparent_format: 'webm_vp9' },
  output_format: 'webm_vp9',
  processed_video_url: signed('video.webm'),
  processed_mask_url: signed('mask.mp4'),
  thumbnail_url: signed('thumbnail.jpg'),
  transparent_thumbnail_url: signed('transparent_thumbnail.png'),
})

const serverSource = `
const body = Buffer.from(process.env.STATUS_BODY)
const server = require('node:http').createServer((req, res) => {
  req.resume()
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
  res.end(body)
})
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port))
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))`
const child = spawn(process.execPath, ['-e', serverSource], { env: { ...process.env, STATUS_BODY: STATUS }, stdio: ['pipe', 'pipe', 'inherit'] })
try {
  const [origin] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
  const url = `${origin}/v1/jobs/${JOB_ID}/status`
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: origin, rateLimit: false })

  const raw = async () => {
    const response = await fetch(url, { headers: { accept: 'application/json', 'x-api-key': FAKE_API_KEY } })
    if (!response.ok) throw new Error(`status ${response.status}`)
    return JSON.parse(await response.text()) as { status: string }
  }
  const sdk = () => client.status(JOB_ID)

  /** Requests per second for `total` calls, `parallel` at a time, and this process's CPU µs per call. */
  const measure = async (call: () => Promise<{ status: string }>, total: number, parallel: number) => {
    let next = 0
    const cpu = process.cpuUsage()
    const started = performance.now()
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next++ < total) if ((await call()).status !== 'completed') throw new Error('wrong body')
      }),
    )
    const rate = total / ((performance.now() - started) / 1000)
    const { user, system } = process.cpuUsage(cpu)
    return { rate, cpuPerCall: (user + system) / total }
  }

  const rows = []
  for (const [label, total, parallel] of [
    [`sequential (rounds of ${SEQUENTIAL})`, SEQUENTIAL, 1],
    [`${CONCURRENCY} concurrent (rounds of ${CONCURRENT_TOTAL})`, CONCURRENT_TOTAL, CONCURRENCY],
  ] as const) {
    for (let i = 0; i < 2; i++) await measure(raw, total, parallel), await measure(sdk, total, parallel) // warm-up: JIT, sockets
    const rawRuns: { rate: number; cpuPerCall: number }[] = []
    const sdkRuns: typeof rawRuns = []
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which side goes first, so drift on this shared machine hits both alike.
      const order = round % 2 ? ([[sdk, sdkRuns], [raw, rawRuns]] as const) : ([[raw, rawRuns], [sdk, sdkRuns]] as const)
      for (const [call, runs] of order) runs.push(await measure(call, total, parallel))
    }
    const rawRates = rawRuns.map((run) => run.rate)
    const sdkRates = sdkRuns.map((run) => run.rate)
    const cpu = (runs: typeof rawRuns) => `CPU ${median(runs.map((run) => run.cpuPerCall)).toFixed(0)} µs/call`
    const ratio = median(sdkRates) / median(rawRates)
    rows.push({
      benchmark: `status(): ${label}`,
      ours: `${median(sdkRates).toFixed(0)} req/s (${spread(sdkRates.map(Math.round)).replaceAll('.00', '')}; ${cpu(sdkRuns)})`,
      baseline: `raw fetch + JSON.parse ${median(rawRates).toFixed(0)} req/s (${spread(rawRates.map(Math.round)).replaceAll('.00', '')}; ${cpu(rawRuns)})`,
      ratio: `${ratio.toFixed(2)}×`,
      target: '≥ 0.85×',
      pass: ratio >= 0.85,
    })
  }
  await recordSection(
    'Per-call overhead',
    'node --import tsx bench/overhead.ts',
    rows,
    `Median of ${ROUNDS} rounds per side after a warm-up, interleaved and alternating which side goes first. CPU is this process's user + system time per call (the server's is not in it). Both sides hit the same minimal node:http server in a child process that returns a fixed ${STATUS.length}-byte completed-job status over keep-alive loopback. The SDK client is created with \`rateLimit: false\`: its limiter paces calls under the real API's 100 requests a minute and would otherwise throttle the benchmark, not measure it. The SDK side includes everything a call does: id check, headers, timeout signal, retry wrapper, zod validation.`,
  )
} finally {
  child.stdin!.end()
  await once(child, 'exit')
}
