import { http, HttpResponse, type HttpHandler } from 'msw'
import { describe, expect, it } from 'vitest'
import {
  ApiError,
  AuthenticationError,
  InsufficientCreditsError,
  JobNotFoundError,
  ProcessingError,
  RateLimitError,
  VideoBGRemoverClient,
  VideoBGRemoverError,
} from '../../src/index'
import { BASE, JOB, KEY, rejection, useMswServer } from '../kit'

const STATUS_URL = `${BASE}/v1/jobs/${JOB}/status`
const MESSAGE = 'Job not found: check the id and that it belongs to this key'

const classes = { ApiError, AuthenticationError, InsufficientCreditsError, JobNotFoundError, ProcessingError, RateLimitError }
type ClassName = keyof typeof classes

const server = useMswServer()

const client = new VideoBGRemoverClient(KEY, { baseUrl: BASE, maxRetries: 0, rateLimit: false })

/** The error `call` fails with while `handler` answers. */
async function errorOf<T extends Error = ApiError>(handler: HttpHandler, call: () => Promise<unknown>): Promise<T> {
  server.use(handler)
  return rejection<T>(call())
}

/** The error `client.status(JOB)` fails with when the API answers `respond()`. */
const statusError = (respond: () => Response) => errorOf(http.get(STATUS_URL, respond), () => client.status(JOB))

const statuses: Array<{ status: number; name: ClassName; code: string }> = [
  { status: 400, name: 'ApiError', code: 'invalid_request' },
  { status: 401, name: 'AuthenticationError', code: 'invalid_api_key' },
  { status: 402, name: 'InsufficientCreditsError', code: 'insufficient_credits' },
  { status: 403, name: 'ApiError', code: 'permission_denied' },
  { status: 404, name: 'JobNotFoundError', code: 'not_found' },
  { status: 408, name: 'ApiError', code: 'timeout' },
  { status: 409, name: 'ApiError', code: 'conflict' },
  { status: 413, name: 'ApiError', code: 'invalid_request' },
  { status: 415, name: 'ApiError', code: 'invalid_request' },
  { status: 422, name: 'ApiError', code: 'invalid_request' },
  { status: 429, name: 'RateLimitError', code: 'rate_limited' },
  { status: 500, name: 'ProcessingError', code: 'internal_error' },
  { status: 502, name: 'ApiError', code: 'internal_error' },
  { status: 503, name: 'ApiError', code: 'internal_error' },
  { status: 504, name: 'ApiError', code: 'timeout' },
]

const bodyStyles: Array<{ style: string; respond: (status: number, code: string) => Response; requestId?: string }> = [
  { style: 'flat {"error":"…"}', respond: (status) => HttpResponse.json({ error: MESSAGE }, { status }) },
  {
    style: 'envelope {"error":{code,message,request_id}}',
    respond: (status, code) => HttpResponse.json({ error: { code, message: MESSAGE, request_id: 'req_123456' } }, { status }),
    requestId: 'req_123456',
  },
  { style: 'plain text', respond: (status) => HttpResponse.text(MESSAGE, { status }) },
  {
    style: 'HTML',
    respond: (status) =>
      HttpResponse.html(`<!DOCTYPE html>\n<html><head><style>h1 { color: red }</style></head>\n<body><h1>${MESSAGE}</h1></body></html>`, {
        status,
      }),
  },
]

describe.each(bodyStyles)('a $style body', ({ respond, requestId }) => {
  it.each(statuses)('$status → $name, code $code, the server message kept', async ({ status, name, code }) => {
    const error = await statusError(() => respond(status, code))
    expect(error).toBeInstanceOf(VideoBGRemoverError)
    expect(error).toBeInstanceOf(classes[name])
    expect(error).toMatchObject({ name, status, code, message: MESSAGE, requestId, jobId: JOB })
  })
})

