import type { FetchFn } from '../core/http'
import { isTransientTransfer, retrying } from '../core/retry'
import { linkSignal } from '../core/signal'
import { ApiError, ConnectionError } from '../errors'
import { countBytes, progressReporter, type ProgressCallback } from './progress'
import { storageError } from './storage'

export interface DownloadOptions {
  signal?: AbortSignal
  onProgress?: ProgressCallback
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
      if (refreshed || !(error instanceof ApiError) || error.status >= 500) throw error
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
  let response: Response
  try {
    response = await context.fetch(url, { method: 'GET', signal: link.signal })
  } catch (error) {
    link.dispose()
    throw link.failure(error, what, { jobId })
  }
  link.stopTimer()
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '')
    link.dispose()
    throw storageError(response.status, text, jobId)
  }
  const total = Number(response.headers.get('content-length') ?? Number.NaN)
  const report = progressReporter(Number.isFinite(total) ? total : 0, context.onProgress)
  return countBytes(response.body, report, (loaded, error) => {
    link.dispose()
    if (error !== undefined) return link.failure(error, what, { jobId })
    if (Number.isFinite(total) && loaded !== total) {
      return new ConnectionError(`${what} ended after ${loaded} of ${total} bytes`, { jobId })
    }
  })
}
