import { describe, expect, it } from 'vitest'
import { RateLimitError, Video, VideoBGRemoverClient, type RateLimits } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeServer, type LedgerEntry } from '../../src/testing/node'

/**
 * The API allows 100 requests and 3 job starts a minute per key. Here the window is scaled to a second on both
 * sides (the fake enforces it, the client paces under it), so 20 jobs need about 7 windows.
 */
const WINDOW_MS = 1_000
const LIMITS: Required<Omit<RateLimits, 'store'>> = { requestsPerWindow: 100, startsPerWindow: 3, windowMs: WINDOW_MS }
const JOBS = 20
const CLIENTS = 4
const LENGTH_SECONDS = 10
const CREDITS = 1_000
const BYTES = Uint8Array.from({ length: 16 * 1024 }, (_, i) => i % 251)

const apiRequests = (server: FakeServer) =>
  server.api.requests.filter((entry) => entry.endpoint !== 'upload' && entry.endpoint !== 'download')
const rejected = (server: FakeServer) => server.api.requests.filter((entry) => entry.status === 429)
const gaps = (entries: readonly LedgerEntry[]) => entries.slice(1).map((entry, i) => entry.time - entries[i]!.time)

describe('load: one key, many clients, the API limits', () => {
  it(`${JOBS} concurrent removeBackground runs from ${CLIENTS} clients all complete, and no 429 is ever sent`, async () => {
    await using server = await startFakeServer({
      rateLimit: LIMITS,
      processingMs: 300,
      credits: CREDITS,
      videoLengthSeconds: LENGTH_SECONDS,
    })
    const clients = Array.from(
      { length: CLIENTS },
      () => new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit: LIMITS }),
    )
    const began = Date.now()
    const results = await Promise.allSettled(
      Array.from({ length: JOBS }, (_, i) =>
        Video.open(BYTES, { filename: `clip-${i}.mp4` }).removeBackground({ client: clients[i % CLIENTS]!, pollSeconds: 0.02 }),
      ),
    )
    const elapsed = Date.now() - began

    expect(results.filter((result) => result.status === 'rejected')).toEqual([])
    const foregrounds = results.map((result) => (result as PromiseFulfilledResult<Awaited<ReturnType<Video['removeBackground']>>>).value)
    expect(new Set(foregrounds.map((foreground) => foreground.jobId)).size).toBe(JOBS)
    for (const foreground of foregrounds) {
      expect(foreground.status.status).toBe('completed')
      expect(server.api.startsFor(foreground.jobId)).toBe(1)
    }
    expect(server.api.credits).toBe(CREDITS - JOBS * LENGTH_SECONDS)

    expect(rejected(server), 'the client paced itself: the server never had to refuse').toEqual([])
    const starts = server.api.requests.filter((entry) => entry.endpoint === 'startJob').map((entry) => entry.time)
    expect(starts).toHaveLength(JOBS)
    for (let i = LIMITS.startsPerWindow; i < starts.length; i++) {
      expect(
        starts[i]! - starts[i - LIMITS.startsPerWindow]!,
        `starts ${i - LIMITS.startsPerWindow}..${i} in one window`,
      ).toBeGreaterThanOrEqual(WINDOW_MS)
    }
    const requests = apiRequests(server).map((entry) => entry.time)
    for (let i = LIMITS.requestsPerWindow; i < requests.length; i++) {
      expect(requests[i]! - requests[i - LIMITS.requestsPerWindow]!).toBeGreaterThanOrEqual(WINDOW_MS)
    }
    expect(elapsed).toBeGreaterThanOrEqual((Math.ceil(JOBS / LIMITS.startsPerWindow) - 1) * WINDOW_MS)
  }, 30_000)

  it('control: the same fake refuses an unpaced burst of starts, and the 429 reaches the caller', async () => {
    await using server = await startFakeServer({ rateLimit: LIMITS })
    const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit: false })
    const jobs = await Promise.all(Array.from({ length: 5 }, () => client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })))
    const results = await Promise.allSettled(jobs.map((job) => client.startJob(job.id)))
    const refusals = results.filter((result) => result.status === 'rejected').map((result) => (result as PromiseRejectedResult).reason)
    expect(refusals).toHaveLength(5 - LIMITS.startsPerWindow)
    for (const error of refusals) expect(error).toBeInstanceOf(RateLimitError)
    expect(rejected(server)).toHaveLength(5 - LIMITS.startsPerWindow)
  })
})

describe('pacing from X-RateLimit-Remaining', () => {
  /** A fake that allows 20 requests a second, and a client whose own limits are far above it. */
  async function pollUntilDone(rateLimit: RateLimits | false) {
    const server = await startFakeServer({
      rateLimit: { requestsPerWindow: 20, startsPerWindow: 100, windowMs: WINDOW_MS },
      processingMs: 1_500,
    })
    try {
      const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit })
      const { id } = await client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })
      await client.startJob(id)
      const job = await client.wait(id, { pollSeconds: 0.01 })
      return { job, requests: [...server.api.requests] }
    } finally {
      await server.close()
    }
  }

  it('requests are spaced as the remaining budget falls, so the window is never overrun', async () => {
    const { job, requests } = await pollUntilDone({ requestsPerWindow: 10_000, startsPerWindow: 100, windowMs: WINDOW_MS })
    expect(job.status).toBe('completed')
    expect(requests.filter((entry) => entry.status === 429)).toEqual([])
    const spacing = gaps(requests)
    const early = spacing.slice(0, 8).sort((a, b) => a - b)
    const spread = Math.max(...spacing.slice(0, 20))
    expect(spread, 'once it runs low, they are spread out').toBeGreaterThanOrEqual(100)
    expect(early[4], 'while the budget is ample, polls follow each other more closely').toBeLessThan(spread / 2)
  }, 15_000)

  it('control: without pacing, the same polling overruns the window', async () => {
    const { job, requests } = await pollUntilDone(false)
    expect(job.status).toBe('completed')
    expect(requests.filter((entry) => entry.status === 429).length).toBeGreaterThan(0)
  }, 15_000)
})
