/**
 * Many videos at once, at the API's limits (3 job starts and 100 requests a minute per key), with runBatch: uploads
 * run ahead while the starts go as fast as the key allows, each result is downloaded as soon as its job completes,
 * and a journal in the output directory lets a rerun finish the batch after a crash without paying twice.
 *
 *   npx tsx examples/batch.ts [out-dir]
 *
 * Offline, the fake API enforces the same limits on a 1-second window instead of a minute, so the run stays short;
 * with VIDEOBGREMOVER_API_KEY set the client uses the real 60-second window (8 videos: about 3 minutes and 32
 * credits). Run it twice with the same out-dir: the second run skips every video.
 */
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { VideoBGRemoverClient } from '@videobgremover/sdk'
import { runBatch, type BatchInput } from '@videobgremover/sdk/batch'
import { FAKE_API_KEY, startFakeServer } from '@videobgremover/sdk/testing'
import { SAMPLE_VIDEO } from './lib/connect'

const FAKE_WINDOW_MS = 1_000
const outDir = process.argv[2] ?? join(tmpdir(), `vbr-batch-example-${process.pid}`)

const fake = process.env.VIDEOBGREMOVER_API_KEY
  ? undefined
  : await startFakeServer({
      processingMs: 300,
      videoLengthSeconds: 4,
      rateLimit: { startsPerWindow: 3, requestsPerWindow: 100, windowMs: FAKE_WINDOW_MS },
    })
const windowMs = fake ? FAKE_WINDOW_MS : 60_000
console.log(
  fake
    ? `Using the offline fake API at ${fake.url} (rate-limit window scaled to ${windowMs} ms)`
    : 'Using the real API (rate-limit window 60 s)',
)

// The client paces every call made with its key; the fake's window is scaled down, so the client's is too.
const client = fake ? new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: fake.url, rateLimit: { windowMs } }) : new VideoBGRemoverClient()

// Eight different videos: the sample clip, each with a few bytes of its own appended (an MP4 `free` box, which
// players skip), so that each has its own content key. Paths and URLs work as inputs too.
const sample = await readFile(SAMPLE_VIDEO)
const inputs: BatchInput[] = Array.from({ length: 8 }, (_, i) => {
  const free = Buffer.alloc(16)
  free.writeUInt32BE(16, 0)
  free.write('free', 4)
  free[15] = i
  return { source: Buffer.concat([sample, free]), name: `clip-${String(i + 1).padStart(2, '0')}.mp4` }
})

const began = Date.now()
const elapsed = () => `${((Date.now() - began) / 1000).toFixed(1)} s`
let finished = 0
let failed = 0
try {
  for await (const result of runBatch(inputs, { client, outDir, concurrency: 4 })) {
    const name = (result.input as { name: string }).name
    const state = result.state === 'done' ? 'completed' : result.state
    console.log(
      `[${++finished}/${inputs.length}] ${name} → job ${result.jobId} ${state} at ${elapsed()}${result.error ? `: ${result.error.message}` : ''}`,
    )
    if (result.state === 'failed') failed++
  }
  console.log(`\n${inputs.length - failed} of ${inputs.length} videos done in ${elapsed()}; outputs and journal in ${outDir}`)
  if (fake) {
    // The fake's ledger shows what the server saw: no request was refused.
    const refused = fake.api.requests.filter((entry) => entry.status === 429).length
    console.log(`server-side 429 responses: ${refused}`)
  }
  if (failed > 0) process.exitCode = 1
} finally {
  await fake?.close()
}
