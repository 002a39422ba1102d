import { parseJson } from '../core/json'
import { redactText } from '../core/redact'
import {
  ApiError,
  AuthenticationError,
  InsufficientCreditsError,
  JobNotFoundError,
  ProcessingError,
  RateLimitError,
  type ApiErrorDetails,
} from './classes'

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

const asString = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined)

const asNumber = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined)

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Reads both error bodies (`{"error":"…"}` and `{"error":{code,message,request_id}}`) and loose variants. */
function parseErrorBody(body: unknown): ParsedBody {
  if (!isRecord(body)) return {}
  const inner = isRecord(body.error) ? body.error : {}
  const details = isRecord(inner.details) ? inner.details : {}
  return {
    code: asString(inner.code) ?? asString(body.code),
    message: asString(body.error) ?? asString(inner.message) ?? asString(body.message) ?? asString(body.detail),
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

/** A failed API response, as the pipeline read it. */
export interface ErrorResponse {
  status: number
  statusText?: string
  headers: Record<string, string>
  /** The raw body text. */
  text: string
  /** Redacted from everything the error keeps. */
  secret?: string
  jobId?: string
  retryAfterMs?: number
}

/** Turns a failed response into the matching error class: by code first, then by status. */
export function errorFromResponse(response: ErrorResponse): ApiError {
  const parsed = parseJson(response.text, response.secret)
  const body = parsed.ok ? parsed.value : redactText(response.text, response.secret)
  const fields = parseErrorBody(body)
  const code = fields.code ?? codeForStatus(response.status)
  const details: ApiErrorDetails = {
    status: response.status,
    code,
    message:
      fields.message ??
      (typeof body === 'string' ? textSnippet(body) : undefined) ??
      (response.statusText || `Request failed with status ${response.status}`),
    requestId: fields.requestId ?? response.headers['x-request-id'],
    headers: response.headers,
    body,
    jobId: response.jobId,
    remainingCredits: fields.remainingCredits,
    retryAfterMs: response.retryAfterMs,
  }
  const Kind =
    errorClassByCode.get(code) ??
    errorClassByCode.get(codeForStatus(response.status)) ??
    (response.status === 500 ? ProcessingError : ApiError)
  return new Kind(details)
}
