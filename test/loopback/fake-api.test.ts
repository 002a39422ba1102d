import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { connect } from 'node:net'
import { setupServer } from 'msw/node'
import { afterEach, describe, expect, it } from 'vitest'
import { FAKE_API_KEY, FakeApi, fakeResultBytes, startFakeServer } from '../../src/testing/node'
import { fakeApiHandlers } from '../../src/testing/msw'
import type { FakeServer, FakeServerOptions } from '../../src/testing/node'
import { fakeResultFile } from '../../src/testing/fake/results'

const OTHER_KEY = 'vbr_' + 'f'.repeat(32)
const servers: FakeServer[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function serve(options?: FakeServerOptions): Promise<FakeServer> {
  const server = await startFakeServer(options)
  servers.push(server)
  return server
}

function fakeClock(start = Date.parse('2025-01-01T00:00:00Z')) {
  const clock = { time: start, now: () => clock.time }
  return clock
}

interface CallOptions {
  body?: unknown
  key?: string | null
  signal?: AbortSignal
}

function call(base: string, method: string, path: string, { body, key = FAKE_API_KEY, signal }: CallOptions = {}) {
  const headers: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/json' }
  if (key !== null) headers['X-Api-Key'] = key
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  return fetch(base + path, { method, headers, body: payload, signal })
}

async function callJson(base: string, method: string, path: string, options?: CallOptions): Promise<any> {
  return (await call(base, method, path, options)).json()
}

function put(uploadUrl: string, bytes: Uint8Array, headers: Record<string, string> = { 'Content-Type': 'video/mp4' }) {
  const body = bytes as Uint8Array<ArrayBuffer>
  return fetch(uploadUrl, { method: 'PUT', headers: { 'Content-Length': String(bytes.byteLength), ...headers }, body })
}

async function createFileJob(base: string, key = FAKE_API_KEY): Promise<any> {
  return callJson(base, 'POST', '/v1/jobs', { key, body: { filename: 'clip.mp4', content_type: 'video/mp4' } })
}

async function uploadedJobId(base: string, key = FAKE_API_KEY): Promise<string> {
  const job = await createFileJob(base, key)
  expect((await put(job.upload_url, new Uint8Array(16))).status).toBe(200)
  return job.id
}

describe('FakeApi over a loopback server', () => {
  it('runs the file lifecycle and serves the exact result bytes', async () => {
    const { url, api } = await serve()
    const job = await createFileJob(url)
    expect(job).toMatchObject({ status: 'created', filename: 'clip.mp4', content_type: 'video/mp4' })
    expect(job.instructions).toMatchObject({ method: 'PUT', headers: { 'Content-Type': 'video/mp4' } })
    expect(job.upload_url).toMatch(new RegExp(`^${url}/storage/upload/${job.id}\\?X-Goog-Expires=3600&X-Goog-Signature=[0-9a-f]+$`))

    const video = fakeResultBytes('input', 'clip.mp4', 100_000)
    expect((await put(job.upload_url, video)).status).toBe(200)
    expect(api.job(job.id)?.upload).toEqual({ bytes: video.byteLength, sha256: createHash('sha256').update(video).digest('hex') })

    const start = await call(url, 'POST', `/v1/jobs/${job.id}/start`, { body: {} })
    expect(start.headers.get('x-api-version')).toBe('1.2.0')
    expect(await start.json()).toMatchObject({ id: job.id, status: 'processing', creditsUsed: 10, video_length_seconds: 10 })

    const status = await callJson(url, 'GET', `/v1/jobs/${job.id}/status`)
    expect(status).toMatchObject({ status: 'completed', length_seconds: 10, output_format: 'mp4' })
    expect(status.processed_mask_url).toContain('/mask.mp4?')
    const download = await fetch(status.processed_video_url)
    expect(download.headers.get('content-type')).toBe('video/mp4')
    expect(download.headers.get('content-length')).toBe(String(fakeResultFile('video.mp4').byteLength))
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(fakeResultFile('video.mp4'))
    const thumbnail = await fetch(status.thumbnail_url)
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg')
    expect(new Uint8Array(await thumbnail.arrayBuffer())).toEqual(fakeResultFile('thumbnail.jpg'))

    expect(await callJson(url, 'GET', '/v1/credits')).toMatchObject({ total_credits: 1000, remaining_credits: 990, used_credits: 10 })
    expect(api.startsFor(job.id)).toBe(1)
  })

  it('accepts URL jobs under an /api/v1 prefix', async () => {
    const { url } = await serve()
    const created = await callJson(url, 'POST', '/api/v1/jobs', { body: { video_url: 'https://cdn.example.com/media/talk.mov?sig=1' } })
    expect(created).toMatchObject({ status: 'uploaded', message: 'Video downloaded successfully' })
    expect((await call(url, 'POST', `/api/v1/jobs/${created.id}/start`)).status).toBe(200)
    expect(await callJson(url, 'GET', `/api/v1/jobs/${created.id}/status`)).toMatchObject({ filename: 'talk.mov', status: 'completed' })
    expect((await call(url, 'POST', '/api/v1/jobs', { body: { video_url: 'ftp://example.com/a.mp4' } })).status).toBe(400)
  })

  it('rejects missing and invalid keys and hides jobs of other keys', async () => {
    const { url } = await serve({ apiKeys: [FAKE_API_KEY, OTHER_KEY] })
    expect(await callJson(url, 'GET', '/v1/credits', { key: null })).toEqual({ error: 'API key required' })
    const invalid = await call(url, 'GET', '/v1/credits', { key: 'vbr_nope' })
    expect([invalid.status, await invalid.json()]).toEqual([401, { error: 'Invalid API key' }])
    const id = await uploadedJobId(url)
    const foreign = await call(url, 'GET', `/v1/jobs/${id}/status`, { key: OTHER_KEY })
    expect([foreign.status, await foreign.json()]).toEqual([404, { error: 'Job not found' }])
  })

  it('validates create-job bodies and unknown routes', async () => {
    const { url } = await serve()
    const statusOf = async (body: unknown) => (await call(url, 'POST', '/v1/jobs', { body })).status
    expect(await statusOf('{not json')).toBe(400)
    expect(await statusOf({ filename: 'a.mov', content_type: 'video/quicktime' })).toBe(400)
    expect(await statusOf({ content_type: 'video/mp4' })).toBe(400)
    expect(await statusOf({ filename: 'a.mov', content_type: 'video/mov' })).toBe(200)
    const unknown = await call(url, 'GET', '/v1/jobs')
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'Not found' }])
  })

  it('answers 409 for starts out of order and 402 when credits are short', async () => {
    const { url, api } = await serve({ credits: 15 })
    const created = await createFileJob(url)
    const early = await call(url, 'POST', `/v1/jobs/${created.id}/start`)
    expect([early.status, await early.json()]).toEqual([409, { error: 'Job has not been uploaded' }])
    const id = await uploadedJobId(url)
    expect((await call(url, 'POST', `/v1/jobs/${id}/start`, { body: { background: { color: 'red' } } })).status).toBe(400)
    expect((await call(url, 'POST', `/v1/jobs/${id}/start`)).status).toBe(200)
    expect(await callJson(url, 'POST', `/v1/jobs/${id}/start`)).toEqual({ error: 'Job already started' })
    const broke = await call(url, 'POST', `/v1/jobs/${await uploadedJobId(url)}/start`)
    expect([broke.status, await broke.json()]).toEqual([402, { error: 'Insufficient credits' }])
    expect(api.credits).toBe(5)
  })

  it('checks signature, content type and length on upload', async () => {
    const { url, api } = await serve()
    const job = await createFileJob(url)
    const bytes = new Uint8Array(8)
    const forged = await put(job.upload_url.replace(/Signature=\w+/, 'Signature=00'), bytes)
    expect([forged.status, await forged.text()]).toEqual([403, expect.stringContaining('<Code>SignatureDoesNotMatch</Code>')])
    expect((await put(job.upload_url, bytes, { 'Content-Type': 'video/webm' })).status).toBe(403)
    const chunked = await fetch(job.upload_url, {
      method: 'PUT',
      headers: { 'Content-Type': 'video/mp4' },
      body: new Blob([bytes]).stream(),
      duplex: 'half',
    } as RequestInit)
    expect(chunked.status).toBe(411)
    expect(api.job(job.id)?.status).toBe('created')

    const withKey = await put(job.upload_url, bytes, { 'Content-Type': 'video/mp4', 'X-Api-Key': FAKE_API_KEY })
    expect(withKey.status).toBe(200)
    expect(api.requests.filter((entry) => entry.endpoint === 'upload' && 'x-api-key' in entry.headers)).toHaveLength(1)
    expect(api.job(job.id)?.status).toBe('uploaded')
  })

  it('expires signed URLs on the fake clock and signs each status read afresh', async () => {
    const clock = fakeClock()
    const { url } = await serve({ now: clock.now, resultTtlMs: 60_000 })
    const stale = await createFileJob(url)
    clock.time += 3_600_000
    const expired = await put(stale.upload_url, new Uint8Array(4))
    expect([expired.status, await expired.text()]).toEqual([400, expect.stringContaining('<Code>ExpiredToken</Code>')])

    const id = await uploadedJobId(url)
    await call(url, 'POST', `/v1/jobs/${id}/start`)
    const first = await callJson(url, 'GET', `/v1/jobs/${id}/status`)
    clock.time += 60_000
    expect((await fetch(first.processed_video_url)).status).toBe(400)
    const second = await callJson(url, 'GET', `/v1/jobs/${id}/status`)
    expect(second.processed_video_url).not.toBe(first.processed_video_url)
    expect((await fetch(second.processed_video_url)).status).toBe(200)
  })

  it('names and types the main result after the requested format', async () => {
    const { url } = await serve()
    const cases = [
      [{ type: 'color', color: '#ff0000' }, '.mp4', 'video/mp4'],
      [{ type: 'transparent', transparent_format: 'webm_vp9' }, '.webm', 'video/webm'],
      [{ type: 'transparent', transparent_format: 'mov_prores' }, '.mov', 'video/quicktime'],
      [{ type: 'transparent', transparent_format: 'pro_bundle' }, '.zip', 'application/zip'],
      [{ type: 'transparent', transparent_format: 'png_sequence' }, '.zip', 'application/zip'],
      [{ type: 'transparent', transparent_format: 'stacked_video' }, '.mp4', 'video/mp4'],
      [{ type: 'transparent', transparent_format: 'lottie' }, '.json', 'application/json'],
    ] as const
    for (const [background, extension, contentType] of cases) {
      const id = await uploadedJobId(url)
      const started = await callJson(url, 'POST', `/v1/jobs/${id}/start`, { body: { background } })
      expect(started).toMatchObject({ background, export_id: expect.stringMatching(/^exp_/) })
      const status = await callJson(url, 'GET', `/v1/jobs/${id}/status`)
      expect(new URL(status.processed_video_url).pathname).toMatch(new RegExp(`${extension.replace('.', '\\.')}$`))
      const download = await fetch(status.processed_video_url)
      expect(download.headers.get('content-type')).toBe(contentType)
      const format = 'transparent_format' in background ? background.transparent_format : 'mp4'
      expect(new Uint8Array(await download.arrayBuffer())).toEqual(fakeResultFile(`video${extension}`, format))
    }
  })

  it('serves pseudo-random results of resultSize bytes when it is set', async () => {
    const { url } = await serve({ resultSize: 100_000 })
    const id = await uploadedJobId(url)
    await call(url, 'POST', `/v1/jobs/${id}/start`)
    const status = await callJson(url, 'GET', `/v1/jobs/${id}/status`)
    expect(new Uint8Array(await (await fetch(status.processed_video_url)).arrayBuffer())).toEqual(fakeResultBytes(id, 'video.mp4', 100_000))
    expect((await (await fetch(status.thumbnail_url)).arrayBuffer()).byteLength).toBe(1024)
  })

  it('keeps jobs processing for processingMs, refunds failures and records webhook deliveries', async () => {
    const clock = fakeClock()
    const { url, api } = await serve({
      now: clock.now,
      processingMs: 5_000,
      videoLengthSeconds: 7,
      failJob: (job) => (job.options?.model === 'videobgremover-pro' ? 'Model crashed' : undefined),
    })
    const id = await uploadedJobId(url)
    await call(url, 'POST', `/v1/jobs/${id}/start`, { body: { model: 'videobgremover-pro', webhook_url: 'https://hooks.test/x' } })
    expect(await callJson(url, 'GET', `/v1/jobs/${id}/status`)).toMatchObject({ status: 'processing', message: 'Processing video...' })
    expect(api.credits).toBe(993)
    clock.time += 5_000
    expect(await callJson(url, 'GET', `/v1/jobs/${id}/status`)).toMatchObject({ status: 'failed', message: 'Model crashed' })
    expect(api.credits).toBe(1000)
    const history = await callJson(url, 'GET', `/v1/webhooks/deliveries?video_id=${id}`)
    expect(history.total_deliveries).toBe(2)
    expect(history.deliveries.map((delivery: any) => [delivery.event_type, delivery.payload.status])).toEqual([
      ['job.started', 'started'],
      ['job.failed', 'failed'],
    ])
  })

  it('sends rate-limit headers and 429s past the request and start limits', async () => {
    const clock = fakeClock()
    const { url } = await serve({ now: clock.now, rateLimit: { requestsPerWindow: 5, startsPerWindow: 1, windowMs: 10_000 } })
    const first = await call(url, 'GET', '/v1/credits')
    const reset = String(Math.ceil((clock.time + 10_000) / 1000))
    expect(['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'].map((name) => first.headers.get(name))).toEqual([
      '5',
      '4',
      reset,
    ])

    await call(url, 'POST', `/v1/jobs/${await uploadedJobId(url)}/start`)
    clock.time += 4_000
    const secondStart = await call(url, 'POST', `/v1/jobs/${await uploadedJobId(url)}/start`)
    expect([secondStart.status, secondStart.headers.get('retry-after')]).toEqual([429, '6'])
    const overLimit = await call(url, 'GET', '/v1/credits')
    expect([overLimit.status, await overLimit.json()]).toEqual([429, { error: 'Rate limit exceeded' }])

    clock.time += 6_000
    expect((await call(url, 'GET', '/v1/credits')).headers.get('x-ratelimit-remaining')).toBe('4')
  })

  it('answers with the envelope error style and request ids', async () => {
    const { url } = await serve({ errorStyle: 'envelope', credits: 0 })
    const missing = await call(url, 'GET', '/v1/jobs/nope/status')
    const body = await missing.json()
    expect(body).toEqual({ error: { code: 'not_found', message: 'Job not found', request_id: expect.stringMatching(/^req_/) } })
    expect(missing.headers.get('x-request-id')).toBe(body.error.request_id)
    const broke = await callJson(url, 'POST', `/v1/jobs/${await uploadedJobId(url)}/start`)
    expect(broke.error).toMatchObject({ code: 'insufficient_credits', remaining_credits: 0 })
  })

  it('deletes jobs and decodes path segments exactly once', async () => {
    const { url, api } = await serve()
    const id = await uploadedJobId(url)
    expect((await call(url, 'DELETE', `/v1/jobs/${id}%2Fstart`)).status).toBe(404)
    expect((await call(url, 'GET', `/v1/jobs/${encodeURIComponent(`${id}/status`)}`)).status).toBe(404)
    expect(await callJson(url, 'DELETE', `/v1/jobs/${id}`)).toEqual({ id, message: 'Job deleted' })
    expect((await call(url, 'GET', `/v1/jobs/${id}/status`)).status).toBe(404)
    expect(api.job(id)).toBeUndefined()
  })

  it('records every request in the ledger', async () => {
    const { url, api } = await serve()
    const job = await createFileJob(url)
    await put(job.upload_url, new Uint8Array(3))
    await call(url, 'GET', `/v1/jobs/${job.id}/status`, { key: 'vbr_bad' })
    expect(api.requests.map(({ endpoint, method, jobId, status }) => ({ endpoint, method, jobId, status }))).toEqual([
      { endpoint: 'createJob', method: 'POST', jobId: undefined, status: 200 },
      { endpoint: 'upload', method: 'PUT', jobId: job.id, status: 200 },
      { endpoint: 'status', method: 'GET', jobId: job.id, status: 401 },
    ])
    expect(api.requests[0]).toMatchObject({
      body: { filename: 'clip.mp4', content_type: 'video/mp4' },
      headers: { 'x-api-key': FAKE_API_KEY, 'content-type': 'application/json' },
    })
    expect(api.requests[1]?.upload?.bytes).toBe(3)
    api.reset()
    expect([api.requests.length, api.job(job.id)]).toEqual([0, undefined])
  })
})

