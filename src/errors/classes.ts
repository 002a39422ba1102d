/**
 * Every error class the SDK throws. They are built only in this folder: the factories in `factories.ts` and the
 * response mapper in `response.ts` decide which class a failure is.
 */

/**
 * Root of everything the SDK throws: `catch (error) { if (error instanceof VideoBGRemoverError) … }` tells the SDK's
 * failures from your own. The API key never appears in its message, `toJSON()` or `util.inspect` output.
 */
export class VideoBGRemoverError extends Error {
  /** Always `'VideoBGRemoverError'`, also after bundling or minifying, so logs and `toJSON()` name the class. */
  override name = 'VideoBGRemoverError'
  /** The job this error concerns, once one exists: resume or delete it rather than starting again. */
  declare jobId?: string

  /** @param options `cause`: the underlying error; `jobId`: the job concerned, if any. */
  constructor(message: string, options: { cause?: unknown; jobId?: string } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined)
    if (options.jobId !== undefined) this.jobId = options.jobId
  }

  /** The error's fields as a plain object (no stack), for logs and `JSON.stringify`. */
  toJSON(): Record<string, unknown> {
    const { stack: _stack, ...fields } = this as unknown as Record<string, unknown>
    return { name: this.name, message: this.message, ...fields }
  }
}

/**
 * Bad input, refused before anything was sent. `field` names what was wrong. Also the answer of `job.result()` for a
 * job that has not started (after the one status read that found it so): `field` is `source`, since only
 * `Video.open(source).removeBackground({ client, jobId })` can finish it.
 */
export class ValidationError extends VideoBGRemoverError {
  /** Always `'ValidationError'`. */
  override name = 'ValidationError'
  /** @param field the option, argument or field that was wrong, e.g. `timeout` or `background.color`. */
  constructor(
    message: string,
    /** The option, argument or field that was wrong, e.g. `timeout` or `background.color`. */
    readonly field?: string,
  ) {
    super(message)
  }
}

/** The network failed: DNS, refused, reset, or a body cut short. */
export class ConnectionError extends VideoBGRemoverError {
  /** Always `'ConnectionError'`. */
  override name = 'ConnectionError'
}

/** A request took longer than its `timeout` (milliseconds), or `wait()` passed its `timeout` (seconds). */
export class TimeoutError extends VideoBGRemoverError {
  /** Always `'TimeoutError'`. */
  override name = 'TimeoutError'
  /** For `wait()`: the last status read before giving up (the job itself goes on). */
  readonly lastStatus?: unknown
  /** @param details `jobId`: the job concerned; `lastStatus`: the last status `wait()` read. */
  constructor(message: string, details: { jobId?: string; lastStatus?: unknown; cause?: unknown } = {}) {
    super(message, { jobId: details.jobId, ...('cause' in details ? { cause: details.cause } : {}) })
    this.lastStatus = details.lastStatus
  }
}

/** The caller's `AbortSignal` fired. `cause` is the signal's reason; `jobId` names a job left behind. */
export class AbortError extends VideoBGRemoverError {
  /** Always `'AbortError'`. */
  override name = 'AbortError'
  /** @param options `cause`: the signal's reason; `jobId`: a job left behind. */
  constructor(message = 'The operation was aborted', options: { cause?: unknown; jobId?: string } = {}) {
    super(message, options)
  }
}

/** What an `ApiError` is made of: what the API answered, and the job concerned. */
export interface ApiErrorDetails {
  /** The HTTP status the API sent; 0 for a refusal the SDK made with no answer of the API to quote (a preflight). */
  status: number
  /** The API's error code, or one derived from the status (`invalid_api_key`, `rate_limited`, …). */
  code: string
  /** The server's message as it sent it, or a short description when it sent none. */
  message: string
  /** The request id from the body or the `x-request-id` header, when the API sent one. */
  requestId?: string
  /** The response headers, names lower-case. */
  headers?: Record<string, string>
  /** The response body: parsed JSON when it was JSON, else the text. */
  body?: unknown
  /** The job the call concerned, if any. */
  jobId?: string
  /** `InsufficientCreditsError`: the balance, when the server said. */
  remainingCredits?: number
  /** `InsufficientCreditsError` from a preflight: the credits the video needs. */
  requiredCredits?: number
  /** `RateLimitError`: how long the server asked to wait (ms). */
  retryAfterMs?: number
}

