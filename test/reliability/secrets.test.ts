import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { http, HttpResponse } from 'msw'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  ApiError,
  ConnectionError,
  TimeoutError,
  ValidationError,
  Video,
  VideoBGRemoverClient,
  VideoBGRemoverError,
  type Logger,
  type LogLevel,
} from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeFault, type FakeServer, type FakeServerOptions } from '../../src/testing/node'
import { MAX_WEBHOOK_BYTES, parseWebhook } from '../../src/webhooks'
import { BASE, JOB, capturingLogger, expectNoSecret, failure, rejection, renderings, useMswServer } from '../kit'

/**
 * The one home of the rule that the API key never leaks: over real sockets, the key reaches the API host and nothing
 * else; over msw, no error, log line or printed client holds it, whatever the server echoes.
 */

const KEY = FAKE_API_KEY
/** Not vbr_ + 32 characters, so the client warns about it. */
const ODD_KEY = 'sk_test_5ecret5ecret5ecret5ecret'
const TENANT = { 'x-tenant': 'acme-tenant-header' }

let dir: string
let video: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-secrets-'))
  video = join(dir, 'clip.mp4')
  await writeFile(video, new Uint8Array(32 * 1024).fill(7))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function withServer<T>(options: FakeServerOptions, run: (server: FakeServer) => Promise<T>): Promise<T> {
  const server = await startFakeServer({ errorStyle: 'envelope', ...options })
  try {
    return await run(server)
  } finally {
    await server.close()
  }
}

describe('logs at every level', () => {
  const LEVELS: LogLevel[] = ['error', 'warn', 'info', 'debug']

  it.each(LEVELS)('logLevel %s: a run through retries and a refused key logs no key, even when the server echoes it', async (logLevel) => {
    await withServer({ apiKeys: [ODD_KEY] }, async (server) => {
      const { logger, lines } = capturingLogger()
      const client = new VideoBGRemoverClient(ODD_KEY, { baseUrl: server.url, logger, logLevel, headers: TENANT, maxRetries: 2 })
      server.api.inject('createJob', { drop: 'before-response' })
      server.api.inject('status', {
        status: 503,
        body: { error: `overloaded for ${ODD_KEY}` },
        headers: { 'retry-after-ms': '1', 'x-echo': ODD_KEY },
      })
      server.api.inject('download', { status: 403 })
      const foreground = await Video.open(video).removeBackground({ client, pollSeconds: 0.01 })
      await foreground.arrayBuffer()
      server.api.inject('credits', { status: 401, body: { error: { code: 'invalid_api_key', message: `Key ${ODD_KEY} was revoked` } } })
      expectNoSecret(await failure(() => client.credits()), ODD_KEY)

      for (const line of lines) expect(line.text).not.toContain(ODD_KEY)
      const rank = LEVELS.indexOf(logLevel)
      const used = new Set(lines.map((line) => line.level))
      expect(used.has('warn'), 'the odd key is warned about').toBe(rank >= 1)
      expect(used.has('info'), 'retries are logged').toBe(rank >= 2)
      expect(used.has('debug'), 'traffic is logged').toBe(rank >= 3)
      if (logLevel === 'debug') {
        expect(
          lines.some((line) => /x-api-key.*\[redacted\]/.test(line.text)),
          'the key header is logged redacted',
        ).toBe(true)
        expect(
          lines.some((line) => line.text.includes('acme-tenant-header')),
          'other headers are logged as they are',
        ).toBe(true)
      }
    })
  })
})

const ECHOES: [name: string, endpoint: 'credits' | 'status' | 'startJob' | 'createJob', fault: FakeFault][] = [
  [
    'an envelope naming the key',
    'credits',
    { status: 400, body: { error: { code: 'invalid_request', message: `bad X-Api-Key ${KEY}`, request_id: 'req_1' } } },
  ],
  ['a flat body naming the key', 'status', { status: 401, body: { error: `Invalid API key ${KEY}` } }],
  ['an HTML page naming the key', 'createJob', { status: 502, body: `<html><body><pre>X-Api-Key: ${KEY}</pre></body></html>` }],
  ['a response header holding the key', 'startJob', { status: 403, headers: { 'x-debug-key': KEY } }],
  ['a 429 whose Retry-After holds the key', 'credits', { status: 429, headers: { 'Retry-After': KEY } }],
]

