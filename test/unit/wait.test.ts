import { delay, http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { MAX_FAILED_POLLS, pollDelayMs } from '../../src/core/lifecycle'
import { RateLimiter } from '../../src/core/limiter'
import {
  AbortError,
  ApiError,
  ConnectionError,
  JobNotFoundError,
  ProcessingError,
  TimeoutError,
  VideoBGRemoverClient,
  type JobStatus,
  type RequestOptions,
  type WaitOptions,
} from '../../src/index'
import { activeTimers, BASE, JOB, KEY, rejection, useMswServer } from '../kit'

const STATUS_URL = `${BASE}/v1/jobs/${JOB}/status`

const server = useMswServer()

const client = new VideoBGRemoverClient(KEY, { baseUrl: BASE, rateLimit: false })

type Step = string | Partial<JobStatus>

/** The status endpoint answers with the steps in turn (the last one repeats); `reads` counts the polls. */
function jobGoesThrough(...steps: Step[]): { reads: number } {
  const seen = { reads: 0 }
  server.use(
    http.get(STATUS_URL, () => {
      const step = steps[Math.min(seen.reads++, steps.length - 1)]!
      return HttpResponse.json({ id: JOB, filename: 'clip.mp4', ...(typeof step === 'string' ? { status: step } : step) })
    }),
  )
  return seen
}

describe('wait', () => {
  it('polls every pollSeconds until the job completes and returns the final status', async () => {
    const done = { status: 'completed', processed_video_url: 'https://storage.test/out.webm' }
    const seen = jobGoesThrough('uploaded', 'processing', 'processing', done)
    await expect(client.wait(JOB, { pollSeconds: 0.01 })).resolves.toMatchObject({ id: JOB, ...done })
    expect(seen.reads).toBe(4)
  })

  it('calls onStatus once per change with the status and the whole job', async () => {
    jobGoesThrough('uploaded', 'processing', 'processing', { status: 'processing', length_seconds: 3 }, 'queued', 'completed')
    const calls: Array<[string, JobStatus]> = []
    await client.wait(JOB, { pollSeconds: 0.01, onStatus: (status, job) => calls.push([status, job]) })
    expect(calls.map(([status]) => status)).toEqual(['uploaded', 'processing', 'queued', 'completed'])
    for (const [status, job] of calls) expect(job).toMatchObject({ id: JOB, status })
  })

  it('returns at once for a job already completed', async () => {
    const seen = jobGoesThrough('completed')
    const statuses: string[] = []
    await client.wait(JOB, { onStatus: (status) => statuses.push(status) })
    expect([seen.reads, statuses]).toEqual([1, ['completed']])
  })

  it.each([
    ['message', { status: 'failed', message: 'Video could not be decoded' }, 'Video could not be decoded'],
    ['error field', { status: 'failed', error: 'GPU out of memory' }, 'GPU out of memory'],
  ])('a failed job throws ProcessingError with the job id and the server %s', async (_, failed, message) => {
    jobGoesThrough('processing', failed)
    const error = await rejection(client.wait(JOB, { pollSeconds: 0.01 }))
    expect(error).toBeInstanceOf(ProcessingError)
    expect(error).toMatchObject({ jobId: JOB, message, body: expect.objectContaining(failed) })
  })

  it('passes an error reading the status through', async () => {
    server.use(http.get(STATUS_URL, () => HttpResponse.json({ error: 'Job not found' }, { status: 404 })))
    await expect(client.wait(JOB, { pollSeconds: 0.01 })).rejects.toBeInstanceOf(JobNotFoundError)
  })

  it.each<[string, WaitOptions]>([
    ['pollSeconds 0', { pollSeconds: 0 }],
    ['pollSeconds -1', { pollSeconds: -1 }],
    ['pollSeconds NaN', { pollSeconds: Number.NaN }],
    ['timeout 0', { timeout: 0 }],
  ])('refuses %s before polling', async (_, options) => {
    const seen = jobGoesThrough('processing')
    await expect((async () => client.wait(JOB, options))()).rejects.toMatchObject({ name: 'ValidationError' })
    expect(seen.reads).toBe(0)
  })
})

describe('polls that fail', () => {
  /** One read per poll (no retries inside a poll): the answers in turn, the last one repeating. */
  function answers(...replies: Array<() => Response>): { reads: number } {
    const seen = { reads: 0 }
    server.use(http.get(STATUS_URL, () => replies[Math.min(seen.reads++, replies.length - 1)]!()))
    return seen
  }
  const oneReadPerPoll = new VideoBGRemoverClient(KEY, { baseUrl: BASE, rateLimit: false, maxRetries: 0 })
  const processing = () => HttpResponse.json({ id: JOB, status: 'processing' })
  const completed = () => HttpResponse.json({ id: JOB, status: 'completed' })

  it.each([
    ['an HTML page from a proxy', () => HttpResponse.html('<html>Bad gateway</html>', { status: 200 })],
    ['a 503', () => HttpResponse.json({ error: 'busy' }, { status: 503 })],
    ['a dropped connection', () => HttpResponse.error()],
  ])('%s during a wait costs a poll, not the wait, and onStatus hears only real statuses', async (_, failing) => {
    const seen = answers(processing, failing, failing, processing, completed)
    const statuses: string[] = []
    await expect(oneReadPerPoll.wait(JOB, { pollSeconds: 0.01, onStatus: (status) => statuses.push(status) })).resolves.toMatchObject({
      status: 'completed',
    })
    expect(seen.reads).toBe(5)
    expect(statuses).toEqual(['processing', 'completed'])
  })

  it(`gives up after ${MAX_FAILED_POLLS} failed polls in a row, with the last failure as the cause`, async () => {
    const seen = answers(processing, () => HttpResponse.json({ error: 'busy' }, { status: 503 }))
    const error = await rejection(oneReadPerPoll.wait(JOB, { pollSeconds: 0.01 }))
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error).toMatchObject({ jobId: JOB })
    expect(error.message).toContain(`${MAX_FAILED_POLLS} times in a row`)
    expect(error.cause).toBeInstanceOf(ApiError)
    expect(seen.reads).toBe(1 + MAX_FAILED_POLLS)
  })

  it('a failure that is not transient (the job is gone) ends the wait at once', async () => {
    const seen = answers(processing, () => HttpResponse.json({ error: 'Job not found' }, { status: 404 }))
    await expect(oneReadPerPoll.wait(JOB, { pollSeconds: 0.01 })).rejects.toBeInstanceOf(JobNotFoundError)
    expect(seen.reads).toBe(2)
  })
})