/** Any failed exchange with the API: `status`, `code`, `requestId`, the response `headers` and `body`. */
export class ApiError extends VideoBGRemoverError {
  /** Always `'ApiError'`. */
  override name = 'ApiError'
  /**
   * The HTTP status the API sent; 0 when no API answer is behind the error: an `InsufficientCreditsError` from the
   * preflight (`removeBackground`/`submit`), which refused before anything was created.
   */
  readonly status: number
  /** The API's error code, or one derived from the status. */
  readonly code: string
  /** The request id, when the API sent one: quote it to the vendor's support. */
  readonly requestId?: string
  /** The response headers, names lower-case. */
  readonly headers: Record<string, string>
  /** The response body: parsed JSON when it was JSON, else the text. */
  readonly body?: unknown
  /** @param details what the API answered. */
  constructor(details: ApiErrorDetails) {
    super(details.message, { jobId: details.jobId })
    this.status = details.status
    this.code = details.code
    this.requestId = details.requestId
    this.headers = details.headers ?? {}
    this.body = details.body
  }
}

/**
 * 401: the API key is missing or invalid (wrong, deleted or deactivated). Not retried: fix the key, which is
 * `vbr_` + 32 characters and comes from the constructor or `VIDEOBGREMOVER_API_KEY`. `message` keeps the server's
 * text ("API key required" or "Invalid API key"); `code` is `invalid_api_key` unless the server sent another. Behind
 * your own proxy, a 401 means the proxy's key is wrong, not the browser's.
 */
export class AuthenticationError extends ApiError {
  /** Always `'AuthenticationError'`. */
  override name = 'AuthenticationError'
}

/**
 * Not enough credits (1 credit per second of video): a 402 from the start, or the preflight of `removeBackground` and
 * `submit`, which refuses before anything is created or uploaded. A preflight refusal has `status` 0 (no API answer
 * refused it), `requiredCredits` (the video's duration rounded up to whole seconds) and code
 * `preflight_insufficient_credits` (with `remainingCredits`, read from `credits()`) or `preflight_max_credits` (over
 * the call's `maxCredits`; the balance was not read).
 */
export class InsufficientCreditsError extends ApiError {
  /** Always `'InsufficientCreditsError'`. */
  override name = 'InsufficientCreditsError'
  /** The balance, when the server said (never guessed). */
  readonly remainingCredits?: number
  /** The credits the video needs, when a preflight measured it. */
  readonly requiredCredits?: number
  /** @param details what the API answered, with the balance when known. */
  constructor(details: ApiErrorDetails) {
    super(details)
    this.remainingCredits = details.remainingCredits
    this.requiredCredits = details.requiredCredits
  }
}

/**
 * 404: no such job for this key: the id is wrong, the job was deleted, or it belongs to another API key (the API
 * answers the same for all three). Not retried; `jobId` names the id asked for and `code` is `not_found` unless the
 * server sent another. `deleteJob` does not throw it for a retry that finds the job already gone.
 */
export class JobNotFoundError extends ApiError {
  /** Always `'JobNotFoundError'`. */
  override name = 'JobNotFoundError'
}

/**
 * 429: too many requests or job starts for this key (the API allows 100 requests and 3 job starts a minute),
 * after the SDK's own retries. Reads and deletes are retried on 429 up to `maxRetries` first; a job creation or a
 * start is never retried on a 429, so it reaches you at once: wait `retryAfterMs`, then call again. The client's
 * pacer (`rateLimit`) keeps one process under the limits, so a 429 usually means another process or machine shares
 * the key.
 */