describe('fault injection', () => {
  it('returns injected statuses for the given number of matching requests', async () => {
    const { url, api } = await serve()
    api.inject('credits', { status: 429, headers: { 'Retry-After': '1' } }, 2)
    api.inject('status', { status: 503, body: 'upstream down' })
    for (let i = 0; i < 2; i++) {
      const limited = await call(url, 'GET', '/v1/credits')
      expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '1'])
    }
    expect((await call(url, 'GET', '/v1/credits')).status).toBe(200)
    const down = await call(url, 'GET', '/v1/jobs/x/status')
    expect([down.status, await down.text()]).toEqual([503, 'upstream down'])
    expect(api.requests.map((entry) => entry.status)).toEqual([429, 429, 200, 503])
  })

  it('delays responses and gives up the delay when the client aborts', async () => {
    const { url, api } = await serve()
    api.inject('credits', { delayMs: 60 })
    const before = performance.now()
    expect((await call(url, 'GET', '/v1/credits')).status).toBe(200)
    expect(performance.now() - before).toBeGreaterThanOrEqual(50)

    api.inject('credits', { delayMs: 10_000 })
    await expect(call(url, 'GET', '/v1/credits', { signal: AbortSignal.timeout(50) })).rejects.toThrow()
    await expect.poll(() => api.requests.at(-1)?.status).toBe(0)
  })

  it('drops a start before it takes effect, or after', async () => {
    const { url, api } = await serve()
    const id = await uploadedJobId(url)
    api.inject('startJob', { drop: 'before-response' })
    await expect(call(url, 'POST', `/v1/jobs/${id}/start`)).rejects.toThrow()
    expect([api.job(id)?.status, api.startsFor(id), api.credits]).toEqual(['uploaded', 0, 1000])

    api.inject('startJob', { drop: 'after-effect' })
    await expect(call(url, 'POST', `/v1/jobs/${id}/start`)).rejects.toThrow()
    expect([api.job(id)?.status, api.startsFor(id), api.credits]).toEqual(['completed', 1, 990])
    expect(api.requests.filter((entry) => entry.endpoint === 'startJob').map((entry) => entry.status)).toEqual([0, 0])
  })

  it('resets mid-body or truncates the body', async () => {
    const { url, api } = await serve()
    api.inject('credits', { drop: 'mid-body' })
    const reset = await call(url, 'GET', '/v1/credits')
    expect(reset.status).toBe(200)
    await expect(reset.text()).rejects.toThrow()

    api.inject('credits', { truncate: true })
    const truncated = await call(url, 'GET', '/v1/credits')
    const text = await truncated.text()
    expect(Number(truncated.headers.get('content-length'))).toBe(text.length)
    expect(() => JSON.parse(text)).toThrow()
  })

  it('serves HTML pages and bodies that break the schema, on any endpoint', async () => {
    const { url, api } = await serve()
    api.inject('*', { html: true })
    api.inject('*', { badSchema: true })
    const html = await call(url, 'GET', '/v1/jobs/x/status')
    expect([html.status, html.headers.get('content-type'), await html.text()]).toEqual([
      502,
      expect.stringContaining('text/html'),
      expect.stringContaining('<html>'),
    ])
    expect(await callJson(url, 'POST', '/v1/jobs', { body: {} })).toEqual({ id: 123 })
  })
})

