/** Root of everything the SDK throws. */
export class VideoBGRemoverError extends Error {
  override name = 'VideoBGRemoverError'
  /** The job this error concerns, once one exists: resume or delete it rather than starting again. */
  declare jobId?: string

  constructor(message: string, options: { cause?: unknown; jobId?: string } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined)
    if (options.jobId !== undefined) this.jobId = options.jobId
  }

  toJSON(): Record<string, unknown> {
    const { stack: _stack, ...fields } = this as unknown as Record<string, unknown>
    return { name: this.name, message: this.message, ...fields }
  }
}

/** An error's message with its cause's, e.g. `fetch failed (other side closed)`. */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) {
    try {
      return String(error)
    } catch {
      return typeof error
    }
  }
  const cause = error.cause instanceof Error ? error.cause.message : undefined
  return cause ? `${error.message} (${cause})` : error.message
}

/** Bad input, refused before anything was sent. `field` names what was wrong. */
export class ValidationError extends VideoBGRemoverError {
  override name = 'ValidationError'
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

/** A request took longer than its `timeout`, or `wait()` passed its `timeout`. */
export class TimeoutError extends VideoBGRemoverError {
  override name = 'TimeoutError'
  readonly lastStatus?: unknown
  constructor(message: string, details: { jobId?: string; lastStatus?: unknown } = {}) {
    super(message, { jobId: details.jobId })
    this.lastStatus = details.lastStatus
  }
}

/** The caller's `AbortSignal` fired. `cause` is the signal's reason; `jobId` names a job left behind. */
export class AbortError extends VideoBGRemoverError {
  override name = 'AbortError'
  constructor(message = 'The operation was aborted', options: { cause?: unknown; jobId?: string } = {}) {
    super(message, options)
  }
}

export interface ApiErrorDetails {
  status: number
  code: string
  message: string
  requestId?: string
  headers?: Record<string, string>
  body?: unknown
  jobId?: string
  remainingCredits?: number
  retryAfterMs?: number
}

/** Any failed exchange with the API: `status`, `code`, `requestId`, the response `headers` and `body`. */
export class ApiError extends VideoBGRemoverError {
  override name = 'ApiError'
  readonly status: number
  readonly code: string
  readonly requestId?: string
  readonly headers: Record<string, string>
  readonly body?: unknown
  constructor(details: ApiErrorDetails) {
    super(details.message, { jobId: details.jobId })
    this.status = details.status
    this.code = details.code
    this.requestId = details.requestId
    this.headers = details.headers ?? {}
    this.body = details.body
  }
}

export class AuthenticationError extends ApiError {
  override name = 'AuthenticationError'
}

export class InsufficientCreditsError extends ApiError {
  override name = 'InsufficientCreditsError'
  readonly remainingCredits?: number
  constructor(details: ApiErrorDetails) {
    super(details)
    this.remainingCredits = details.remainingCredits
  }
}

export class JobNotFoundError extends ApiError {
  override name = 'JobNotFoundError'
}

export class RateLimitError extends ApiError {
  override name = 'RateLimitError'
  readonly retryAfterMs?: number
  constructor(details: ApiErrorDetails) {
    super(details)
    this.retryAfterMs = details.retryAfterMs
  }
}

/** A job that ended `failed`, or the server failing to process a request. */
export class ProcessingError extends ApiError {
  override name = 'ProcessingError'
}

const errorClassByCode = new Map<string, new (details: ApiErrorDetails) => ApiError>([
  ['invalid_api_key', AuthenticationError],
  ['insufficient_credits', InsufficientCreditsError],
  ['job_not_found', JobNotFoundError],
  ['not_found', JobNotFoundError],
  ['rate_limited', RateLimitError],
])

const codeByStatus: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_api_key',
  402: 'insufficient_credits',
  403: 'permission_denied',
  404: 'not_found',
  408: 'timeout',
  409: 'conflict',
  413: 'invalid_request',
  415: 'invalid_request',
  422: 'invalid_request',
  429: 'rate_limited',
  504: 'timeout',
}

function codeForStatus(status: number): string {
  return codeByStatus[status] ?? (status >= 500 ? 'internal_error' : 'api_error')
}

interface ParsedBody {
  code?: string
  message?: string
  requestId?: string
  remainingCredits?: number
}

const asString = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined

const asNumber = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Reads both error bodies (`{"error":"…"}` and `{"error":{code,message,request_id}}`) and loose variants. */
function parseErrorBody(body: unknown): ParsedBody {
  if (!isRecord(body)) return {}
  const inner = isRecord(body.error) ? body.error : {}
  const details = isRecord(inner.details) ? inner.details : {}
  return {
    code: asString(inner.code) ?? asString(body.code),
    message:
      asString(body.error) ?? asString(inner.message) ?? asString(body.message) ?? asString(body.detail),
    requestId: asString(inner.request_id) ?? asString(body.request_id),
    remainingCredits:
      asNumber(inner.remaining_credits) ??
      asNumber(details.remaining_credits) ??
      asNumber(body.remaining_credits) ??
      asNumber(body.remainingCredits),
  }
}

/** A short readable slice of a non-JSON body: tags stripped, whitespace collapsed. */
function textSnippet(text: string): string | undefined {
  const plain = text
    .replace(/<(script|style)[\s\S]*?(?:<\/\1>|$)|<[^<>]*>/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return plain === '' ? undefined : plain.length > 200 ? `${plain.slice(0, 200)}…` : plain
}

export interface ErrorResponse {
  status: number
  statusText?: string
  headers: Record<string, string>
  /** The raw body text. */
  text: string
  jobId?: string
  retryAfterMs?: number
}

/** Turns a failed response into the matching error class: by code first, then by status. */
export function errorFromResponse(response: ErrorResponse): ApiError {
  let body: unknown
  try {
    // A body nested too deeply to print again stays text; the replacer makes the check stricter than printing.
    JSON.stringify((body = JSON.parse(response.text)), (_, value: unknown) => value)
  } catch {
    body = response.text
  }
  const parsed = parseErrorBody(body)
  const code = parsed.code ?? codeForStatus(response.status)
  const details: ApiErrorDetails = {
    status: response.status,
    code,
    message:
      parsed.message ??
      (typeof body === 'string' ? textSnippet(body) : undefined) ??
      (response.statusText || `Request failed with status ${response.status}`),
    requestId: parsed.requestId ?? response.headers['x-request-id'],
    headers: response.headers,
    body,
    jobId: response.jobId,
    remainingCredits: parsed.remainingCredits,
    retryAfterMs: response.retryAfterMs,
  }
  const Kind =
    errorClassByCode.get(code) ??
    errorClassByCode.get(codeForStatus(response.status)) ??
    (response.status === 500 ? ProcessingError : ApiError)
  return new Kind(details)
}
