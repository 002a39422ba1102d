import type { FetchFn } from '../core/http'
import { backoffMs } from '../core/retry'
import { abortError, linkSignal, sleep } from '../core/signal'
import { ApiError, ConnectionError, TimeoutError } from '../errors'
import { progressReporter, type ProgressCallback } from './progress'
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
export async function download(url: string, context: DownloadContext): Promise<ReadableStream<Uint8Array>> {
  let refreshed = false
  for (let attempt = 0; ; attempt++) {
    try {
      return await openBody(url, context)
    } catch (error) {
      if (error instanceof ApiError && error.status < 500 && !refreshed) {
        refreshed = true
        url = await context.refreshUrl()
        continue
      }
      const retryable = error instanceof ConnectionError || (error instanceof ApiError && error.status >= 500)
      if (!retryable || attempt >= context.maxRetries) throw error
      await sleep(backoffMs(attempt), context.signal, context.jobId)
    }
  }
}

async function openBody(url: string, context: DownloadContext): Promise<ReadableStream<Uint8Array>> {
  const { jobId, signal } = context
  const link = linkSignal(signal, context.timeout)
  const failure = (error: unknown) => {
    if (signal?.aborted) return abortError(signal, jobId)
    if (link.timedOut()) return new TimeoutError(`Download for job ${jobId} timed out after ${context.timeout} ms`, { jobId })
    if (error instanceof ConnectionError) return error
    return new ConnectionError(`Download for job ${jobId} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      jobId,
    })
  }
  let response: Response
  try {
    response = await context.fetch(url, { method: 'GET', signal: link.signal })
  } catch (error) {
    link.dispose()
    throw failure(error)
  }
  link.stopTimer()
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '')
    link.dispose()
    throw storageError(response.status, text, jobId)
  }
  const total = Number(response.headers.get('content-length'))
  const report = progressReporter(Number.isFinite(total) ? total : 0, context.onProgress)
  const reader = response.body.getReader()
  let loaded = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read()
        if (done) {
          link.dispose()
          if (Number.isFinite(total) && total > 0 && loaded !== total) {
            throw new ConnectionError(`Download for job ${jobId} ended after ${loaded} of ${total} bytes`, { jobId })
          }
          controller.close()
          return
        }
        loaded += value.byteLength
        report(loaded)
        controller.enqueue(value)
      } catch (error) {
        link.dispose()
        controller.error(failure(error))
      }
    },
    cancel(reason) {
      link.dispose()
      return reader.cancel(reason)
    },
  })
}