describe('wait timeout (seconds)', () => {
  it('throws TimeoutError with the job id and the last status it saw', async () => {
    const seen = jobGoesThrough('uploaded', { status: 'processing', length_seconds: 12 })
    const timersBefore = activeTimers()
    const error = await rejection(client.wait(JOB, { pollSeconds: 0.01, timeout: 0.2 }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ jobId: JOB, lastStatus: { id: JOB, status: 'processing', length_seconds: 12 } })
    expect(error.message).toContain(JOB)
    expect(seen.reads).toBeGreaterThan(2)
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore)
  })

  it('covers a status read that hangs', async () => {
    server.use(
      http.get(STATUS_URL, async () => {
        await delay('infinite')
        return HttpResponse.json({})
      }),
    )
    const error = await rejection(client.wait(JOB, { pollSeconds: 0.01, timeout: 0.2 }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ jobId: JOB, lastStatus: undefined })
  })
})

describe('adaptive polling', () => {
  it('waits longer than a short timeout after the first read when no pollSeconds is given', async () => {
    const seen = jobGoesThrough('processing')
    await expect(client.wait(JOB, { timeout: 0.2 })).rejects.toBeInstanceOf(TimeoutError)
    expect(seen.reads).toBe(1)
  })

  it('polls again after the first delay', async () => {
    const seen = jobGoesThrough('processing', 'completed')
    await expect(client.wait(JOB)).resolves.toMatchObject({ status: 'completed' })
    expect(seen.reads).toBe(2)
  })

  it('starts at 1 s and grows by half to a 10 s cap', () => {
    const schedule = Array.from({ length: 9 }, (_, poll) => Math.round(pollDelayMs(poll)))
    expect(schedule).toEqual([1_000, 1_500, 2_250, 3_375, 5_063, 7_594, 10_000, 10_000, 10_000])
  })

  const now = 1_000_000
  it.each([
    ['plenty of requests left', { limit: 100, remaining: 50, resetAt: now + 30_000 }, 1_000],
    ['a fifth left, no stretch yet', { limit: 100, remaining: 21, resetAt: now + 30_000 }, 1_000],
    ['few left: spread over the window', { limit: 100, remaining: 10, resetAt: now + 30_000 }, 3_000],
    ['none left: wait for the reset', { limit: 100, remaining: 0, resetAt: now + 30_000 }, 30_000],
    ['a far reset, capped at 60 s', { limit: 100, remaining: 1, resetAt: now + 3_600_000 }, 60_000],
    ['a reset already past', { limit: 100, remaining: 0, resetAt: now - 1 }, 1_000],
  ])('honours X-RateLimit-*: %s', (_, state, delayMs) => {
    const limiter = new RateLimiter()
    Object.assign(limiter.server, state)
    expect(pollDelayMs(0, limiter.spacingMs(now))).toBe(delayMs)
  })
})

describe('aborting a wait', () => {
  it.each<[string, (signal: AbortSignal) => [WaitOptions, RequestOptions]]>([
    ['the wait options', (signal) => [{ pollSeconds: 0.05, signal }, {}]],
    ['the request options', (signal) => [{ pollSeconds: 0.05 }, { signal }]],
  ])('through %s settles at once with an AbortError', async (_, options) => {
    const seen = jobGoesThrough('processing')
    const controller = new AbortController()
    const timersBefore = activeTimers()
    const pending = rejection(client.wait(JOB, ...options(controller.signal)))
    while (seen.reads < 2) await new Promise((resolve) => setTimeout(resolve, 5))
    controller.abort()
    const error = await pending
    expect(error).toBeInstanceOf(AbortError)
    expect(error).toMatchObject({ jobId: JOB })
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore)
  })

  it('with a signal already aborted reads nothing', async () => {
    const seen = jobGoesThrough('processing')
    await expect(client.wait(JOB, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError)
    expect(seen.reads).toBe(0)
  })

  it('is an abort, not a timeout, when both are set', async () => {
    jobGoesThrough('processing')
    const error = await rejection(client.wait(JOB, { pollSeconds: 0.01, timeout: 5, signal: AbortSignal.timeout(50) }))
    expect(error).toBeInstanceOf(AbortError)
  })
})
