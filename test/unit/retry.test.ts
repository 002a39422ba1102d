import { delay, http, HttpResponse, type JsonBodyType } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { backoffMs, serverDelayMs } from '../../src/core/retry'
import {
  AbortError,
  ApiError,
  ConnectionError,
  InsufficientCreditsError,
  JobNotFoundError,
  ProcessingError,
  RateLimitError,
  TimeoutError,
  VideoBGRemoverClient,
  type ClientOptions,
} from '../../src/index'
import { activeTimers, BASE, JOB, KEY, rejection, until } from '../kit'

const CREDITS = { total_credits: 10, remaining_credits: 10, used_credits: 0 }

type Reply = () => Response | Promise<Response>

const fail =
  (status: number, headers: Record<string, string> = { 'retry-after-ms': '1' }): Reply =>
  () =>
    HttpResponse.json({ error: `failed with ${status}` }, { status, headers })
const ok =
  (body: JsonBodyType): Reply =>
  () =>
    HttpResponse.json(body)
const dropped: Reply = () => HttpResponse.error()
const hang: Reply = async () => {
  await delay('infinite')
  return HttpResponse.json({})
}

/**
 * Jobs scripted for `startJob`: each start answers with the next reply (the last repeats), and the status
 * endpoint reports `status`. Registered once so that concurrent tests can share the server.
 */
const jobs = new Map<string, { start: Reply[]; status: Reply; starts: number; reads: number }>()
function scriptJob(id: string, start: Reply[], status: string | Reply) {
  const job = {
    start,
    status: typeof status === 'string' ? ok({ id, status, filename: 'clip.mp4' }) : status,
    starts: 0,
    reads: 0,
  }
  jobs.set(id, job)
  return job
}

const server = setupServer(
  http.post(`${BASE}/v1/jobs/:id/start`, ({ params }) => {
    const job = jobs.get(params.id as string)
    if (!job) return undefined
    return job.start[Math.min(job.starts++, job.start.length - 1)]!()
  }),
  http.get(`${BASE}/v1/jobs/:id/status`, ({ params }) => {
    const job = jobs.get(params.id as string)
    if (!job) return undefined
    job.reads++
    return job.status()
  }),
)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  server.resetHandlers()
  vi.restoreAllMocks()
})
afterAll(() => server.close())

const client = (options: ClientOptions = {}) => new VideoBGRemoverClient(KEY, { baseUrl: BASE, rateLimit: false, ...options })