describe('the code in the body', () => {
  it.each<{ code: string; status: number; name: ClassName }>([
    { code: 'invalid_request', status: 400, name: 'ApiError' },
    { code: 'invalid_api_key', status: 403, name: 'AuthenticationError' },
    { code: 'insufficient_credits', status: 400, name: 'InsufficientCreditsError' },
    { code: 'rate_limited', status: 503, name: 'RateLimitError' },
    { code: 'job_not_found', status: 400, name: 'JobNotFoundError' },
    { code: 'internal_error', status: 500, name: 'ProcessingError' },
    { code: 'timeout', status: 504, name: 'ApiError' },
    { code: 'quota_exceeded', status: 402, name: 'InsufficientCreditsError' },
  ])('$code at $status → $name with that code', async ({ code, status, name }) => {
    const error = await statusError(() => HttpResponse.json({ error: { code, message: 'm' } }, { status }))
    expect(error).toBeInstanceOf(classes[name])
    expect(error).toMatchObject({ name, code, status })
  })

  it('is read from the top level too', async () => {
    const error = await statusError(() => HttpResponse.json({ error: 'Slow down', code: 'rate_limited' }, { status: 400 }))
    expect(error).toBeInstanceOf(RateLimitError)
    expect(error).toMatchObject({ code: 'rate_limited', message: 'Slow down' })
  })
})

describe('the message', () => {
  it.each([
    ['top-level message', () => HttpResponse.json({ message: 'Bad thing' }, { status: 400 }), 'Bad thing'],
    ['detail', () => HttpResponse.json({ detail: 'Bad thing' }, { status: 422 }), 'Bad thing'],
    [
      'an empty body, from the status text',
      () => new HttpResponse(null, { status: 503, statusText: 'Service Unavailable' }),
      'Service Unavailable',
    ],
  ])('comes from %s', async (_, respond, message) => {
    const error = await statusError(respond)
    expect(error.message).toBe(message)
  })

  it('of an object-shaped error is never "[object Object]"', async () => {
    const error = await statusError(() => HttpResponse.json({ error: { code: 'invalid_request' } }, { status: 400 }))
    expect(error.message).not.toContain('[object Object]')
  })

  it('keeps the status, the raw body and the response headers on the error', async () => {
    const body = { error: 'Invalid API key', hint: 'rotate it' }
    const error = await statusError(() => HttpResponse.json(body, { status: 401, headers: { 'X-API-Version': '1.2.0' } }))
    expect(error).toMatchObject({ status: 401, body, message: 'Invalid API key' })
    expect(error.headers['x-api-version']).toBe('1.2.0')
  })
})

describe('requestId', () => {
  it.each([
    ['the envelope', { error: { code: 'internal_error', message: 'm', request_id: 'req_body' } }, {}, 'req_body'],
    ['the x-request-id header', { error: 'm' }, { 'x-request-id': 'req_header' }, 'req_header'],
    ['the envelope before the header', { error: { message: 'm', request_id: 'req_body' } }, { 'x-request-id': 'req_header' }, 'req_body'],
    ['nowhere', { error: 'm' }, {}, undefined],
  ])('comes from %s', async (_, body, headers, requestId) => {
    const error = await statusError(() => HttpResponse.json(body, { status: 500, headers }))
    expect(error.requestId).toBe(requestId)
  })
})

describe('InsufficientCreditsError.remainingCredits', () => {
  it.each([
    ['the envelope', { error: { code: 'insufficient_credits', message: 'm', remaining_credits: 3.5 } }, 3.5],
    ['the envelope details', { error: { code: 'insufficient_credits', message: 'm', details: { remaining_credits: 0 } } }, 0],
    ['a flat body', { error: 'Insufficient credits', remaining_credits: 4 }, 4],
    ['a body without it (never invented)', { error: 'Insufficient credits' }, undefined],
  ])('comes from %s', async (_, body, remainingCredits) => {
    const error = await errorOf<InsufficientCreditsError>(
      http.post(`${BASE}/v1/jobs/${JOB}/start`, () => HttpResponse.json(body, { status: 402 })),
      () => client.startJob(JOB),
    )
    expect(error).toBeInstanceOf(InsufficientCreditsError)
    expect(error.remainingCredits).toBe(remainingCredits)
  })
})

