import type { FetchFn } from './core/http'
import { joinUrl } from './core/http'
import { parseJson } from './core/json'
import { readEnv } from './core/runtime'
import { API_KEY_ENV, DEFAULT_BASE_URL } from './defaults'
import { ValidationError } from './errors'
import { refusal, relay } from './proxy/answer'
import { declaredOver, isJsonType, readCapped } from './proxy/body'
import { checkRoutes, matchRoute, type ProxyEndpoint, type ProxyRoute } from './proxy/routes'
import { checkApiKey, checkBaseUrl, checkPositive } from './validate'

export { DEFAULT_ROUTES, type ProxyEndpoint, type ProxyRoute } from './proxy/routes'

/** Options of `createProxyHandler`. Without `authorize` the handler refuses to be built unless `allowAnonymous: true`. */
export interface ProxyOptions {
  /** The key added to every forwarded call. Default: the `VIDEOBGREMOVER_API_KEY` environment variable. */
  apiKey?: string
  /** The API to forward to. Default `https://api.videobgremover.com`; may carry a path prefix. */
  baseUrl?: string
  /**
   * Decides, for each request the allow-list let through, whether it is forwarded: return `true` to forward,
   * `false` (or anything else) for a 403, or your own `Response` to answer with it. `route` says which API call is
   * asked for and, for job routes (`deliveries` included), which job: check there that the job belongs to the
   * caller (see the README's job-ownership recipe). Called before the body is read: do not read it here.
   * Required, unless `allowAnonymous: true`.
   */
  authorize?: (request: Request, route: ProxyRoute) => boolean | Response | Promise<boolean | Response>
  /**
   * Forward without `authorize`: anyone who can reach the handler spends your credits on the allowed routes. Fit
   * for a loopback demo or a test; a deployed proxy needs `authorize`. Default `false`.
   */
  allowAnonymous?: boolean
  /**
   * The API calls forwarded; any other request gets a 404 before `authorize` is asked. Default
   * `['createJob', 'startJob', 'status']`, what a browser's `removeBackground` needs. `'credits'`, `'deleteJob'`
   * and `'webhookDeliveries'` (which shows a job's `webhook_url`, token included) are opt-in.
   */
  routes?: readonly ProxyEndpoint[]
  /**
   * Origins a browser may call from, e.g. `['https://app.example.com']`. When given, a request whose `Origin`
   * header is present and not listed gets a 403. A request without `Origin` passes: same-origin GETs and
   * non-browser callers may not send one. Default: no check (POST bodies must be `application/json`, which a
   * browser sends cross-site only after a preflight this handler never answers).
   */
  allowedOrigins?: readonly string[]
  /** The `fetch` used to reach the API. Default `globalThis.fetch`, looked up at each call. */
  fetch?: FetchFn
  /**
   * Largest request body read, in bytes. Default 65 536 (64 KiB; API bodies are small JSON). A `Content-Length`
   * over it is a 413 at once; a body without one is counted as it streams in and refused (413) as soon as it
   * passes, the rest left unread.
   */
  maxBodyBytes?: number
}

/** A web-standard route: mount it under any prefix (Next.js, Hono, a Worker, or `toNodeListener` in Node). */
export type ProxyHandler = (request: Request) => Promise<Response>

const DEFAULT_MAX_BODY_BYTES = 64 * 1024

/**
 * A `(Request) => Promise<Response>` route that lets a browser client without a key use the API: it forwards the
 * SDK's own API calls, those in `routes` and passed by `authorize`, with the key added. Mount it under any prefix,
 * e.g. `/api`, and give the browser client `baseUrl: location.origin + '/api'`. Uploads and downloads go straight
 * to storage.
 *
 * Each request is checked in this order: a known, allowed route (else 404); `allowedOrigins` (403); for POST a
 * `Content-Length` within `maxBodyBytes` (413) and an `application/json` type (415); `authorize` (403 or its
 * Response); the body, read up to `maxBodyBytes` (413) and parsed as a JSON object (400). Only the parsed JSON,
 * re-serialised, is forwarded, with none of the caller's headers. The API's answer is read up to 1 MiB and
 * reaches the browser with the key redacted from it (502 past the cap, on a redirect, or when the API is
 * unreachable).
 *
 * @throws ValidationError without a key, without `authorize` unless `allowAnonymous: true`, or on a bad option.
 */