/** Answers every request with the replies in turn (the last repeats); returns when each request arrived. */
function sequence(...replies: Reply[]): number[] {
  const hits: number[] = []
  server.use(
    http.all(`${BASE}/*`, () => {
      hits.push(performance.now())
      return replies[Math.min(hits.length - 1, replies.length - 1)]!()
    }),
  )
  return hits
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('GET', () => {
  it.each<[string, Reply, new (...args: never[]) => Error]>([
    ['a network error', dropped, ConnectionError],
    ['408', fail(408), ApiError],
    ['429', fail(429), RateLimitError],
    ['500', fail(500), ProcessingError],
    ['502', fail(502), ApiError],
    ['503', fail(503), ApiError],
    ['504', fail(504), ApiError],
    ['a 200 that is not JSON', () => HttpResponse.text('<html>'), ApiError],
  ])('retries %s twice by default, then throws it', async (_, reply, Kind) => {
    const hits = sequence(reply)
    const error = await rejection(client().credits())
    expect(error).toBeInstanceOf(Kind)
    expect(hits).toHaveLength(3)
  })

  it('returns the first good answer after failures', async () => {
    const hits = sequence(fail(503), fail(502), ok(CREDITS))
    await expect(client().credits()).resolves.toMatchObject({ totalCredits: 10 })
    expect(hits).toHaveLength(3)
  })

  it.each([400, 401, 402, 403, 404, 409, 413, 415, 422])('does not retry %i', async (status) => {
    const hits = sequence(fail(status))
    await expect(client().credits()).rejects.toMatchObject({ status })
    expect(hits).toHaveLength(1)
  })

  it.each([
    [{ maxRetries: 0 }, {}, 1],
    [{ maxRetries: 4 }, {}, 5],
    [{ maxRetries: 4 }, { maxRetries: 1 }, 2],
    [{ maxRetries: 0 }, { maxRetries: 3 }, 4],
    [{}, { maxRetries: 0 }, 1],
  ])('client %j with call %j makes %i attempts', async (clientOptions, callOptions, attempts) => {
    const hits = sequence(fail(503))
    await expect(client(clientOptions).credits(callOptions)).rejects.toBeInstanceOf(ApiError)
    expect(hits).toHaveLength(attempts)
  })

  it('waits as long as retry-after-ms asks before retrying', async () => {
    const hits = sequence(fail(503, { 'retry-after-ms': '50' }), ok(CREDITS))
    await client().credits()
    expect(hits).toHaveLength(2)
    expect(hits[1]! - hits[0]!).toBeGreaterThanOrEqual(45)
  })
})

describe('which calls retry a 503', () => {
  it.each<[string, number, (c: VideoBGRemoverClient) => Promise<unknown>]>([
    ['credits', 3, (c) => c.credits()],
    ['status', 3, (c) => c.status(JOB)],
    ['webhookDeliveries', 3, (c) => c.webhookDeliveries(JOB)],
    ['deleteJob', 3, (c) => c.deleteJob(JOB)],
    ['createJobFile', 1, (c) => c.createJobFile({ filename: 'a.mp4', content_type: 'video/mp4' })],
    ['createJobUrl', 1, (c) => c.createJobUrl({ video_url: 'https://cdn.test/a.mp4' })],
  ])('%s: %i attempt(s)', async (_, attempts, call) => {
    const hits = sequence(fail(503))
    await expect(call(client())).rejects.toBeInstanceOf(ApiError)
    expect(hits).toHaveLength(attempts)
  })
})

describe('POST /v1/jobs', () => {
  const create = (c: VideoBGRemoverClient, timeout?: number) =>
    c.createJobFile({ filename: 'a.mp4', content_type: 'video/mp4' }, { timeout })

  it('is retried after a connection error', async () => {
    const hits = sequence(dropped, ok({ id: JOB, upload_url: 'https://storage.test/u' }))
    await expect(create(client())).resolves.toMatchObject({ id: JOB })
    expect(hits).toHaveLength(2)
  })

  it.each([408, 429, 500, 502, 503, 504])('is not retried after a %i', async (status) => {
    const hits = sequence(fail(status))
    await expect(create(client())).rejects.toMatchObject({ status })
    expect(hits).toHaveLength(1)
  })

  it('is not retried after a timeout', async () => {
    const hits = sequence(hang)
    await expect(create(client(), 50)).rejects.toBeInstanceOf(TimeoutError)
    expect(hits).toHaveLength(1)
  })
})

describe('startJob is never sent twice blindly', () => {
  const failures: Record<string, { reply: Reply; timeout?: number }> = {
    '500': { reply: fail(500) },
    'a dropped connection': { reply: dropped },
    // The hanging start ends at the deadline; the status read and the start after it must answer within it.
    'a timeout': { reply: hang, timeout: 2_000 },
  }
  const restarted = { status: 'processing', creditsUsed: 12 }

  it.concurrent.for([
    { failure: '500', status: 'created', starts: 2 },
    { failure: '500', status: 'uploaded', starts: 2 },
    { failure: '500', status: 'processing', starts: 1 },
    { failure: '500', status: 'failed', starts: 1 },
    { failure: 'a dropped connection', status: 'uploaded', starts: 2 },
    { failure: 'a dropped connection', status: 'processing', starts: 1 },
    { failure: 'a timeout', status: 'created', starts: 2 },
    { failure: 'a timeout', status: 'processing', starts: 1 },
  ])('after $failure, a job whose status is $status is started $starts time(s)', async ({ failure, status, starts }, { expect }) => {
    const id = `job-${failure}-${status}`.replace(/\W/g, '-')
    const { reply, timeout } = failures[failure]!
    const job = scriptJob(id, [reply, ok({ id, ...restarted })], status)
    const result = await client().startJob(id, {}, { timeout })
    expect({ starts: job.starts, reads: job.reads }).toEqual({ starts, reads: 1 })
    expect(result).toMatchObject(starts === 2 ? { id, ...restarted } : { id, status, creditsUsed: undefined })
  })

  it.concurrent('starts again only after each status read, up to maxRetries', async ({ expect }) => {
    const job = scriptJob('job-always-500', [fail(500)], 'uploaded')
    const error = await rejection(client().startJob('job-always-500', {}, { maxRetries: 1 }))
    expect(error).toBeInstanceOf(ProcessingError)
    expect({ starts: job.starts, reads: job.reads }).toEqual({ starts: 2, reads: 2 })
  })

  it.concurrent.for([
    { status: 'processing', settles: 'resolves' },
    { status: 'uploaded', settles: 'rejects' },
  ])('with maxRetries 0 still reads the status: a $status job $settles', async ({ status, settles }, { expect }) => {
    const id = `job-no-retries-${status}`
    const job = scriptJob(id, [fail(500)], status)
    const outcome = client().startJob(id, {}, { maxRetries: 0 })
    if (settles === 'resolves') await expect(outcome).resolves.toMatchObject({ id, status })
    else await expect(outcome).rejects.toBeInstanceOf(ProcessingError)
    expect({ starts: job.starts, reads: job.reads }).toEqual({ starts: 1, reads: 1 })
  })

  it.concurrent('surfaces a failing status read with the job id, without starting again', async ({ expect }) => {
    const job = scriptJob('job-gone', [fail(502)], fail(404))
    const error = await rejection(client().startJob('job-gone'))
    expect(error).toBeInstanceOf(JobNotFoundError)
    expect(error).toMatchObject({ jobId: 'job-gone' })
    expect(job.starts).toBe(1)
  })

  it.each<[number, new (...args: never[]) => Error]>([
    [400, ApiError],
    [402, InsufficientCreditsError],
    [429, RateLimitError],
  ])('a %i is thrown as it is: no status read, no second start', async (status, Kind) => {
    const id = `job-refused-${status}`
    const job = scriptJob(id, [fail(status), ok({ id, status: 'processing' })], 'uploaded')
    await expect(client().startJob(id)).rejects.toBeInstanceOf(Kind)
    expect({ starts: job.starts, reads: job.reads }).toEqual({ starts: 1, reads: 0 })
  })

  it('a 409 for a job someone else started (another process resuming it) is read as started: one read, no second start', async () => {
    const id = 'job-started-elsewhere'
    const job = scriptJob(id, [fail(409), ok({ id, status: 'processing' })], 'processing')
    await expect(client().startJob(id)).resolves.toMatchObject({ id, status: 'processing' })
    expect({ starts: job.starts, reads: job.reads }).toEqual({ starts: 1, reads: 1 })
  })

  it('a 409 for a job that has not started (no video yet) is thrown after one read, with no second start', async () => {
    const id = 'job-not-uploaded'
    const job = scriptJob(id, [fail(409), ok({ id, status: 'processing' })], 'created')
    await expect(client().startJob(id)).rejects.toBeInstanceOf(ApiError)
    expect({ starts: job.starts, reads: job.reads }).toEqual({ starts: 1, reads: 1 })
  })
})

describe('per-attempt timeout', () => {
  it.each([
    ['per call', {}, { timeout: 50 }],
    ['per client', { timeout: 50 }, {}],
  ])('set %s gives a TimeoutError', async (_, clientOptions, callOptions) => {
    sequence(hang)
    const error = await rejection(client({ maxRetries: 0, ...clientOptions }).credits(callOptions))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.message).toContain('50 ms')
  })

  it('on a GET is retried', async () => {
    const hits = sequence(hang, ok(CREDITS))
    // The hung attempt ends at the deadline; the retry must answer within it, with room on a busy machine.
    await expect(client().credits({ timeout: 2_000 })).resolves.toMatchObject({ totalCredits: 10 })
    expect(hits).toHaveLength(2)
  })
})

