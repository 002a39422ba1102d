/** What a request to the fake is for: one of the API's endpoints, a signed storage URL, or neither. */
export type FakeEndpoint = 'credits' | 'createJob' | 'startJob' | 'status' | 'deleteJob' | 'deliveries' | 'upload' | 'download' | 'unknown'

/** A matched request: its endpoint, the job it names (path segment or `video_id`), and the result file asked for. */
export interface Route {
  readonly endpoint: FakeEndpoint
  readonly jobId?: string
  readonly file?: string
}

const ROUTES: readonly (readonly [method: string, pattern: string, endpoint: FakeEndpoint])[] = [
  ['GET', 'v1/credits', 'credits'],
  ['POST', 'v1/jobs', 'createJob'],
  ['POST', 'v1/jobs/:id/start', 'startJob'],
  ['GET', 'v1/jobs/:id/status', 'status'],
  ['DELETE', 'v1/jobs/:id', 'deleteJob'],
  ['GET', 'v1/webhooks/deliveries', 'deliveries'],
  ['PUT', 'storage/upload/:id', 'upload'],
  ['GET', 'storage/results/:id/:file', 'download'],
]

/**
 * Finds the endpoint `method` and `url` address. API paths match from their first `/v1/`, so a base URL with a
 * prefix (`/api/v1/…`) reaches the same routes; storage paths sit at the origin's root. Segments are
 * percent-decoded before matching, so an encoded `/` in a job id stays inside that id and cannot reach another
 * endpoint.
 */
export function matchRoute(method: string, url: URL): Route {
  const at = url.pathname.indexOf('/v1/')
  const relative = url.pathname.startsWith('/storage/') ? url.pathname.slice(1) : at >= 0 ? url.pathname.slice(at + 1) : ''
  const parts = decodeSegments(relative.split('/'))
  if (parts === undefined) return { endpoint: 'unknown' }
  for (const [routeMethod, pattern, endpoint] of ROUTES) {
    const names = pattern.split('/')
    if (routeMethod !== method || names.length !== parts.length) continue
    if (!names.every((name, i) => name.startsWith(':') || name === parts[i])) continue
    const jobId = endpoint === 'deliveries' ? (url.searchParams.get('video_id') ?? undefined) : parts[names.indexOf(':id')]
    return { endpoint, jobId, file: parts[names.indexOf(':file')] }
  }
  return { endpoint: 'unknown' }
}

/** Malformed percent-encoding (`%zz`) matches no route rather than throwing. */
function decodeSegments(segments: string[]): string[] | undefined {
  try {
    return segments.map(decodeURIComponent)
  } catch {
    return undefined
  }
}