describe('adapters', () => {
  it('serves the fake through msw handlers, drops included', async () => {
    const api = new FakeApi()
    const msw = setupServer(...fakeApiHandlers(api))
    msw.listen({ onUnhandledRequest: 'error' })
    try {
      const base = 'https://api.videobgremover.com'
      const job = await createFileJob(base)
      expect(job.upload_url.startsWith(`${base}/storage/upload/`)).toBe(true)
      expect((await put(job.upload_url, new Uint8Array(5))).status).toBe(200)
      await call(base, 'POST', `/v1/jobs/${job.id}/start`)
      const status = await callJson(base, 'GET', `/v1/jobs/${job.id}/status`)
      const bytes = new Uint8Array(await (await fetch(status.processed_video_url)).arrayBuffer())
      expect(bytes).toEqual(fakeResultFile('video.mp4'))
      api.inject('credits', { drop: 'before-response' })
      await expect(call(base, 'GET', '/v1/credits')).rejects.toThrow()
      api.inject('credits', { drop: 'mid-body' })
      await expect((await call(base, 'GET', '/v1/credits')).text()).rejects.toThrow()
    } finally {
      msw.close()
    }
  })

  it('closes at once with connections open, rather than waiting for them to go idle', async () => {
    const server = await startFakeServer()
    await (await call(server.url, 'GET', '/v1/credits')).arrayBuffer()
    // A request whose headers never end: a plain close would wait for it until Node's 60 s headers timeout.
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1').on('error', () => {})
    await once(socket, 'connect')
    socket.write('GET /v1/credits HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    const socketClosed = new Promise((resolve) => socket.on('close', resolve))
    await server[Symbol.asyncDispose]()
    await socketClosed
  })
})