describe('errors from real exchanges', () => {
  it.each(ECHOES)('%s on %s: no rendering of the error holds the key', async (_, endpoint, fault) => {
    await withServer({}, async (server) => {
      const client = new VideoBGRemoverClient(KEY, { baseUrl: server.url, maxRetries: 0 })
      const { id } = await client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })
      server.api.inject(endpoint, fault)
      const calls = {
        credits: () => client.credits(),
        status: () => client.status(id),
        startJob: () => client.startJob(id),
        createJob: () => client.createJobFile({ filename: 'clip.mp4', content_type: 'video/mp4' }),
      }
      const error = await failure(calls[endpoint])
      expect(error).toBeInstanceOf(ApiError)
      expectNoSecret(error, KEY)
      expect(JSON.stringify(error)).toContain('[redacted]')
    })
  })

  it.each([
    ['a connection reset', { drop: 'before-response' } as FakeFault, ConnectionError],
    ['a body cut mid-way', { drop: 'mid-body' } as FakeFault, ConnectionError],
    ['headers slower than the timeout', { delayMs: 600_000 } as FakeFault, TimeoutError],
  ])('%s: the error and its causes hold no key', async (_, fault, type) => {
    await withServer({}, async (server) => {
      const client = new VideoBGRemoverClient(KEY, { baseUrl: server.url, maxRetries: 0, timeout: 200 })
      server.api.inject('credits', fault)
      const error = await failure(() => client.credits())
      expect(error).toBeInstanceOf(type)
      expectNoSecret(error, KEY)
    })
  })
})

describe('what the key reaches', () => {
  it('the API host only: storage sees neither the key nor the extra headers, and no object holds the key', async () => {
    await withServer({}, async (server) => {
      const client = new VideoBGRemoverClient(KEY, { baseUrl: server.url, headers: TENANT })
      server.api.inject('upload', { status: 503 })
      server.api.inject('download', { status: 403 })
      const foreground = await Video.open(video).removeBackground({ client, pollSeconds: 0.01 })
      await foreground.save(join(dir, 'out.webm'))

      const storage = server.api.requests.filter((entry) => entry.endpoint === 'upload' || entry.endpoint === 'download')
      const api = server.api.requests.filter((entry) => !storage.includes(entry))
      expect(storage.map((entry) => entry.endpoint)).toEqual(['upload', 'upload', 'download', 'download'])
      for (const entry of storage) {
        expect(JSON.stringify(entry)).not.toContain(KEY)
        expect(entry.headers['x-api-key']).toBeUndefined()
        expect(entry.headers['x-tenant']).toBeUndefined()
      }
      for (const entry of api) expect(entry.headers).toMatchObject({ 'x-api-key': KEY, 'x-tenant': TENANT['x-tenant'] })

      expectNoSecret(client, KEY)
      expectNoSecret(foreground, KEY)
      expect(inspect(client, { depth: Infinity, showHidden: true, getters: true })).toContain(server.url)
    })
  })

  const API_REDIRECTS: [status: number, endpoint: 'credits' | 'createJob' | 'startJob' | 'status' | 'deleteJob'][] = [
    [302, 'credits'],
    [307, 'createJob'],
    [307, 'startJob'],
    [301, 'status'],
    [308, 'deleteJob'],
  ]

  it.each(API_REDIRECTS)('an API %i on %s to another origin is not followed: that origin sees nothing', async (status, endpoint) => {
    await withServer({}, async (other) => {
      await withServer({}, async (server) => {
        const client = new VideoBGRemoverClient(KEY, { baseUrl: server.url })
        const { id } = await client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })
        const location = `${other.url}${endpoint === 'credits' ? '/v1/credits' : `/v1/jobs/${id}`}`
        server.api.inject(endpoint, { status, headers: { Location: location } })
        const calls = {
          credits: () => client.credits(),
          createJob: () => client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' }),
          startJob: () => client.startJob(id),
          status: () => client.status(id),
          deleteJob: () => client.deleteJob(id),
        }
        const error = await failure(calls[endpoint])
        expect(error).toBeInstanceOf(ApiError)
        expect(error).toMatchObject({ status, code: 'redirect_refused' })
        expect((error as ApiError).message).toContain(other.url)
        expectNoSecret(error, KEY)
        expect(server.api.startsFor(id)).toBe(0)
      })
      expect(other.api.requests).toEqual([])
    })
  })

  it.each(['upload', 'download'] as const)('a storage redirect on %s to another origin never carries the key there', async (endpoint) => {
    await withServer({}, async (other) => {
      await withServer({}, async (server) => {
        const client = new VideoBGRemoverClient(KEY, { baseUrl: server.url, headers: TENANT })
        server.api.inject(endpoint, { status: 307, headers: { Location: `${other.url}/storage/elsewhere?X-Goog-Signature=x` } })
        const foreground = await Video.open(video).removeBackground({ client, pollSeconds: 0.01 })
        expect(await foreground.arrayBuffer()).toBeInstanceOf(ArrayBuffer)
      })
      // Node streams uploads with redirect: 'error', so an upload is never replayed elsewhere; a result download may follow.
      expect(other.api.requests).toHaveLength(endpoint === 'upload' ? 0 : 1)
      for (const entry of other.api.requests) {
        expect(JSON.stringify(entry)).not.toContain(KEY)
        expect(entry.headers['x-api-key']).toBeUndefined()
        expect(entry.headers['x-tenant']).toBeUndefined()
      }
    })
  })
})