describe('RateLimitError.retryAfterMs', () => {
  it.each([
    ['Retry-After in seconds', { 'Retry-After': '7' }, 7_000],
    ['retry-after-ms', { 'retry-after-ms': '1500' }, 1_500],
    ['a Retry-After over a minute, clamped', { 'Retry-After': '3600' }, 60_000],
    ['no header', {}, undefined],
  ])('comes from %s', async (_, headers, retryAfterMs) => {
    const error = await errorOf<RateLimitError>(
      http.get(`${BASE}/v1/credits`, () => HttpResponse.json({ error: 'Too many requests' }, { status: 429, headers })),
      () => client.credits(),
    )
    expect(error).toBeInstanceOf(RateLimitError)
    expect(error.retryAfterMs).toBe(retryAfterMs)
  })

  it('falls back to X-RateLimit-Reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 30
    const headers = { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(reset) }
    const error = await errorOf<RateLimitError>(
      http.get(`${BASE}/v1/credits`, () => HttpResponse.json({ error: 'Too many requests' }, { status: 429, headers })),
      () => client.credits(),
    )
    expect(error.retryAfterMs).toBeGreaterThan(28_000)
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000)
  })
})

describe('a 2xx the SDK cannot use', () => {
  it.each<[string, (c: VideoBGRemoverClient) => Promise<unknown>, () => Response, string, RegExp]>([
    ['HTML instead of JSON', (c) => c.credits(), () => HttpResponse.html('<html>maintenance</html>'), 'invalid_json', /not JSON/],
    ['an empty body', (c) => c.credits(), () => new HttpResponse(null, { status: 200 }), 'invalid_json', /not JSON/],
    ['truncated JSON', (c) => c.status(JOB), () => HttpResponse.text('{"id":"abc","sta'), 'invalid_json', /not JSON/],
    [
      'credits with a string total',
      (c) => c.credits(),
      () => HttpResponse.json({ total_credits: 'lots', remaining_credits: 1, used_credits: 0 }),
      'invalid_response',
      /total_credits/,
    ],
    ['a status without an id', (c) => c.status(JOB), () => HttpResponse.json({ status: 'processing' }), 'invalid_response', /\bid\b/],
    [
      'a file job without upload_url',
      (c) => c.createJobFile({ filename: 'a.mp4', content_type: 'video/mp4' }),
      () => HttpResponse.json({ id: JOB }),
      'invalid_response',
      /upload_url/,
    ],
    ['a JSON array', (c) => c.status(JOB), () => HttpResponse.json([]), 'invalid_response', /unexpected body/],
  ])('%s → ApiError %s', async (_, call, respond, code, message) => {
    const error = await errorOf(http.all(`${BASE}/*`, respond), () => call(client))
    expect(error.constructor).toBe(ApiError)
    expect(error).toMatchObject({ status: 200, code })
    expect(error.message).toMatch(message)
  })
})

describe('a redirect', () => {
  it.each([301, 302, 307, 308])('%i is refused without following it', async (status) => {
    let followed = 0
    server.use(
      http.get(`${BASE}/v1/credits`, () => new HttpResponse(null, { status, headers: { Location: 'https://elsewhere.test/v1/credits' } })),
      http.all('https://elsewhere.test/*', () => {
        followed++
        return HttpResponse.json({})
      }),
    )
    const error = await rejection(new VideoBGRemoverClient(KEY, { baseUrl: BASE, rateLimit: false }).credits())
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status, code: 'redirect_refused' })
    expect(followed).toBe(0)
  })
})
