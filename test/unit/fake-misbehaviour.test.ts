/**
 * The fake API's standing misbehaviours (FakeApiOptions: rejectEveryKey, rateLimitExhausted, dateSkewMs,
 * storageCors), driven through its web-standard handler in process.
 */
import { describe, expect, it } from 'vitest'
import { FAKE_API_KEY, FakeApi, type FakeApiOptions } from '../../src/testing/index'

const BASE = 'http://fake.test'
const NOW = Date.parse('2025-06-01T12:00:00Z')
const ORIGIN = 'https://app.example.com'

const fakeWith = (options: FakeApiOptions) => new FakeApi({ now: () => NOW, ...options })
const credits = (api: FakeApi) => api.handle(new Request(`${BASE}/v1/credits`, { headers: { 'X-Api-Key': FAKE_API_KEY } }))

async function uploadUrl(api: FakeApi): Promise<string> {
  const response = await api.handle(
    new Request(`${BASE}/v1/jobs`, {
      method: 'POST',
      headers: { 'X-Api-Key': FAKE_API_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ filename: 'clip.mp4', content_type: 'video/mp4' }),
    }),
  )
  return ((await response.json()) as { upload_url: string }).upload_url
}

const preflight = (api: FakeApi, url: string, origin = ORIGIN) =>
  api.handle(
    new Request(url, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' },
    }),
  )

describe('the fake API, told to misbehave', () => {
  it('rejectEveryKey answers 401 "Invalid API key" to the right key too', async () => {
    const response = await credits(fakeWith({ rejectEveryKey: true }))
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: 'Invalid API key' })
  })

  it('rateLimitExhausted answers 429 with Retry-After and an empty window, whatever the request', async () => {
    const api = fakeWith({ rateLimitExhausted: { retryAfterSeconds: 7 } })
    const response = await credits(api)
    expect(response.status).toBe(429)
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'retry-after': '7',
      'x-ratelimit-limit': '100',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(NOW / 1000 + 7),
    })
    expect((await credits(fakeWith({ rateLimitExhausted: true }))).headers.get('retry-after')).toBe('1')
  })

  it("dateSkewMs moves the Date header, and only it, off the fake's clock", async () => {
    const api = fakeWith({ dateSkewMs: -2 * 3_600_000 })
    const response = await credits(api)
    expect(response.headers.get('date')).toBe(new Date(NOW - 2 * 3_600_000).toUTCString())
    const job = await api.handle(new Request(`${BASE}/v1/jobs`, { method: 'POST', headers: { 'X-Api-Key': FAKE_API_KEY }, body: '{}' }))
    expect(job.headers.get('date')).toBe(new Date(NOW - 2 * 3_600_000).toUTCString())
    expect((await credits(fakeWith({}))).headers.get('date')).toBeNull() // Node's server stamps the real time
  })

  it('by default, storage answers a CORS preflight from any origin, allowing PUT with Content-Type', async () => {
    const api = fakeWith({})
    const response = await preflight(api, await uploadUrl(api))
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('access-control-allow-methods')).toContain('PUT')
    expect(response.headers.get('access-control-allow-headers')).toContain('Content-Type')
    expect(api.requests.at(-1)).toMatchObject({ endpoint: 'upload', method: 'OPTIONS', status: 200 })
  })

  it('storageCors: false refuses every preflight without CORS headers, and the upload URL still works', async () => {
    const api = fakeWith({ storageCors: false })
    const url = await uploadUrl(api)
    const response = await preflight(api, url)
    expect(response.status).toBe(403)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    const bytes = new Uint8Array(8)
    const put = await api.handle(
      new Request(url, { method: 'PUT', headers: { 'Content-Type': 'video/mp4', 'Content-Length': '8', Origin: ORIGIN }, body: bytes }),
    )
    expect(put.status).toBe(200)
    expect(put.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('storageCors as a list allows those origins only, on the preflight and the transfer', async () => {
    const api = fakeWith({ storageCors: [ORIGIN] })
    const url = await uploadUrl(api)
    expect((await preflight(api, url)).headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect((await preflight(api, url, 'https://elsewhere.example')).status).toBe(403)
    const put = await api.handle(
      new Request(url, {
        method: 'PUT',
        headers: { 'Content-Type': 'video/mp4', 'Content-Length': '8', Origin: ORIGIN },
        body: new Uint8Array(8),
      }),
    )
    expect(put.headers.get('access-control-allow-origin')).toBe(ORIGIN)
  })

  it('a preflight of an API path is not a storage preflight', async () => {
    const response = await preflight(fakeWith({}), `${BASE}/v1/credits`)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})