describe('webhook parsing', () => {
  const nonObjects = fc
    .oneof(fc.jsonValue(), fc.constant(null))
    .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))

  it('refuses every JSON body that is not an object, as text, bytes or parsed', () => {
    fc.assert(
      fc.property(nonObjects, fc.constantFrom('text', 'bytes', 'parsed'), (value, form) => {
        const text = JSON.stringify(value)
        const body = form === 'text' ? text : form === 'bytes' ? new TextEncoder().encode(text) : value
        let error: unknown
        try {
          parseWebhook(body)
        } catch (caught) {
          error = caught
        }
        expect(error).toBeInstanceOf(ValidationError)
        expect((error as ValidationError).field).toBe('body')
      }),
      { numRuns: 300 },
    )
  })

  it('throws nothing but a ValidationError, whatever arrives', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.string(),
          fc.uint8Array(),
          fc.jsonValue().map((value) => JSON.stringify(value)),
        ),
        (body) => {
          try {
            const event = parseWebhook(body)
            expect(event.job_id === undefined || typeof event.job_id === 'string').toBe(true)
            expect(typeof event.type).toBe('string')
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('measures the size limit in bytes, not characters, and refuses before parsing', () => {
    const body = `{"job_id":"j","padding":"${'é'.repeat(MAX_WEBHOOK_BYTES / 2)}"}`
    expect(body.length).toBeLessThan(MAX_WEBHOOK_BYTES)
    expect(() => parseWebhook(body)).toThrow(/over the \d+-byte limit/)
    const notJson = 'x'.repeat(MAX_WEBHOOK_BYTES + 1)
    expect(() => parseWebhook(notJson)).toThrow(/limit/)
  })

  it('its refusals are VideoBGRemoverErrors that do not echo the body', () => {
    const secret = `[{"job_id": "j", "token": "${KEY}"}]`
    let error: unknown
    try {
      parseWebhook(secret)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(VideoBGRemoverError)
    expectNoSecret(error, KEY)
  })
})

describe('over msw', () => {
  const server = useMswServer()
  /** Well-formed, so the client does not warn about it. */
  const ECHOED_KEY = 'vbr_5ec7e75ec7e75ec7e75ec7e75ec7e75e'
  const BAD_KEY = 'sk-live-not-a-vbr-key'
  const mswClient = (options: { key?: string; logger?: Logger; logLevel?: LogLevel; maxRetries?: number } = {}) =>
    new VideoBGRemoverClient(options.key ?? ECHOED_KEY, { baseUrl: BASE, maxRetries: 0, rateLimit: false, ...options })

  const echoes: Array<[string, () => Response]> = [
    ['a flat 401 body', () => HttpResponse.json({ error: `Invalid API key: ${ECHOED_KEY}` }, { status: 401 })],
    [
      'an envelope body',
      () =>
        HttpResponse.json(
          { error: { code: 'invalid_request', message: `bad header X-Api-Key=${ECHOED_KEY}`, request_id: 'req_1' } },
          { status: 400 },
        ),
    ],
    ['an HTML 502 page', () => HttpResponse.html(`<html><body><pre>X-Api-Key: ${ECHOED_KEY}</pre></body></html>`, { status: 502 })],
    ['a response header', () => HttpResponse.json({ error: 'Forbidden' }, { status: 403, headers: { 'x-debug-api-key': ECHOED_KEY } })],
    ['a 200 that is not JSON', () => HttpResponse.text(`debug: key=${ECHOED_KEY}`)],
    ['a 200 that breaks the schema', () => HttpResponse.json({ status: 'processing', echo: { key: ECHOED_KEY } })],
  ]

  describe('the API key never appears in an error', () => {
    it.each(echoes)('when the server echoes it in %s', async (_, respond) => {
      server.use(http.get(`${BASE}/v1/jobs/${JOB}/status`, respond))
      const error = await rejection(mswClient().status(JOB))
      expect(error).toBeInstanceOf(ApiError)
      for (const [form, text] of Object.entries(renderings(error))) expect(text, form).not.toContain(ECHOED_KEY)
      expect(JSON.stringify(error)).toContain('[redacted]')
    })

    it('when a custom fetch fails with the key in its message', async () => {
      const fetch = async () => {
        throw new TypeError(`invalid header value for X-Api-Key: ${ECHOED_KEY}`)
      }
      const error = await rejection(new VideoBGRemoverClient(ECHOED_KEY, { baseUrl: BASE, maxRetries: 0, fetch }).credits())
      expect(error).toBeInstanceOf(ConnectionError)
      for (const [form, text] of Object.entries(renderings(error))) expect(text, form).not.toContain(ECHOED_KEY)
    })

    it('nor in the client as printed', () => {
      const c = mswClient()
      expect(inspect(c, { depth: Infinity, showHidden: true })).not.toContain(ECHOED_KEY)
      expect(JSON.stringify(c)).not.toContain(ECHOED_KEY)
    })
  })

  describe('logs', () => {
    it('at debug level hold no key, even when the server echoes it, and record the traffic', async () => {
      const { logger, lines } = capturingLogger()
      let calls = 0
      server.use(
        http.get(`${BASE}/v1/jobs/${JOB}/status`, () =>
          calls++ === 0
            ? HttpResponse.json(
                { error: `overloaded, key ${ECHOED_KEY}` },
                { status: 503, headers: { 'retry-after-ms': '1', 'x-request-id': ECHOED_KEY } },
              )
            : HttpResponse.json({ id: JOB, status: 'processing', echo: ECHOED_KEY }),
        ),
        http.get(`${BASE}/v1/credits`, () => HttpResponse.json({ error: `Invalid API key ${ECHOED_KEY}` }, { status: 401 })),
      )
      const c = mswClient({ logger, logLevel: 'debug', maxRetries: 1 })
      await c.status(JOB)
      await expect(c.credits()).rejects.toBeInstanceOf(ApiError)
      expect(new Set(lines.map((line) => line.level))).toEqual(new Set(['debug', 'info']))
      expect(lines.some((line) => /x-api-key.*\[redacted\]/.test(line.text))).toBe(true)
      for (const line of lines) expect(line.text).not.toContain(ECHOED_KEY)
    })

    it('warn about a key that does not look like vbr_ + 32 characters, without printing it', () => {
      const { logger, lines } = capturingLogger()
      mswClient({ key: BAD_KEY, logger, logLevel: 'warn' })
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({ level: 'warn', text: expect.stringContaining('vbr_') })
      expect(lines[0]!.text).not.toContain(BAD_KEY)
    })

    it('stay quiet for a well-formed key', () => {
      const { logger, lines } = capturingLogger()
      mswClient({ logger, logLevel: 'debug' })
      expect(lines).toEqual([])
    })

    it('at the default level with a logger: warnings and retries, not debug lines', async () => {
      const { logger, lines } = capturingLogger()
      server.use(
        http.get(`${BASE}/v1/credits`, () => HttpResponse.json({ error: 'busy' }, { status: 503, headers: { 'retry-after-ms': '1' } })),
      )
      await expect(mswClient({ key: BAD_KEY, logger, maxRetries: 1 }).credits()).rejects.toBeInstanceOf(ApiError)
      expect(lines.map((line) => line.level)).toEqual(['warn', 'info'])
    })

    it('go to the console only when asked: silent by default', async () => {
      const consoleSpies = (['log', 'error', 'warn', 'info', 'debug'] as const).map((level) =>
        vi.spyOn(console, level).mockImplementation(() => {}),
      )
      server.use(
        http.get(`${BASE}/v1/credits`, () => HttpResponse.json({ error: 'busy' }, { status: 503, headers: { 'retry-after-ms': '1' } })),
      )
      await expect(mswClient({ key: BAD_KEY, maxRetries: 1 }).credits()).rejects.toBeInstanceOf(ApiError)
      for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled()

      mswClient({ key: BAD_KEY, logLevel: 'warn' })
      expect(console.warn).toHaveBeenCalledOnce()
      expect(String(vi.mocked(console.warn).mock.calls[0])).not.toContain(BAD_KEY)
    })
  })
})
