import { MAX_BODY_BYTES } from '../core/http'
import { parseJson } from '../core/json'
import { redact, REDACTED } from '../core/redact'
import { readCapped } from './body'

/** The upstream headers a browser client reads (rate limits, version, request id), values redacted; no others pass. */
const PASSED_HEADERS = ['retry-after', 'x-api-version', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-request-id']

/** Statuses whose response cannot carry a body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304])

/** The proxy's own answer: `{"error": message}` as JSON. */
export function refusal(status: number, error: string): Response {
  return new Response(JSON.stringify({ error }), { status, headers: ownHeaders('application/json') })
}

/**
 * The API's answer as the browser gets it: the body read up to `MAX_BODY_BYTES` (1 MiB; past that, or on a
 * redirect, a 502), JSON parsed and re-serialised with `apiKey` replaced in every string and name (so escaped
 * forms such as `\u0076br_…` are caught too), any other text redacted as text and served as `text/plain`.
 */
export async function relay(upstream: Response, apiKey: string): Promise<Response> {
  if (upstream.type === 'opaqueredirect' || (upstream.status >= 300 && upstream.status < 400)) {
    await upstream.body?.cancel().catch(() => {})
    return refusal(502, 'The API answered with a redirect')
  }
  let read
  try {
    read = await readCapped(upstream.body, MAX_BODY_BYTES)
  } catch {
    return refusal(502, 'The API answer was cut short')
  }
  if (!read.ok) return refusal(502, `The API answered with a body over ${MAX_BODY_BYTES} bytes`)
  const text = new TextDecoder().decode(read.bytes)
  const parsed = parseJson(text, apiKey)
  if (!parsed.ok && parsed.reason === 'too_deep') return refusal(502, 'The API answered with JSON nested too deeply')
  const body = parsed.ok ? JSON.stringify(redactNames(parsed.value, apiKey)) : redact(text, apiKey)
  const headers = ownHeaders(parsed.ok ? 'application/json' : 'text/plain; charset=utf-8')
  for (const name of PASSED_HEADERS) {
    const value = upstream.headers.get(name)
    if (value !== null) headers.set(name, redact(value, apiKey))
  }
  const empty = NULL_BODY.has(upstream.status) || text === ''
  return new Response(empty ? null : body, { status: upstream.status, headers })
}

/**
 * `value` with `secret` replaced in object names at every depth (`parseJson` has done the strings); `parseJson`
 * refused anything nested past 64 levels, so the walk is bounded.
 */
function redactNames(value: unknown, secret: string): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map((item) => redactNames(item, secret))
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name.split(secret).join(REDACTED), redactNames(item, secret)]))
}

/**
 * Headers of every proxy answer: the body's type, `nosniff` (a text answer is never run as a page on your
 * origin) and `no-store` (status answers hold signed URLs).
 */
function ownHeaders(contentType: string): Headers {
  return new Headers({ 'content-type': contentType, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' })
}