export class RateLimitError extends ApiError {
  /** Always `'RateLimitError'`. */
  override name = 'RateLimitError'
  /**
   * How long the server asked to wait, in milliseconds, from `retry-after-ms`, `Retry-After` (seconds or a date) or
   * `X-RateLimit-Reset`, clamped to 0–60 000; undefined when it said nothing (then back off, e.g. a few seconds).
   */
  readonly retryAfterMs?: number
  /** @param details what the API answered, with the wait it asked for. */
  constructor(details: ApiErrorDetails) {
    super(details)
    this.retryAfterMs = details.retryAfterMs
  }
}

/**
 * A job that ended `failed` (code `job_failed`: `status` is that of the status read that reported it, `body` the
 * whole status), or a 500 from the API (code `internal_error`).
 */
export class ProcessingError extends ApiError {
  /** Always `'ProcessingError'`. */
  override name = 'ProcessingError'
}

/** What a `StorageError` is made of. */
export interface StorageErrorDetails {
  /**
   * `url_expired`, `signature_mismatch`, `storage_rejected` (4xx), `storage_error` (5xx), `upload_url_expired`, or
   * `upload_url_unknown` (a job resumed at `created` whose signed upload URL this process never saw).
   */
  code: string
  /** What went wrong, for people. */
  message: string
  /** The HTTP status the storage host sent; absent when the SDK refused before sending. */
  status?: number
  /** The storage host's answer (XML for S3-style hosts). */
  body?: string
  /** The job whose upload or result it was. */
  jobId?: string
}

/** The storage host refused a signed upload or download, or its signed URL expired before the transfer. */
export class StorageError extends VideoBGRemoverError {
  /** Always `'StorageError'`. */
  override name = 'StorageError'
  /** See `StorageErrorDetails.code`. */
  readonly code: string
  /** The HTTP status the storage host sent; absent when nothing was sent. */
  readonly status?: number
  /** The storage host's answer. */
  readonly body?: string
  /** @param details what storage answered. */
  constructor(details: StorageErrorDetails) {
    super(details.message, { jobId: details.jobId })
    this.code = details.code
    if (details.status !== undefined) this.status = details.status
    if (details.body !== undefined) this.body = details.body
  }
}

/** ffmpeg or ffprobe failed. `exitCode` is its exit code (null when killed); `stderr` holds the end of its log (16 KiB). */
export class FFmpegError extends VideoBGRemoverError {
  /** Always `'FFmpegError'`. */
  override name = 'FFmpegError'
  /**
   * @param message what failed, for people.
   * @param exitCode the tool's exit code.
   * @param stderr the end of its log.
   */
  constructor(
    message: string,
    /** The tool's exit code; null when it was killed by a signal (an abort kills it with SIGKILL). */
    readonly exitCode: number | null,
    /** The last 16 KiB of ffmpeg's or ffprobe's log: the reason is usually in its last lines. */
    readonly stderr: string,
  ) {
    super(message)
  }
}

/**
 * A batch's journal (`JobStore`) refused or failed, or disagrees with the API. `code`: `journal_locked` (another live
 * process holds the journal file), `lease_lost` (another worker claimed the input after this one's lease expired:
 * this worker stops working on it), `journal_unreadable` (the file is not a batch journal), `job_unconfirmed` (the
 * journal says the job was uploaded or sent its start, its status says it has no video: the input fails rather than
 * pay for a second job; `jobId` names it).
 */
export class JobStoreError extends VideoBGRemoverError {
  /** Always `'JobStoreError'`. */
  override name = 'JobStoreError'
  /**
   * @param message what failed, for people.
   * @param code `journal_locked`, `lease_lost`, `journal_unreadable` or `job_unconfirmed`.
   * @param jobId the job concerned, for `job_unconfirmed`.
   */
  constructor(
    message: string,
    /** `journal_locked`, `lease_lost`, `journal_unreadable` or `job_unconfirmed`. */
    readonly code: 'journal_locked' | 'lease_lost' | 'journal_unreadable' | 'job_unconfirmed',
    jobId?: string,
  ) {
    super(message, jobId === undefined ? {} : { jobId })
  }
}
