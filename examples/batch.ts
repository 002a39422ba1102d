/**
 * Many videos at once, with bounded concurrency, inside the API's limits: 3 job starts and 100 requests per
 * minute per key. Uploads (to storage) run in parallel; starts are spaced out by a sliding-window limiter.
 *
 *   npx tsx examples/batch.ts
 *
 * Offline, the fake API enforces the same limits on a 1-second window instead of a minute, so the run stays
 * short; with VIDEOBGREMOVER_API_KEY set the limiter uses the real 60-second window (8 videos: about 3 minutes
 * and 32 credits).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Video, VideoBGRemoverClient, type FetchFn, type Foreground } from '@videobgremover/sdk'
import { FAKE_API_KEY, startFakeServer } from '@videobgremover/sdk/testing'
import { SAMPLE_VIDEO } from './lib/connect'

const VIDEOS = Array.from({ length: 8 }, (_, i) => `clip-${String(i + 1).padStart(2, '0')}.mp4`)
const CONCURRENCY = 4
const STARTS_PER_WINDOW = 3
const REQUESTS_PER_WINDOW = 100
const FAKE_WINDOW_MS = 1_000

const fake = process.env.VIDEOBGREMOVER_API_KEY
  ? undefined
  : await startFakeServer({
      processingMs: 300,
      videoLengthSeconds: 4,
      rateLimit: { startsPerWindow: STARTS_PER_WINDOW, requestsPerWindow: REQUESTS_PER_WINDOW, windowMs: FAKE_WINDOW_MS },
    })
const windowMs = fake ? FAKE_WINDOW_MS : 60_000
console.log(
  fake
    ? `Using the offline fake API at ${fake.url} (rate-limit window scaled to ${windowMs} ms)`
    : 'Using the real API (rate-limit window 60 s)',
)

/** Lets at most `limit` calls through in any `windowMs` (a sliding window over send times). */
function slidingWindow(limit: number, windowMs: number): () => Promise<void> {
  const margin = Math.max(50, windowMs / 50) // clocks and network delays differ a little from the server's
  const sent: number[] = []
  let queue = Promise.resolve()
  return () =>
    (queue = queue.then(async () => {
      const oldest = sent.length >= limit ? sent[sent.length - limit]! : undefined
      if (oldest !== undefined && oldest + windowMs + margin > Date.now()) await sleep(oldest + windowMs + margin - Date.now())
      sent.push(Date.now())
      if (sent.length > limit) sent.shift()
    }))
}

/**
 * The throttle sits in the client's `fetch`, so Video.removeBackground() stays one call. API requests wait for a
 * request slot, starts also for a start slot. A 429 on start means the start did not happen (nothing was
 * charged), so it is safe to send it again after Retry-After: the SDK never repeats a start by itself.
 */
const requestSlot = slidingWindow(REQUESTS_PER_WINDOW, windowMs)
const startSlot = slidingWindow(STARTS_PER_WINDOW, windowMs)
let rateLimited = 0
const throttledFetch: FetchFn = async (url, init) => {
  const isApi = new URL(url).pathname.includes('/v1/') // uploads and downloads go to storage: not counted
  const isStart = isApi && init.method === 'POST' && url.endsWith('/start')
  for (let attempt = 0; ; attempt++) {
    if (isStart) await startSlot()
    if (isApi) await requestSlot()
    const response = await fetch(url, init)
    if (!(isStart && response.status === 429 && attempt < 3)) return response
    rateLimited += 1
    await response.body?.cancel()
    await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000, undefined, { signal: init.signal ?? undefined })
  }
}

const client = fake
  ? new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: fake.url, fetch: throttledFetch })
  : new VideoBGRemoverClient(undefined, { fetch: throttledFetch })

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
  console.log(`\n${VIDEOS.length - failed.length} of ${VIDEOS.length} videos done in ${elapsed()}; ${rateLimited} start(s) rate-limited`)
  if (fake) {
    // The fake's ledger shows what the server saw: every start was accepted the first time.
    const refused = fake.api.requests.filter((entry) => entry.status === 429).length
    console.log(`server-side 429 responses: ${refused}`)
  }
  if (failed.length > 0) process.exitCode = 1
} finally {
  await fake?.close()
}