describe('abort', () => {
  it('before the call sends nothing', async () => {
    const hits = sequence(ok(CREDITS))
    const error = await rejection(client().credits({ signal: AbortSignal.abort() }))
    expect(error).toBeInstanceOf(AbortError)
    expect(hits).toHaveLength(0)
  })

  it.each<[string, Reply[]]>([
    ['a request', [hang]],
    ['a backoff wait', [fail(503, { 'retry-after-ms': '10000' })]],
  ])('during %s settles at once with an AbortError and leaves no timer', async (_, replies) => {
    const hits = sequence(...replies)
    const timersBefore = activeTimers()
    const controller = new AbortController()
    const reason = new Error('user left')
    const pending = rejection(client().credits({ signal: controller.signal }))
    await until(() => hits.length === 1)
    await pause(20)
    controller.abort(reason)
    const error = await pending
    expect(error).toBeInstanceOf(AbortError)
    expect(error.cause).toBe(reason)
    expect(hits).toHaveLength(1)
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore)
  })

  it('during the wait before reconciling a start settles at once, without reading the status', async () => {
    const job = scriptJob('job-abort', [fail(500)], 'uploaded')
    const controller = new AbortController()
    const pending = rejection(client().startJob('job-abort', {}, { signal: controller.signal }))
    await until(() => job.starts === 1)
    await pause(50)
    controller.abort()
    const error = await pending
    expect(error).toBeInstanceOf(AbortError)
    expect(error).toMatchObject({ jobId: 'job-abort' })
    expect({ starts: job.starts, reads: job.reads }).toEqual({ starts: 1, reads: 0 })
  })

  it('no timer is left behind by a finished or timed-out call', async () => {
    const timersBefore = activeTimers()
    sequence(ok(CREDITS))
    await client().credits()
    server.use(http.get(`${BASE}/v1/jobs/${JOB}/status`, hang))
    await expect(client({ maxRetries: 0 }).status(JOB, { timeout: 20 })).rejects.toBeInstanceOf(TimeoutError)
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore)
  })
})