export function createProxyHandler(options: ProxyOptions = {}): ProxyHandler {
  const apiKey = checkApiKey(options.apiKey ?? readEnv(API_KEY_ENV))
  if (apiKey === undefined) {
    throw new ValidationError(`createProxyHandler needs an apiKey (or the ${API_KEY_ENV} environment variable)`, 'apiKey')
  }
  const { authorize } = options
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw new ValidationError('authorize must be a function (request, route) => boolean | Response', 'authorize')
  }
  if (authorize === undefined && options.allowAnonymous !== true) {
    throw new ValidationError(
      'createProxyHandler forwards calls with your key, so it needs authorize(request, route) to decide who may ' +
        'use it (and, for job routes, whose job route.jobId is), or allowAnonymous: true to forward for anyone ' +
        'who can reach it (a loopback demo or a test only)',
      'authorize',
    )
  }
  const baseUrl = checkBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL)
  const routes = checkRoutes(options.routes)
  const maxBodyBytes = checkPositive(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes')
  const origins = checkOrigins(options.allowedOrigins)

  return async (request) => {
    const matched = matchRoute(request.method, new URL(request.url))
    if (!matched || !routes.has(matched.route.endpoint)) return refusal(404, 'Not an API route')
    const { route, upstream } = matched
    const origin = request.headers.get('origin')
    if (origins && origin !== null && !origins.has(origin)) return refusal(403, 'Origin not allowed')
    const post = route.method === 'POST'
    if (post && declaredOver(request.headers, maxBodyBytes)) return refusal(413, `Request body over ${maxBodyBytes} bytes`)
    if (post && !isJsonType(request.headers.get('content-type'))) return refusal(415, 'The body must be application/json')

    const verdict = authorize ? await authorize(request, route) : true
    if (verdict instanceof Response) return verdict
    if (verdict !== true) return refusal(403, 'Not authorized')

    let body: string | undefined
    if (post) {
      const read = await readCapped(request.body, maxBodyBytes).catch(() => undefined)
      if (read === undefined) return refusal(400, 'The request body could not be read')
      if (!read.ok) return refusal(413, `Request body over ${maxBodyBytes} bytes`)
      body = reserialise(read.bytes)
      if (body === undefined) return refusal(400, 'The body must be a JSON object')
    }
    let answer: Response
    try {
      answer = await (options.fetch ?? globalThis.fetch)(joinUrl(baseUrl, upstream.path, upstream.query), {
        method: route.method,
        headers: {
          accept: 'application/json',
          'x-api-key': apiKey,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body,
        signal: request.signal,
        redirect: 'manual',
      })
    } catch {
      return refusal(502, 'The API could not be reached')
    }
    return relay(answer, apiKey)
  }
}

/** The body as the JSON text the proxy forwards: a JSON object, parsed and written again; undefined otherwise. */
function reserialise(bytes: Uint8Array): string | undefined {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
  const parsed = parseJson(text)
  const isObject = parsed.ok && typeof parsed.value === 'object' && parsed.value !== null && !Array.isArray(parsed.value)
  return isObject ? JSON.stringify(parsed.value) : undefined
}

/** The origins as browsers serialise them (`https://app.example.com`, no path or trailing slash). */
function checkOrigins(origins: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (origins === undefined) return undefined
  if (!Array.isArray(origins)) throw new ValidationError('allowedOrigins must be an array of origins', 'allowedOrigins')
  return new Set(
    origins.map((origin) => {
      let url: URL | undefined
      try {
        url = new URL(String(origin))
      } catch {
        url = undefined
      }
      if (!url || !/^https?:$/.test(url.protocol)) {
        const why = `allowedOrigins: ${JSON.stringify(origin)} is not an http(s) origin such as https://app.example.com`
        throw new ValidationError(why, 'allowedOrigins')
      }
      return url.origin
    }),
  )
}
