import { ApiError, ConnectionError, StorageError, TimeoutError } from '../errors'
import { sleep, throwIfAborted } from './signal'

/**
 * Which failures an endpoint may repeat on its own:
 * - `read`: GET and DELETE, safe to repeat: network errors, timeouts, 408, 429, 5xx, a garbled 2xx body.
 * - `create`: POST /v1/jobs: connection errors only (a duplicate is a free orphan job).
 * - `never`: POST …/start charges credits; it is reconciled through the status instead.
 */
export type RetryPolicy = 'read' | 'create' | 'never'

const MAX_SERVER_DELAY_MS = 60_000
const BASE_DELAY_MS = 500
const MAX_BACKOFF_MS = 8_000

export function isRetryable(policy: RetryPolicy, error: unknown): boolean {
  if (policy === 'never') return false
  if (error instanceof ConnectionError) return true
  if (policy === 'create') return false
  if (error instanceof TimeoutError) return true
  if (!(error instanceof ApiError)) return false
  return error.status === 408 || error.status === 429 || error.status >= 500 || error.code === 'invalid_json'
}

/**
 * The wait the server asked for, if any: `retry-after-ms`, `Retry-After` (seconds or an HTTP date), or,
 * once the window is spent, `X-RateLimit-Reset` (Unix seconds). Clamped to 0–60 s.
 */
export function serverDelayMs(headers: Record<string, string>, status: number, now = Date.now()): number | undefined {
  const clamp = (ms: number) => Math.min(Math.max(ms, 0), MAX_SERVER_DELAY_MS)
  const retryAfterMs = Number.parseFloat(headers['retry-after-ms'] ?? '')
  if (Number.isFinite(retryAfterMs)) return clamp(retryAfterMs)
  const retryAfter = headers['retry-after']?.trim()
  if (retryAfter) {
    const seconds = Number(retryAfter)
    if (Number.isFinite(seconds)) return clamp(seconds * 1000)
    const date = Date.parse(retryAfter)
    if (Number.isFinite(date)) return clamp(date - now)
  }
  const reset = Number(headers['x-ratelimit-reset'])
  const spent = status === 429 || headers['x-ratelimit-remaining'] === '0'
  if (spent && headers['x-ratelimit-reset'] && Number.isFinite(reset)) return clamp(reset * 1000 - now)
  return undefined
}

/** Exponential backoff with jitter: about 0.5 s, 1 s, 2 s, … capped at 8 s, each shortened by up to a quarter. */
export function backoffMs(attempt: number): number {
  const ceiling = Math.min(BASE_DELAY_MS * 2 ** attempt, MAX_BACKOFF_MS)
  return ceiling * (1 - Math.random() * 0.25)
}

export interface RetryLoop {
  maxRetries: number
  retryable(error: unknown): boolean
  signal?: AbortSignal
  jobId?: string
  onRetry?(error: unknown, delayMs: number, attempt: number): void
}

/** Runs `attempt` until it succeeds, fails for good, or spends `maxRetries`, waiting as the server asks or backing off. */
export async function retrying<T>(attempt: () => Promise<T>, loop: RetryLoop): Promise<T> {
  for (let count = 0; ; count++) {
    throwIfAborted(loop.signal, loop.jobId)
    try {
      return await attempt()
    } catch (error) {
      if (count >= loop.maxRetries || !loop.retryable(error)) throw error
      const hinted = error instanceof ApiError ? serverDelayMs(error.headers, error.status) : undefined
      const delay = hinted ?? backoffMs(count)
      loop.onRetry?.(error, delay, count + 1)
      await sleep(delay, loop.signal, loop.jobId)
    }
  }
}

/** Transfers to and from storage: connection errors and storage 5xx. */
export const isTransientTransfer = (error: unknown) =>
  error instanceof ConnectionError || (error instanceof StorageError && error.status !== undefined && error.status >= 500)
