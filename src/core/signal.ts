import { AbortError, ConnectionError, TimeoutError, describe, type VideoBGRemoverError } from '../errors'
import { redact } from './logger'

/** The caller's signal plus an optional deadline, merged into one signal that must be disposed. */
export interface LinkedSignal {
  signal: AbortSignal
  /** True when the deadline, not the caller, aborted it. */
  timedOut(): boolean
  /** Keeps the caller's abort linked but drops the deadline (e.g. once headers arrived). */
  stopTimer(): void
  dispose(): void
  /**
   * What a failed network wait under this signal means: `AbortError` when the caller aborted, `TimeoutError`
   * past the deadline, else `ConnectionError`. `what` names the operation; `secret` is redacted from the text.
   */
  failure(error: unknown, what: string, details?: { jobId?: string; secret?: string }): VideoBGRemoverError
}

export function linkSignal(parent: AbortSignal | undefined, timeoutMs?: number): LinkedSignal {
  const controller = new AbortController()
  let expired = false
  const onAbort = () => controller.abort(parent?.reason)
  parent?.addEventListener('abort', onAbort, { once: true })
  if (parent?.aborted) onAbort()
  const timer =
    timeoutMs === undefined || !Number.isFinite(timeoutMs)
      ? undefined
      : setTimeout(() => {
          expired = true
          controller.abort()
        }, timeoutMs)
  return {
    signal: controller.signal,
    timedOut: () => expired,
    stopTimer: () => clearTimeout(timer),
    dispose() {
      clearTimeout(timer)
      parent?.removeEventListener('abort', onAbort)
    },
    failure(error, what, { jobId, secret } = {}) {
      if (parent?.aborted) return abortError(parent, jobId)
      if (expired) return new TimeoutError(`${what} timed out after ${timeoutMs} ms`, { jobId })
      if (error instanceof ConnectionError) return error
      const reason = describe(error)
      const cause = secret && reason.includes(secret) ? {} : { cause: error }
      return new ConnectionError(redact(`${what} failed: ${reason}`, secret), { ...cause, jobId })
    },
  }
}

export function abortError(signal: AbortSignal | undefined, jobId?: string): AbortError {
  return new AbortError(undefined, { cause: signal?.reason, jobId })
}

export function throwIfAborted(signal: AbortSignal | undefined, jobId?: string): void {
  if (signal?.aborted) throw abortError(signal, jobId)
}

/** Waits `ms`, settling at once with an `AbortError` when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal, jobId?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal, jobId))
    const onAbort = () => {
      clearTimeout(timer)
      reject(abortError(signal, jobId))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
