import { ApiError, ConnectionError, TimeoutError, jobFailed, statusUnreadable, waitTimedOut } from '../errors'
import { isRetryable } from './retry'
import type { JobStatus, StartJobOptions, StartJobResponse } from '../types'
import type { Exchange, RequestOptions } from './http'
import { linkSignal, sleep, throwIfAborted } from './signal'

/** The client's calls that the job lifecycle makes, with arguments already checked. */
export interface JobCalls {
  /** One status read, with the status and headers of the answer. */
  status(jobId: string, options: RequestOptions): Promise<Exchange<JobStatus>>
  /** One start request, never retried by itself. */
  start(jobId: string, body: StartJobOptions, options: RequestOptions): Promise<StartJobResponse>
  /** The gap between requests the rate limit calls for now (ms). */
  spacingMs(): number
}

/** Options of `wait()`: times in seconds, as in the vendor's docs. */
export interface WaitOptions {
  /** Fixed seconds between polls. Without it the schedule is adaptive: 1 s, growing by half each poll to 10 s. */
  pollSeconds?: number
  /** Give up after this many seconds with a `TimeoutError`; the job itself goes on. Default: no limit. */
  timeout?: number
  /** Called with the new status and the whole status object whenever the status changes. */
  onStatus?: (status: JobStatus['status'], job: JobStatus) => void
  /** Aborts the wait at once with an `AbortError`; the job goes on. */
  signal?: AbortSignal
}

const FIRST_POLL_MS = 1_000
const MAX_POLL_MS = 10_000
/**
 * Polls that may fail in a row before `wait()` gives up. A poll is one status read with its own retries, so a proxy
 * page, a 5xx or a dropped connection costs a poll, not the wait: the job goes on regardless.
 */
export const MAX_FAILED_POLLS = 5

/**
 * The adaptive schedule: 1 s after the first read, growing by half each time to a 10 s cap
 * (1, 1.5, 2.25, 3.4, 5.1, 7.6, 10, 10, … s), or longer when the rate limit calls for a wider
 * `spacingMs` (see `RateLimiter.spacingMs`).
 */
export function pollDelayMs(poll: number, spacingMs = 0): number {
  return Math.max(Math.min(FIRST_POLL_MS * 1.5 ** poll, MAX_POLL_MS), spacingMs)
}

/**
 * Polls until the job is `completed` (its status) or `failed` (a `ProcessingError`), or `timeout` passes. A poll
 * that fails for a transient reason (as the retry policy judges a read) is skipped, and polling goes on to the next
 * in the schedule; `MAX_FAILED_POLLS` of them in a row end the wait with a `ConnectionError` whose cause is the last.
 */
export async function waitForJob(calls: JobCalls, jobId: string, options: WaitOptions, requestOptions: RequestOptions): Promise<JobStatus> {
  const { pollSeconds, timeout, onStatus } = options
  const signal = options.signal ?? requestOptions.signal
  const deadline = linkSignal(signal, timeout === undefined ? undefined : timeout * 1000)
  let last: JobStatus | undefined
  let failures = 0
  try {
    for (let poll = 0; ; poll++) {
      const delay = () => (pollSeconds === undefined ? pollDelayMs(poll, calls.spacingMs()) : pollSeconds * 1000)
      const exchange = await calls.status(jobId, { ...requestOptions, signal: deadline.signal }).catch((error: unknown) => {
        if (deadline.signal.aborted || !isRetryable('read', error)) throw error
        if (++failures >= MAX_FAILED_POLLS) throw statusUnreadable(jobId, failures, error)
      })
      if (!exchange) {
        await sleep(delay(), deadline.signal, jobId)
        continue
      }
      failures = 0
      const job = exchange.data
      if (job.status !== last?.status) onStatus?.(job.status, job)
      last = job
      if (job.status === 'completed') return job
      if (job.status === 'failed') throw jobFailed(job, exchange)
      await sleep(delay(), deadline.signal, jobId)
    }
  } catch (error) {
    if (!deadline.timedOut() || signal?.aborted) throw error
    throw waitTimedOut(jobId, timeout, last)
  } finally {
    deadline.dispose()
  }
}

/** Whether a job's status says it has not started: `created` (no video yet) or `uploaded` (ready to start). */
export const hasNotStarted = (job: JobStatus): boolean => job.status === 'created' || job.status === 'uploaded'

/** A failure after which the start may or may not have happened on the server, e.g. a 2xx whose body is unreadable. */
function isAmbiguous(error: unknown): boolean {
  return (
    error instanceof ConnectionError ||
    error instanceof TimeoutError ||
    (error instanceof ApiError && (error.status >= 500 || (error.status >= 200 && error.status < 300)))
  )
}

/** How long a start whose answer was lost may still be on its way: the status is read only after it (contract §8). */
export const RECONCILE_DELAY_MS = 1_000

/**
 * Starts a job without ever charging twice. After an ambiguous failure it reads the status: a job past
 * `created`/`uploaded` did start, so its status stands in for the lost response; otherwise it starts
 * again, up to `maxRetries` times, and past them the original error is thrown. A 409 (conflict) is read the same
 * way but never answered with another start: the job was started by someone else (another process resuming it,
 * a retry that got through), or it has no video yet.
 */
export async function startJobSafely(
  calls: JobCalls,
  jobId: string,
  body: StartJobOptions,
  options: RequestOptions,
  maxRetries: number,
): Promise<StartJobResponse> {
  const { signal } = options
  for (let attempt = 0; ; attempt++) {
    try {
      return await calls.start(jobId, body, options)
    } catch (error) {
      const conflict = error instanceof ApiError && error.status === 409
      if (!conflict && !isAmbiguous(error)) throw error
      if (!conflict) await sleep(RECONCILE_DELAY_MS, signal, jobId)
      const { data: job } = await calls.status(jobId, options)
      throwIfAborted(signal, jobId)
      if (!hasNotStarted(job)) return startedFrom(job)
      if (conflict || attempt >= maxRetries) throw error
    }
  }
}

function startedFrom(job: JobStatus): StartJobResponse {
  return {
    id: job.id,
    status: job.status,
    export_id: job.export_id,
    background: job.background,
    video_length_seconds: job.length_seconds,
    creditsUsed: undefined,
  }
}
