/**
 * Every error class the SDK throws. They are built only in this folder: the factories in `factories.ts` and the
 * response mapper in `response.ts` decide which class a failure is.
 */

/** Root of everything the SDK throws. */
export class VideoBGRemoverError extends Error {
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

/** Bad input, refused before anything was sent. `field` names what was wrong. */
export class ValidationError extends VideoBGRemoverError {
  override name = 'ValidationError'
  /** @param field the option, argument or field that was wrong, e.g. `timeout` or `background.color`. */
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

/** The network failed: DNS, refused, reset, or a body cut short. */
export class ConnectionError extends VideoBGRemoverError {
  override name = 'ConnectionError'
}

/** A request took longer than its `timeout` (milliseconds), or `wait()` passed its `timeout` (seconds). */
export class TimeoutError extends VideoBGRemoverError {
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
  override name = 'AbortError'
  /** @param options `cause`: the signal's reason; `jobId`: a job left behind. */
  constructor(message = 'The operation was aborted', options: { cause?: unknown; jobId?: string } = {}) {
    super(message, options)
  }
}

/** What an `ApiError` is made of: what the API answered, and the job concerned. */
export interface ApiErrorDetails {
  /** The HTTP status the API sent. */
  status: number
  /** The API's error code, or one derived from the status (`invalid_api_key`, `rate_limited`, …). */
  code: string
  message: string
  /** The request id from the body or the `x-request-id` header, when the API sent one. */
  requestId?: string
  /** The response headers, names lower-case. */
  headers?: Record<string, string>
  /** The response body: parsed JSON when it was JSON, else the text. */
  body?: unknown
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
  override name = 'ApiError'
  /** The HTTP status the API sent. */
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

/** 401: the API key is missing or invalid. */
export class AuthenticationError extends ApiError {
  override name = 'AuthenticationError'
}

/** 402, or a preflight that found the balance short: not enough credits (1 credit per second of video). */
export class InsufficientCreditsError extends ApiError {
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

/** 404: no such job for this key. */
export class JobNotFoundError extends ApiError {
  override name = 'JobNotFoundError'
}

/** 429: too many requests or job starts for this key, after the SDK's own retries. */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError'
  /** How long the server asked to wait (ms), from `Retry-After`, `retry-after-ms` or `X-RateLimit-Reset`. */
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
  override name = 'ProcessingError'
}

/** What a `StorageError` is made of. */
export interface StorageErrorDetails {
  /** `url_expired`, `signature_mismatch`, `storage_rejected` (4xx), `storage_error` (5xx) or `upload_url_expired`. */
  code: string
  message: string
  /** The HTTP status the storage host sent; absent when the SDK refused before sending. */
  status?: number
  /** The storage host's answer (XML for S3-style hosts). */
  body?: string
  jobId?: string
}

/** The storage host refused a signed upload or download, or its signed URL expired before the transfer. */
export class StorageError extends VideoBGRemoverError {
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
