import type { ErrorReply } from './http'
import { matchRoute, type FakeEndpoint, type Route } from './routes'

/**
 * Standing misbehaviours of a `FakeApi`: each breaks one thing a production setup depends on, for every request, so
 * that a health check (`vbr doctor`, `doctor()`) or your own code can be seen to notice. Unlike `inject()`'s faults,
 * they never run out. Every field is optional; without them the fake behaves.
 */
export interface FakeMisbehaviour {
  /** Answer every API request 401 `Invalid API key`, the right key included, as for a revoked key. Default false. */
  rejectEveryKey?: boolean
  /**
   * Answer every API request 429 `Rate limit exceeded`, as when another process has spent the key's budget: with
   * `Retry-After` (`retryAfterSeconds`, default 1) and `X-RateLimit-Remaining: 0`. Default false.
   */
  rateLimitExhausted?:
    | boolean
    | {
        /** The `Retry-After` sent, in seconds (default 1); `X-RateLimit-Reset` is that far ahead too. */
        readonly retryAfterSeconds?: number
      }
  /**
   * Send a `Date` header this many milliseconds ahead of the fake's clock (negative: behind) on every response, as
   * when this machine's clock and the server's disagree. Only the header moves: `expires_at`, `created_at` and
   * `X-RateLimit-Reset` keep the fake's clock. Default: no `Date` of the fake's own (Node's server sends the time).
   */
  dateSkewMs?: number
  /**
   * Which origins the fake storage host allows in CORS: its answer to a preflight (`OPTIONS` on a signed URL) and
   * the `Access-Control-Allow-Origin` of uploads and downloads. `true` (the default): any origin, as a bucket set up
   * for browser uploads; `false`: none, so a browser cannot upload (whether the real bucket allows browsers is an open
   * question); a list: those origins only.
   */
  storageCors?: boolean | readonly string[]
}

/** The API reply a misbehaviour forces at `now` (epoch ms), with its extra headers; undefined when none applies. */
export function forcedReply(options: FakeMisbehaviour, now: number): (ErrorReply & { headers?: Record<string, string> }) | undefined {
  const limited = options.rateLimitExhausted
  if (limited) {
    const seconds = (typeof limited === 'object' ? limited.retryAfterSeconds : undefined) ?? 1
    const headers = {
      'Retry-After': String(seconds),
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(Math.ceil(now / 1000 + seconds)),
    }
    return { status: 429, error: 'Rate limit exceeded', headers }
  }
  if (options.rejectEveryKey) return { status: 401, error: 'Invalid API key' }
  return undefined
}

const STORAGE: ReadonlySet<FakeEndpoint> = new Set(['upload', 'download'])

/** The origin a request may be answered with under `storageCors`, or undefined when it is not allowed (or sent none). */
function allowedOrigin(request: Request, cors: FakeMisbehaviour['storageCors']): string | undefined {
  const origin = request.headers.get('origin')
  if (origin === null || cors === false) return undefined
  if (cors === undefined || cors === true) return '*'
  return cors.includes(origin) ? origin : undefined
}

/**
 * A CORS preflight of a signed storage URL (an `OPTIONS` whose `Access-Control-Request-Method` would reach an upload
 * or a download): the route it asks about and the storage host's answer; undefined for any other request. Allowed:
 * 200 with the methods and headers a signed transfer uses; refused: a 403 without CORS headers, as a browser meets
 * at a bucket that has no CORS policy for its origin.
 */
export function storagePreflight(
  request: Request,
  url: URL,
  cors: FakeMisbehaviour['storageCors'],
): { route: Route; response: Response } | undefined {
  const method = request.headers.get('access-control-request-method')
  if (request.method !== 'OPTIONS' || method === null) return undefined
  const route = matchRoute(method, url)
  if (!STORAGE.has(route.endpoint)) return undefined
  const origin = allowedOrigin(request, cors)
  if (origin === undefined) return { route, response: new Response(null, { status: 403 }) }
  const headers = {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'GET, HEAD, PUT',
    'Access-Control-Allow-Headers': 'Content-Type, Content-Length',
    'Access-Control-Max-Age': '3600',
    Vary: 'Origin',
  }
  return { route, response: new Response(null, { status: 200, headers }) }
}

/**
 * Stamps the misbehaviours that show in a response's headers: the skewed `Date` on every response, and CORS on a
 * storage transfer whose `Origin` is allowed. `now` is the fake's clock.
 */
export function stampResponse(
  response: Response,
  request: Request,
  endpoint: FakeEndpoint,
  options: FakeMisbehaviour,
  now: number,
): Response {
  if (options.dateSkewMs !== undefined) response.headers.set('Date', new Date(now + options.dateSkewMs).toUTCString())
  const origin = STORAGE.has(endpoint) ? allowedOrigin(request, options.storageCors) : undefined
  if (origin !== undefined) {
    response.headers.set('Access-Control-Allow-Origin', origin)
    response.headers.append('Vary', 'Origin')
  }
  return response
}
