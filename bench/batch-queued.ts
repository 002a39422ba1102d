// The memory half of bench/batch.ts, run in a process of its own (bundled, on plain Node, as a user runs the
// package): runBatch over QUEUED small inputs against the fake at BASE_URL, at the key's start limit (scaled), until
// DONE of them are done while the rest wait their turn; then it stops. The files are in INPUTS (clip-<i>.mp4). Prints `{ peak, before, done }` (RSS, bytes).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBatch } from '../src/node/batch/index'
import { VideoBGRemoverClient } from '../src/node/index'
import { FAKE_API_KEY } from '../src/testing/index'

const QUEUED = Number(process.env.QUEUED ?? 1_000)
const DONE = Number(process.env.DONE ?? 30)
const limits = JSON.parse(process.env.RATE_LIMIT!)
// The inputs, made by the parent (bench/batch.ts) so that this process holds nothing but the batch.
const inputs = join(process.env.INPUTS!)
const files = Array.from({ length: QUEUED }, (_, i) => join(inputs, `clip-${i}.mp4`))
const out = await mkdtemp(join(tmpdir(), 'vbr-bench-queued-'))
try {
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: process.env.BASE_URL!, rateLimit: limits })
  // The first API call loads and compiles fetch (undici): a cost of any SDK call, not of the batch.
  await client.credits()
  const before = process.memoryUsage.rss()
  let peak = before
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10)
  const states: Record<string, number> = {}
  try {
    for await (const result of runBatch(files, { client, outDir: out, ...(process.env.NO_PREFLIGHT && { preflight: false }) })) {
      states[result.state] = (states[result.state] ?? 0) + 1
      if (result.state !== 'done') throw new Error(`${result.input}: ${result.state} (${result.error?.message})`)
      if (states.done === DONE) break
    }
  } finally {
    clearInterval(timer)
  }
  process.stdout.write(`${JSON.stringify({ peak: Math.max(peak, process.memoryUsage.rss()), before, done: states.done })}\n`)
} finally {
  await rm(out, { recursive: true, force: true })
}
