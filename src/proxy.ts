import { API_KEY_ENV, DEFAULT_BASE_URL } from './defaults'
import type { FetchFn } from './core/http'
import { joinUrl } from './core/http'
import { readEnv } from './core/runtime'
import { ValidationError } from './errors'
import { checkBaseUrl, JOB_ID_PATTERN } from './validate'

export interface ProxyOptions {
  /** The key added to every forwarded call; default `VIDEOBGREMOVER_API_KEY`. */
  apiKey?: string
  /** The API to forward to (default `https://api.videobgremover.com`). */
  baseUrl?: string
  /** Refuse a caller: return `false` (403) or your own `Response`. Called before anything is forwarded. */
  authorize?: (request: Request) => boolean | Response | Promise<boolean | Response>
  fetch?: FetchFn
  /** Largest request body forwarded, in bytes (default 64 KiB; API bodies are small JSON). */
  maxBodyBytes?: number
}

export type ProxyHandler = (request: Request) => Promise<Response>

const ROUTES: ReadonlyArray<readonly [method: string, path: RegExp]> = [
  ['GET', /^\/v1\/credits$/],
  ['POST', /^\/v1\/jobs$/],
  ['POST', new RegExp(`^/v1/jobs/${JOB_ID_PATTERN}/start$`)],
  ['GET', new RegExp(`^/v1/jobs/${JOB_ID_PATTERN}/status$`)],
  ['DELETE', new RegExp(`^/v1/jobs/${JOB_ID_PATTERN}$`)],
  ['GET', /^\/v1\/webhooks\/deliveries$/],
]

const RESPONSE_HEADERS = [
  'content-type',
  'retry-after',
  'x-api-version',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-request-id',
]

const json = (status: number, error: string) =>
  new Response(JSON.stringify({ error }), { status, headers: { 'content-type': 'application/json' } })

/**
 * A `(Request) => Promise<Response>` route that lets a browser client without a key use the API: it forwards
 * the SDK's own API calls (nothing else) with the key added. Mount it under any prefix, e.g. `/api`, and give
 * the browser client `baseUrl: location.origin + '/api'`. Uploads and downloads go straight to storage.
 */
export function createProxyHandler(options: ProxyOptions = {}): ProxyHandler {
  const apiKey = options.apiKey ?? readEnv(API_KEY_ENV)
  if (!apiKey?.trim()) {
    throw new ValidationError(`createProxyHandler needs an apiKey (or the ${API_KEY_ENV} environment variable)`, 'apiKey')
  }
  const baseUrl = checkBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL)
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024
  return async (request) => {
    const url = new URL(request.url)
    const path = url.pathname.slice(url.pathname.indexOf('/v1/'))
    const allowed = url.pathname.includes('/v1/') && ROUTES.some(([method, route]) => method === request.method && route.test(path))
    if (!allowed) return json(404, 'Not an API route')
    const verdict = (await options.authorize?.(request)) ?? true
    if (verdict instanceof Response) return verdict
    if (!verdict) return json(403, 'Not authorized')
    const body = request.method === 'POST' ? await request.arrayBuffer() : undefined
    if (body && body.byteLength > maxBodyBytes) return json(413, `Request body over ${maxBodyBytes} bytes`)
    const query = path === '/v1/webhooks/deliveries' ? { video_id: url.searchParams.get('video_id') ?? '' } : undefined
    let upstream: Response
    try {
      upstream = await (options.fetch ?? globalThis.fetch)(joinUrl(baseUrl, path, query), {
        method: request.method,
        headers: {
          accept: 'application/json',
          'x-api-key': apiKey.trim(),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body,
        signal: request.signal,
        redirect: 'manual',
      })
    } catch {
      return json(502, 'The API could not be reached')
    }
    const headers = new Headers()
    for (const name of RESPONSE_HEADERS) {
      const value = upstream.headers.get(name)
      if (value !== null) headers.set(name, value)
    }
    return new Response(upstream.body, { status: upstream.status, headers })
  }
}
