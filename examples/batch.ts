/**
 * Many videos at once, with bounded concurrency, inside the API's limits: 3 job starts and 100 requests per
 * minute per key. Uploads (to storage) run in parallel; the client spaces out starts and requests itself.
 *
 *   npx tsx examples/batch.ts
 *
 * Offline, the fake API enforces the same limits on a 1-second window instead of a minute, so the run stays
 * short; with VIDEOBGREMOVER_API_KEY set the client uses the real 60-second window (8 videos: about 3 minutes
 * and 32 credits).
 */
import { Video, VideoBGRemoverClient, type Foreground } from '@videobgremover/sdk'
import { FAKE_API_KEY, startFakeServer } from '@videobgremover/sdk/testing'
import { SAMPLE_VIDEO } from './lib/connect'

const VIDEOS = Array.from({ length: 8 }, (_, i) => `clip-${String(i + 1).padStart(2, '0')}.mp4`)
const CONCURRENCY = 4
const FAKE_WINDOW_MS = 1_000

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

// The client paces every call made with its key (3 starts and 100 requests per window, shared by all clients of
// the key in this process), so no 429 reaches this script; the fake's window is scaled down, so the client's is too.
const client = fake ? new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: fake.url, rateLimit: { windowMs } }) : new VideoBGRemoverClient()

/** Runs `worker` over `items`, at most `concurrency` at a time; one failure does not stop the others. */
async function pool<T, R>(items: T[], concurrency: number, worker: (item: T, index: number) => Promise<R>) {
  const results: PromiseSettledResult<R>[] = new Array(items.length)
  let next = 0
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) {
      results[i] = await worker(items[i]!, i).then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      )
    }
  })
  await Promise.all(lanes)
  return results
}

const began = Date.now()
const elapsed = () => `${((Date.now() - began) / 1000).toFixed(1)} s`
try {
  const results = await pool(VIDEOS, CONCURRENCY, async (name, i): Promise<Foreground> => {
    const foreground = await Video.open(SAMPLE_VIDEO, { filename: name }).removeBackground({
      client,
      pollSeconds: fake ? 0.1 : 10, // polls count against the request limit too
      timeout: 1_800,
    })
    console.log(`[${i + 1}/${VIDEOS.length}] ${name} → job ${foreground.jobId} ${foreground.status.status} at ${elapsed()}`)
    return foreground
  })

  const failed = results.filter((result) => result.status === 'rejected')
  for (const failure of failed) console.log(`failed: ${String(failure.reason)}`)
  console.log(`\n${VIDEOS.length - failed.length} of ${VIDEOS.length} videos done in ${elapsed()}`)
  if (fake) {
    // The fake's ledger shows what the server saw: no request was refused.
    const refused = fake.api.requests.filter((entry) => entry.status === 429).length
    console.log(`server-side 429 responses: ${refused}`)
  }
  if (failed.length > 0) process.exitCode = 1
} finally {
  await fake?.close()
}
