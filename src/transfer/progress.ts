/** How far an upload or download has come, in bytes. */
export interface Progress {
  /** Bytes moved so far; never goes backwards, even when an upload is retried. */
  loaded: number
  /** Bytes in all; 0 for a download whose size the server did not send. */
  total: number
}
/** Receives `Progress` at most every 100 ms, and always once when the last byte has moved. */
export type ProgressCallback = (progress: Progress) => void

const INTERVAL_MS = 100

/**
 * Reports bytes moved to `callback`: never backwards (a retried upload does not rewind it), at most every
 * 100 ms, and always once at `total`.
 */
export function progressReporter(total: number, callback: ProgressCallback | undefined) {
  let reported = -1
  let lastAt = 0
  return (loaded: number) => {
    if (!callback || loaded <= reported) return
    const now = Date.now()
    if (loaded < total && now - lastAt < INTERVAL_MS) return
    reported = loaded
    lastAt = now
    callback({ loaded, total })
  }
}

/**
 * Passes `source` through, counting bytes. `finish` runs once, at the end, on an error or on cancel, and may
 * return the error to raise instead (or one to raise at the end).
 */
export function countBytes(
  source: ReadableStream<Uint8Array>,
  onBytes: (loaded: number) => void,
  finish: (loaded: number, error?: unknown) => unknown = (_, error) => error,
): ReadableStream<Uint8Array> {
  const reader = source.getReader()
  let loaded = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read()
        if (done) {
          const failure = finish(loaded)
          if (failure) controller.error(failure)
          else controller.close()
          return
        }
        loaded += value.byteLength
        onBytes(loaded)
        controller.enqueue(value)
      } catch (error) {
        controller.error(finish(loaded, error))
      }
    },
    cancel(reason) {
      finish(loaded, reason)
      return reader.cancel(reason)
    },
  })
}
