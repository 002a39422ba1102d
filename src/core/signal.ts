import { abortError } from '../errors'

/** The caller's signal plus an optional deadline, merged into one signal that must be disposed. */
export interface LinkedSignal {
  signal: AbortSignal
  /** True when the deadline, not the caller, aborted it. */
  timedOut(): boolean
  /** Keeps the caller's abort linked but drops the deadline (e.g. once headers arrived). */
  stopTimer(): void
  dispose(): void
}

/** Links `parent` (the caller's signal) and a deadline of `timeoutMs` into one signal. */
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
  }
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
