export interface Progress {
  loaded: number
  total: number
}
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

/** Passes `source` through, counting bytes. */
export function countBytes(source: ReadableStream<Uint8Array>, onBytes: (loaded: number) => void): ReadableStream<Uint8Array> {
  let loaded = 0
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        loaded += chunk.byteLength
        onBytes(loaded)
        controller.enqueue(chunk)
      },
    }),
  )
}
