/**
 * An API reply before it is rendered: a JSON body, or an error message that `errorBody` shapes into the flat or
 * envelope form (`details` are extra envelope fields, such as `remaining_credits`).
 */
export type Reply =
  { readonly status: number; readonly body: object } | { readonly status: number; readonly error: string; readonly details?: object }

/** An error reply. */
export type ErrorReply = Extract<Reply, { error: string }>

/** The two error-body forms the API is known or said to send (api-contract.md §9.1). */
export type ErrorStyle = 'flat' | 'envelope'

// The fake's own status → code table, written from api-contract.md §9.2-9.3 and not imported from src/errors.ts
// on purpose: the fake is the independent witness that catches a wrong table in the SDK.
const ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  401: 'invalid_api_key',
  402: 'insufficient_credits',
  403: 'permission_denied',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
  504: 'timeout',
}

/** The JSON body of an error reply: `{"error": message}` (flat, the default) or `{"error": {code, message, request_id}}`. */
export function errorBody(reply: ErrorReply, style: ErrorStyle | undefined, requestId: string): object {
  if (style !== 'envelope') return { error: reply.error }
  const code = ERROR_CODES[reply.status] ?? (reply.status >= 500 ? 'internal_error' : 'invalid_request')
  return { error: { code, message: reply.error, request_id: requestId, ...reply.details } }
}

/** A JSON response with an exact `Content-Length`, so that a cut body is detectable. */
export function json(status: number, body: unknown, headers?: Record<string, string>): Response {
  const bytes = new TextEncoder().encode(JSON.stringify(body))
  return new Response(bytes, {
    status,
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(bytes.byteLength), ...headers },
  })
}

/** An error response in the storage host's XML form (`<Error><Code>…</Code><Message>…</Message></Error>`). */
export function xmlError(status: number, code: string, message: string): Response {
  const xml = `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
  return new Response(xml, { status, headers: { 'Content-Type': 'application/xml; charset=UTF-8' } })
}

/** A request body as JSON, or the raw text when it is not JSON, or `undefined` when it is empty. */
export function parseJson(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Whether `value` is a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A time of the fake's clock (epoch ms) as the ISO 8601 string the API sends. */
export function iso(time: number): string {
  return new Date(time).toISOString()
}

/** A fresh request id in the errors page's style, e.g. `req_0123456789abcdef01234567`. */
export function requestId(): string {
  return `req_${randomHex(12)}`
}

/** `bytes` random bytes as lowercase hex: signatures, export ids. */
export function randomHex(bytes: number): string {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)))
}

/** `bytes` as lowercase hex. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
