import type { FetchFn } from '../core/http'
import { isTransientTransfer, retrying } from '../core/retry'
import { linkSignal } from '../core/signal'
import { StorageError, networkError, storageRefused, truncatedBody } from '../errors'
import { countBytes, progressReporter, type ProgressCallback } from './progress'

/** Options of `Foreground.blob()`, `arrayBuffer()`, `stream()` and `save()`. */
export interface DownloadOptions {
  /** Aborts the download at once with an `AbortError`; `save()` then leaves no file. */
  signal?: AbortSignal
  /** Bytes received, at most every 100 ms and once at the end (`total` is 0 when the size is unknown). */
  onProgress?: ProgressCallback
}

/** Options of `Foreground.save(path, options)`. */
export interface SaveOptions extends DownloadOptions {
  /**
   * Replace a file already at `path` (default `true`). With `false`, an existing file is refused with a
   * `ValidationError`, also one that appears while the download runs.
   */
  overwrite?: boolean
}

export interface DownloadContext extends DownloadOptions {
  fetch: FetchFn
  maxRetries: number
  /** Milliseconds to wait for the response headers. */
  timeout: number
  jobId: string
  /** A fresh signed URL (signed URLs last about an hour). */
  refreshUrl: () => Promise<string>
}

/**
 * GETs a signed result URL without any API header. A 4xx means the URL went stale: the status is read once
 * for a fresh one. Connection errors and 5xx are retried before the body starts. Errors in the body surface
 * as `ConnectionError` on the stream.
 */
export function download(url: string, context: DownloadContext): Promise<ReadableStream<Uint8Array>> {
  let refreshed = false
  const attempt = async () => {
    try {
      return await openBody(url, context)
    } catch (error) {
      if (refreshed || !(error instanceof StorageError) || (error.status ?? 0) >= 500) throw error
      refreshed = true
      url = await context.refreshUrl()
      return openBody(url, context)
    }
  }
  return retrying(attempt, {
    maxRetries: context.maxRetries,
    retryable: isTransientTransfer,
    signal: context.signal,
    jobId: context.jobId,
  })
}

async function openBody(url: string, context: DownloadContext): Promise<ReadableStream<Uint8Array>> {
  const { jobId } = context
  const link = linkSignal(context.signal, context.timeout)
  const what = `Download for job ${jobId}`
  const fail = (error: unknown) =>
    networkError(error, { what, signal: context.signal, timedOut: link.timedOut(), timeoutMs: context.timeout, jobId })
  let response: Response
  try {
    response = await context.fetch(url, { method: 'GET', signal: link.signal })
  } catch (error) {
    link.dispose()
    throw fail(error)
  }
  link.stopTimer()
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '')
    link.dispose()
    throw storageRefused(response.status, text, jobId)
  }
  const total = Number(response.headers.get('content-length') ?? Number.NaN)
  const report = progressReporter(Number.isFinite(total) ? total : 0, context.onProgress)
  return countBytes(response.body, report, (loaded, error) => {
    link.dispose()
    if (error !== undefined) return fail(error)
    if (Number.isFinite(total) && loaded !== total) return truncatedBody(what, loaded, total, jobId)
  })
}
