import { ValidationError } from '../errors'
import { JOB_ID_PATTERN } from '../validate'

/** The API calls the proxy knows, named as the client's methods that make them. */
export type ProxyEndpoint = 'credits' | 'createJob' | 'startJob' | 'status' | 'deleteJob' | 'webhookDeliveries'

/** The API call a request asks for, as `authorize` sees it. */
export interface ProxyRoute {
  /** The request's HTTP method. */
  readonly method: 'GET' | 'POST' | 'DELETE'
  /** The API call asked for, named as the client's method that makes it. */
  readonly endpoint: ProxyEndpoint
  /**
   * The job the call is about: the path's id for `startJob`, `status` and `deleteJob`, the `video_id` query for
   * `webhookDeliveries`; undefined for `credits` and `createJob`.
   */
  readonly jobId?: string
}

/** What a browser's `removeBackground` needs: create, start, poll. Everything else is opt-in. */
export const DEFAULT_ROUTES: readonly ProxyEndpoint[] = ['createJob', 'startJob', 'status']

const JOB = `(${JOB_ID_PATTERN})`

interface TableEntry {
  method: ProxyRoute['method']
  endpoint: ProxyEndpoint
  /** Matched against the path from its `/v1/` on. */
  path: RegExp
  /** The path sent upstream, rebuilt from the route (never the caller's text). */
  upstream: (jobId: string) => string
}

const TABLE: readonly TableEntry[] = [
  { method: 'GET', endpoint: 'credits', path: /^\/v1\/credits$/, upstream: () => '/v1/credits' },
  { method: 'POST', endpoint: 'createJob', path: /^\/v1\/jobs$/, upstream: () => '/v1/jobs' },
  { method: 'POST', endpoint: 'startJob', path: new RegExp(`^/v1/jobs/${JOB}/start$`), upstream: (id) => `/v1/jobs/${id}/start` },
  { method: 'GET', endpoint: 'status', path: new RegExp(`^/v1/jobs/${JOB}/status$`), upstream: (id) => `/v1/jobs/${id}/status` },
  { method: 'DELETE', endpoint: 'deleteJob', path: new RegExp(`^/v1/jobs/${JOB}$`), upstream: (id) => `/v1/jobs/${id}` },
  { method: 'GET', endpoint: 'webhookDeliveries', path: /^\/v1\/webhooks\/deliveries$/, upstream: () => '/v1/webhooks/deliveries' },
]

const ENDPOINTS = new Set<string>(TABLE.map((entry) => entry.endpoint))
const JOB_ID = new RegExp(`^${JOB_ID_PATTERN}$`)

/** The allow-list as a set; an unknown name is a typo that would otherwise silently refuse a route. */
export function checkRoutes(routes: readonly string[] | undefined): ReadonlySet<ProxyEndpoint> {
  if (routes === undefined) return new Set(DEFAULT_ROUTES)
  if (!Array.isArray(routes)) throw new ValidationError('routes must be an array of endpoint names', 'routes')
  for (const name of routes) {
    if (!ENDPOINTS.has(name)) {
      throw new ValidationError(`routes: unknown endpoint ${JSON.stringify(name)}; known: ${[...ENDPOINTS].join(', ')}`, 'routes')
    }
  }
  return new Set(routes as ProxyEndpoint[])
}

/** Where a matched request goes upstream: rebuilt from the route, never copied from the caller's text. */
export interface Upstream {
  path: string
  query?: Record<string, string>
}

/**
 * The API call `url` asks for, or undefined when it is none of the SDK's. The path may sit under any mount prefix
 * (`/api/v1/…`); job ids are matched whole, so an encoded `/` or `..` never reaches another endpoint.
 */
export function matchRoute(method: string, url: URL): { route: ProxyRoute; upstream: Upstream } | undefined {
  const start = url.pathname.indexOf('/v1/')
  if (start < 0) return undefined
  const path = url.pathname.slice(start)
  const entry = TABLE.find((candidate) => candidate.method === method && candidate.path.test(path))
  if (!entry) return undefined
  const { endpoint } = entry
  if (endpoint === 'webhookDeliveries') {
    const jobId = url.searchParams.get('video_id') ?? ''
    if (!JOB_ID.test(jobId)) return undefined
    return { route: { method: entry.method, endpoint, jobId }, upstream: { path: entry.upstream(''), query: { video_id: jobId } } }
  }
  const jobId = entry.path.exec(path)![1]
  if (jobId === undefined) return { route: { method: entry.method, endpoint }, upstream: { path: entry.upstream('') } }
  return { route: { method: entry.method, endpoint, jobId }, upstream: { path: entry.upstream(jobId) } }
}
