import { hasNotStarted, MAX_FAILED_POLLS, type JobCalls } from '../../core/lifecycle'
import { isRetryable } from '../../core/retry'
import { sleep } from '../../core/signal'
import { abortError, jobFailed, jobStuck, statusUnreadable } from '../../errors'
import type { JobStatus } from '../../types'
import { deferred } from './sync'

interface Watched {
  due: number
  polls: number
  /** Polls in a row that could not be read, or read a status before the start. */
  misses: number
  done: ReturnType<typeof deferred<JobStatus>>
  onStatus?: (status: JobStatus) => void
}

/**
 * Polls every started job of a batch from one loop, so the batch's reads share the key's request budget instead of
 * each job polling on its own: each job first soon, then less often (a sixtieth of the rate window, growing by half
 * each poll to a sixth: 1 s to 10 s at the API's minute), and never so often that together they take more than half
 * the window's requests, which leaves the rest to creates and starts. Bounded as `wait()` is: `MAX_FAILED_POLLS`
 * polls in a row that fail for a transient reason give the job up (`ConnectionError`), and as many that read it
 * before its start (`created`, `uploaded`: stuck, the start not taken) give it up too (`JobStoreError`,
 * `job_unconfirmed`). A job `processing` is waited for as long as it takes, as `wait()` without a `timeout` does.
 */
export class Poller {
  readonly #jobs = new Map<string, Watched>()
  #wake: (() => void) | undefined
  #running = false

  constructor(
    private readonly calls: JobCalls,
    private readonly limits: { requestsPerWindow: number; windowMs: number },
    private readonly signal: AbortSignal,
  ) {}

  /**
   * Resolves with the job's status once it is `completed`; rejects with `ProcessingError` when it `failed`, and with
   * `AbortError` when `signal` (the input's own) fires, which stops polling the job.
   */
  completion(jobId: string, signal: AbortSignal, onStatus?: (status: JobStatus) => void): Promise<JobStatus> {
    const done = deferred<JobStatus>()
    const watched: Watched = { due: Date.now() + this.#delay(0), polls: 0, misses: 0, done, onStatus }
    this.#jobs.set(jobId, watched)
    const onAbort = () => {
      if (this.#jobs.get(jobId) !== watched) return
      this.#jobs.delete(jobId)
      done.reject(abortError(signal, jobId))
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    done.promise.then(
      () => signal.removeEventListener('abort', onAbort),
      () => signal.removeEventListener('abort', onAbort),
    )
    this.#wake?.()
    if (!this.#running) void this.#loop()
    return done.promise
  }

  #delay(polls: number): number {
    const { windowMs, requestsPerWindow } = this.limits
    const schedule = Math.min((windowMs / 60) * 1.5 ** polls, windowMs / 6)
    const share = (this.#jobs.size * windowMs) / Math.max(1, requestsPerWindow / 2)
    return Math.max(schedule, share)
  }

  async #loop(): Promise<void> {
    this.#running = true
    try {
      while (this.#jobs.size > 0 && !this.signal.aborted) {
        const [jobId, job] = [...this.#jobs].reduce((a, b) => (b[1].due < a[1].due ? b : a))
        const wait = job.due - Date.now()
        if (wait > 0) {
          // A job added meanwhile may be due sooner: it wakes the loop.
          await Promise.race([sleep(wait, this.signal), new Promise<void>((resolve) => (this.#wake = resolve))]).catch(() => undefined)
          this.#wake = undefined
          continue
        }
        await this.#poll(jobId, job)
      }
    } finally {
      this.#running = false
      for (const job of this.#jobs.values()) job.done.reject(this.signal.reason)
      this.#jobs.clear()
    }
  }

  async #poll(jobId: string, job: Watched): Promise<void> {
    job.polls++
    try {
      const exchange = await this.calls.status(jobId, { signal: this.signal })
      const status = exchange.data
      // Given up meanwhile (its input's claim was lost), perhaps watched again since: not this poll's to settle.
      if (this.#jobs.get(jobId) !== job) return
      job.onStatus?.(status)
      if (status.status === 'completed' || status.status === 'failed') {
        this.#jobs.delete(jobId)
        if (status.status === 'completed') job.done.resolve(status)
        else job.done.reject(jobFailed(status, exchange))
        return
      }
      const stuck = hasNotStarted(status)
      job.misses = stuck ? job.misses + 1 : 0
      if (stuck && job.misses >= MAX_FAILED_POLLS) return this.#giveUp(jobId, job, jobStuck(jobId, status.status, job.misses))
    } catch (error) {
      if (this.signal.aborted || this.#jobs.get(jobId) !== job) return
      if (!isRetryable('read', error)) return this.#giveUp(jobId, job, error)
      // A transient failure costs this poll, not the job: polling goes on, up to the bound.
      if (++job.misses >= MAX_FAILED_POLLS) return this.#giveUp(jobId, job, statusUnreadable(jobId, job.misses, error))
    }
    job.due = Date.now() + this.#delay(job.polls)
  }

  #giveUp(jobId: string, job: Watched, error: unknown): void {
    this.#jobs.delete(jobId)
    job.done.reject(error)
  }
}
