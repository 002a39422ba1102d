import type { FetchFn } from '../core/http'
import { isTransientTransfer, retrying } from '../core/retry'
import { readCapped } from '../core/body'
import { linkSignal } from '../core/signal'
import { StorageError, networkError, storageRedirectRefused, storageRefused, truncatedBody } from '../errors'
import { countBytes, progressReporter, type ProgressCallback } from './progress'
import type { StorageUrlPolicy } from './storage-url'

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
  /** Checks the URL and every redirect before anything is sent to it. */
  policy: StorageUrlPolicy
}

/** Storage may redirect a download to another of its hosts; a longer chain is not a signed URL's doing. */
const MAX_REDIRECTS = 3

/** Refusals a fresh signed URL cures; a refused redirect or a refused URL it does not. */
const STALE_URL_CODES = new Set(['url_expired', 'signature_mismatch', 'storage_rejected'])

/** A storage error is a short XML document; more than this is not one. */
const MAX_ERROR_BYTES = 64 * 1024

/**
 * GETs a signed result URL without any API header, following redirects by hand (each hop checked by the storage URL
 * policy, at most three). A 4xx means the URL went stale: the status is read once for a fresh one. Connection errors
 * and 5xx are retried before the body starts. Errors in the body surface as `ConnectionError` on the stream.
 */
export function download(url: string, context: DownloadContext): Promise<ReadableStream<Uint8Array>> {
  let refreshed = false
  const attempt = async () => {
    try {
      return await openBody(url, context)
    } catch (error) {
      if (refreshed || !(error instanceof StorageError) || !STALE_URL_CODES.has(error.code)) throw error
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
    response = await follow(url, context, link.signal)
  } catch (error) {
    link.dispose()
    throw error instanceof StorageError ? error : fail(error)
  }
  link.stopTimer()
  if (!response.ok || !response.body) {
    const { text } = await readCapped(response, MAX_ERROR_BYTES).catch(() => ({ text: '' }))
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

/** The answer of `url` once its redirects, each allowed by the policy, are followed. */
async function follow(url: string, context: DownloadContext, signal: AbortSignal): Promise<Response> {
  const { jobId } = context
  let current = context.policy(url, jobId)
  for (let hops = 0; ; hops++) {
    const response = await context.fetch(current, { method: 'GET', signal, redirect: 'manual' })
    // A browser hides a redirect's target from scripts, so it cannot be checked.
    if (response.type === 'opaqueredirect') throw storageRedirectRefused(undefined, 'a browser does not say where to', jobId)
    const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null
    if (location === null) return response
    await response.body?.cancel().catch(() => {})
    if (hops === MAX_REDIRECTS) throw storageRedirectRefused(response.status, `more than ${MAX_REDIRECTS} redirects`, jobId)
    current = context.policy(new URL(location, current).href, jobId)
  }
}
