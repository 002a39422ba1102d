import type { FetchFn } from '../core/http'
import { isTransientTransfer, retrying } from '../core/retry'
import { linkSignal } from '../core/signal'
import { readCapped } from '../core/body'
import { networkError, storageRedirectRefused, storageRefused, uploadUrlExpired } from '../errors'
import type { FileJob } from '../types'
import type { Platform } from '../platform'
import { countBytes, progressReporter, type ProgressCallback } from './progress'
import type { UploadSource } from './source'
import type { StorageUrlPolicy } from './storage-url'

export interface UploadContext {
  fetch: FetchFn
  /** The runtime's redirect mode, progress-reporting upload and stream support. */
  platform: Pick<Platform, 'redirect' | 'xhr' | 'streamsWithLength'>
  maxRetries: number
  signal?: AbortSignal
  onProgress?: ProgressCallback
  /** Checks `upload_url` before a byte is sent to it. */
  policy: StorageUrlPolicy
}

/** A storage error is a short XML document; more than this is not one. */
const MAX_ERROR_BYTES = 64 * 1024

const MIN_UPLOAD_TIMEOUT_MS = 5 * 60_000

/** Five minutes, plus a millisecond per kilobyte beyond what 1 MB/s sends in that time. */
export const uploadTimeoutMs = (size: number) => Math.max(MIN_UPLOAD_TIMEOUT_MS, size / 1_000)

/**
 * PUTs the bytes to the signed URL with exactly the headers the API gave (Content-Type equal to the one
 * declared) and a Content-Length; never the API key or the client's headers. Retried on connection errors and
 * storage 5xx only when the body can be read again and the URL has not expired.
 */
export async function uploadToSignedUrl(job: FileJob, source: UploadSource, context: UploadContext): Promise<void> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(job.instructions?.headers ?? {})) headers[name] = String(value)
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['content-type'] = source.contentType
  }
  const report = progressReporter(source.size, context.onProgress)
  const url = context.policy(job.upload_url, job.id)
  await retrying(
    () => {
      checkNotExpired(job)
      return putOnce(url, job, source, headers, report, context)
    },
    {
      maxRetries: source.replayable ? context.maxRetries : 0,
      retryable: isTransientTransfer,
      signal: context.signal,
      jobId: job.id,
    },
  )
  report(source.size)
}

async function putOnce(
  url: string,
  job: FileJob,
  source: UploadSource,
  headers: Record<string, string>,
  report: (loaded: number) => void,
  context: UploadContext,
): Promise<void> {
  const timeoutMs = uploadTimeoutMs(source.size)
  const link = linkSignal(context.signal, timeoutMs)
  const fail = (error: unknown): never => {
    throw networkError(error, {
      what: `Upload of job ${job.id}`,
      signal: context.signal,
      timedOut: link.timedOut(),
      timeoutMs,
      jobId: job.id,
    })
  }
  try {
    const body = source.body()
    const { xhr, redirect } = context.platform
    if (xhr && context.onProgress && body instanceof Blob) {
      const { status, text } = await xhr(url, body, headers, report, link.signal).catch(fail)
      if (status < 200 || status >= 300) throw storageRefused(status, text, job.id)
      return
    }
    const streamed = (context.onProgress || body instanceof ReadableStream) && canStreamWithLength(context)
    const sent = streamed ? sizedStream(countBytes(toStream(body), report), source.size) : await toBlob(body)
    const response = await context
      .fetch(url, {
        method: 'PUT',
        // fetch measures Blob and byte bodies itself; a stream's length must be given.
        headers: sent instanceof ReadableStream ? { ...headers, 'content-length': String(source.size) } : headers,
        body: sent,
        signal: link.signal,
        redirect,
        ...(sent instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit)
      .catch(fail)
    // Node's fetch cannot stream an upload that might be redirected ('error'); elsewhere a redirect comes back unfollowed.
    if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
      await response.body?.cancel().catch(() => {})
      throw storageRedirectRefused(response.status || undefined, 'an upload is never sent on to another address', job.id)
    }
    const { text } = await readCapped(response, MAX_ERROR_BYTES).catch(fail)
    if (!response.ok) throw storageRefused(response.status, text, job.id)
  } finally {
    link.dispose()
  }
}

declare const FixedLengthStream: (new (length: number) => TransformStream<Uint8Array, Uint8Array>) | undefined

/**
 * Whether a stream body can go out with its Content-Length (storage refuses chunked uploads). Node's and Bun's
 * fetch keep the length given, workerd's with a FixedLengthStream; Deno and browsers send streams chunked, so
 * there the bytes go as a Blob, and progress reports only the end.
 */
const canStreamWithLength = (context: UploadContext) =>
  context.platform.streamsWithLength === true || typeof FixedLengthStream === 'function'

const sizedStream = (stream: ReadableStream<Uint8Array>, size: number) =>
  typeof FixedLengthStream === 'function' ? stream.pipeThrough(new FixedLengthStream(size)) : stream

async function toBlob(body: Blob | Uint8Array | ReadableStream<Uint8Array>): Promise<Blob | Uint8Array> {
  return body instanceof ReadableStream ? new Response(body).blob() : body
}

function toStream(body: Blob | Uint8Array | ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  if (body instanceof ReadableStream) return body
  return body instanceof Blob ? body.stream() : new Blob([body as Uint8Array<ArrayBuffer>]).stream()
}

function checkNotExpired(job: FileJob): void {
  const expiresAt = job.expires_at ? Date.parse(job.expires_at) : Number.NaN
  if (Number.isFinite(expiresAt) && expiresAt <= Date.now()) throw uploadUrlExpired(job.id, job.expires_at!)
}
