import type { FetchFn } from '../core/http'
import { backoffMs } from '../core/retry'
import { isBrowser } from '../core/runtime'
import { abortError, linkSignal, sleep } from '../core/signal'
import { ApiError, ConnectionError, TimeoutError } from '../errors'
import type { FileJob } from '../schemas'
import { countBytes, progressReporter, type ProgressCallback } from './progress'
import type { UploadSource } from './source'
import { storageError } from './storage'
import { xhrUpload } from './xhr'

export interface UploadContext {
  fetch: FetchFn
  redirect: RequestRedirect
  maxRetries: number
  signal?: AbortSignal
  onProgress?: ProgressCallback
}

const MIN_UPLOAD_TIMEOUT_MS = 5 * 60_000

/** Five minutes, plus a millisecond per kilobyte beyond what 1 MB/s sends in that time. */
export const uploadTimeoutMs = (size: number) => Math.max(MIN_UPLOAD_TIMEOUT_MS, size / 1_000)

/**
 * PUTs the bytes to the signed URL with exactly the headers the API gave (Content-Type equal to the one
 * declared) and a Content-Length; never the API key or the client's headers. Retried on connection errors and
 * storage 5xx only when the body can be read again and the URL has not expired.
 */
export async function uploadToSignedUrl(job: FileJob, source: UploadSource, context: UploadContext): Promise<void> {
  const headers: Record<string, string> = { ...(job.instructions?.headers ?? {}) }
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['content-type'] = source.contentType
  }
  const report = progressReporter(source.size, context.onProgress)
  for (let attempt = 0; ; attempt++) {
    checkNotExpired(job)
    try {
      await putOnce(job, source, headers, report, context)
      report(source.size)
      return
    } catch (error) {
      const retryable = error instanceof ConnectionError || (error instanceof ApiError && error.status >= 500)
      if (!retryable || !source.replayable || attempt >= context.maxRetries) throw error
      await sleep(backoffMs(attempt), context.signal, job.id)
    }
  }
}

async function putOnce(
  job: FileJob,
  source: UploadSource,
  headers: Record<string, string>,
  report: (loaded: number) => void,
  context: UploadContext,
): Promise<void> {
  const timeout = uploadTimeoutMs(source.size)
  const link = linkSignal(context.signal, timeout)
  const fail = (error: unknown): never => {
    if (context.signal?.aborted) throw abortError(context.signal, job.id)
    if (link.timedOut()) throw new TimeoutError(`Upload of job ${job.id} timed out after ${timeout} ms`, { jobId: job.id })
    throw new ConnectionError(`Upload of job ${job.id} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      jobId: job.id,
    })
  }
  try {
    const body = source.body()
    if (isBrowser() && context.onProgress && body instanceof Blob) {
      const { status, text } = await xhrUpload(job.upload_url, body, headers, report, link.signal).catch(fail)
      if (status < 200 || status >= 300) throw storageError(status, text, job.id)
      return
    }
    const sent = context.onProgress ? countBytes(toStream(body), report) : body
    const response = await context
      .fetch(job.upload_url, {
        method: 'PUT',
        headers: isBrowser() ? headers : { ...headers, 'content-length': String(source.size) },
        body: sent,
        signal: link.signal,
        redirect: context.redirect,
        ...(sent instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit)
      .catch(fail)
    const text = await response.text().catch(fail)
    if (!response.ok) throw storageError(response.status, text, job.id)
  } finally {
    link.dispose()
  }
}

function toStream(body: Blob | Uint8Array | ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  if (body instanceof ReadableStream) return body
  return body instanceof Blob ? body.stream() : new Blob([body as Uint8Array<ArrayBuffer>]).stream()
}

function checkNotExpired(job: FileJob): void {
  const expiresAt = job.expires_at ? Date.parse(job.expires_at) : Number.NaN
  if (Number.isFinite(expiresAt) && expiresAt <= Date.now()) {
    throw new ApiError({
      status: 0,
      code: 'upload_url_expired',
      message: `The upload URL of job ${job.id} expired at ${job.expires_at}; create a new job (an abandoned job costs nothing)`,
      jobId: job.id,
    })
  }
}