describe('serverDelayMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z')
  const inSeconds = (s: number) => String(now / 1000 + s)

  it.each<[string, Record<string, string>, number, number | undefined]>([
    ['retry-after-ms', { 'retry-after-ms': '50' }, 503, 50],
    ['retry-after-ms over a minute', { 'retry-after-ms': '120000' }, 503, 60_000],
    ['a negative retry-after-ms', { 'retry-after-ms': '-5' }, 503, 0],
    ['Retry-After in seconds', { 'retry-after': '7' }, 503, 7_000],
    ['Retry-After over a minute', { 'retry-after': '3600' }, 429, 60_000],
    ['Retry-After as an HTTP date', { 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }, 503, 10_000],
    ['Retry-After as a date an hour away', { 'retry-after': 'Wed, 01 Jan 2025 01:00:00 GMT' }, 503, 60_000],
    ['Retry-After as a past date', { 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }, 503, 0],
    ['retry-after-ms before Retry-After', { 'retry-after-ms': '50', 'retry-after': '7' }, 503, 50],
    ['Retry-After before X-RateLimit-Reset', { 'retry-after': '7', 'x-ratelimit-reset': inSeconds(20) }, 429, 7_000],
    ['X-RateLimit-Reset on a 429', { 'x-ratelimit-reset': inSeconds(20) }, 429, 20_000],
    ['X-RateLimit-Reset an hour away', { 'x-ratelimit-reset': inSeconds(3600) }, 429, 60_000],
    ['X-RateLimit-Reset with the window spent', { 'x-ratelimit-reset': inSeconds(20), 'x-ratelimit-remaining': '0' }, 503, 20_000],
    ['X-RateLimit-Reset with requests left', { 'x-ratelimit-reset': inSeconds(20), 'x-ratelimit-remaining': '5' }, 503, undefined],
    ['an unreadable Retry-After', { 'retry-after': 'soon' }, 503, undefined],
    ['no header', {}, 503, undefined],
  ])('%s', (_, headers, status, expected) => {
    expect(serverDelayMs(headers, status, now)).toBe(expected)
  })
})

describe('backoffMs', () => {
  it.each([
    [0, 375, 500],
    [1, 750, 1_000],
    [2, 1_500, 2_000],
    [3, 3_000, 4_000],
    [10, 6_000, 8_000],
  ])('attempt %i waits between %i and %i ms', (attempt, shortest, longest) => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999)
    expect(backoffMs(attempt)).toBeCloseTo(shortest, -1)
    vi.spyOn(Math, 'random').mockReturnValue(0)
    expect(backoffMs(attempt)).toBe(longest)
  })
})
