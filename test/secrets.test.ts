import { inspect } from 'node:util'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ApiError, ConnectionError, VideoBGRemoverClient, type Logger, type LogLevel } from '../src/index'
import { rejection } from './helpers'

const BASE = 'https://api.test'
const KEY = 'vbr_5ec7e75ec7e75ec7e75ec7e75ec7e75e'
const JOB = '3f2b1c9e-8a7d-4e6f-9b1a-2c3d4e5f6a7b'
const BAD_KEY = 'sk-live-not-a-vbr-key'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  server.resetHandlers()
  vi.restoreAllMocks()
})
afterAll(() => server.close())

/** A logger that keeps every line, with its data, as text. */
function capturingLogger() {
  const lines: Array<{ level: string; text: string }> = []
  const at = (level: string) => (message: string, data?: Record<string, unknown>) =>
    lines.push({ level, text: `${message} ${inspect(data, { depth: Infinity })}` })
  const logger: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }
  return { logger, lines }
}

const client = (options: { key?: string; logger?: Logger; logLevel?: LogLevel; maxRetries?: number } = {}) =>
  new VideoBGRemoverClient(options.key ?? KEY, { baseUrl: BASE, maxRetries: 0, rateLimit: false, ...options })

/** Every way a user may print or ship an error. */
const renderings = (error: Error) => ({
  message: error.message,
  string: String(error),
  stack: error.stack ?? '',
  json: JSON.stringify(error),
  inspect: inspect(error, { depth: Infinity }),
})

const echoes: Array<[string, () => Response]> = [
  ['a flat 401 body', () => HttpResponse.json({ error: `Invalid API key: ${KEY}` }, { status: 401 })],
  [
    'an envelope body',
    () => HttpResponse.json({ error: { code: 'invalid_request', message: `bad header X-Api-Key=${KEY}`, request_id: 'req_1' } }, { status: 400 }),
  ],
  ['an HTML 502 page', () => HttpResponse.html(`<html><body><pre>X-Api-Key: ${KEY}</pre></body></html>`, { status: 502 })],
  ['a response header', () => HttpResponse.json({ error: 'Forbidden' }, { status: 403, headers: { 'x-debug-api-key': KEY } })],
  ['a 200 that is not JSON', () => HttpResponse.text(`debug: key=${KEY}`)],
  ['a 200 that breaks the schema', () => HttpResponse.json({ status: 'processing', echo: { key: KEY } })],
]

describe('the API key never appears in an error', () => {
  it.each(echoes)('when the server echoes it in %s', async (_, respond) => {
    server.use(http.get(`${BASE}/v1/jobs/${JOB}/status`, respond))
    const error = await rejection(client().status(JOB))
    expect(error).toBeInstanceOf(ApiError)
    for (const [form, text] of Object.entries(renderings(error))) expect(text, form).not.toContain(KEY)
    expect(JSON.stringify(error)).toContain('[redacted]')
  })

  it('when a custom fetch fails with the key in its message', async () => {
    const fetch = async () => {
      throw new TypeError(`invalid header value for X-Api-Key: ${KEY}`)
    }
    const error = await rejection(new VideoBGRemoverClient(KEY, { baseUrl: BASE, maxRetries: 0, fetch }).credits())
    expect(error).toBeInstanceOf(ConnectionError)
    for (const [form, text] of Object.entries(renderings(error))) expect(text, form).not.toContain(KEY)
  })

  it('nor in the client as printed', () => {
    const c = client()
    expect(inspect(c, { depth: Infinity, showHidden: true })).not.toContain(KEY)
    expect(JSON.stringify(c)).not.toContain(KEY)
  })
})

describe('logs', () => {
  it('at debug level hold no key, even when the server echoes it, and record the traffic', async () => {
    const { logger, lines } = capturingLogger()
    let calls = 0
    server.use(
      http.get(`${BASE}/v1/jobs/${JOB}/status`, () =>
        calls++ === 0
          ? HttpResponse.json({ error: `overloaded, key ${KEY}` }, { status: 503, headers: { 'retry-after-ms': '1', 'x-request-id': KEY } })
          : HttpResponse.json({ id: JOB, status: 'processing', echo: KEY }),
      ),
      http.get(`${BASE}/v1/credits`, () => HttpResponse.json({ error: `Invalid API key ${KEY}` }, { status: 401 })),
    )
    const c = client({ logger, logLevel: 'debug', maxRetries: 1 })
    await c.status(JOB)
    await expect(c.credits()).rejects.toBeInstanceOf(ApiError)
    expect(new Set(lines.map((line) => line.level))).toEqual(new Set(['debug', 'info']))
    expect(lines.some((line) => /x-api-key.*\[redacted\]/.test(line.text))).toBe(true)
    for (const line of lines) expect(line.text).not.toContain(KEY)
  })

  it('warn about a key that does not look like vbr_ + 32 characters, without printing it', () => {
    const { logger, lines } = capturingLogger()
    client({ key: BAD_KEY, logger, logLevel: 'warn' })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ level: 'warn', text: expect.stringContaining('vbr_') })
    expect(lines[0]!.text).not.toContain(BAD_KEY)
  })

  it('stay quiet for a well-formed key', () => {
    const { logger, lines } = capturingLogger()
    client({ logger, logLevel: 'debug' })
    expect(lines).toEqual([])
  })

  it('at the default level with a logger: warnings and retries, not debug lines', async () => {
    const { logger, lines } = capturingLogger()
    server.use(http.get(`${BASE}/v1/credits`, () => HttpResponse.json({ error: 'busy' }, { status: 503, headers: { 'retry-after-ms': '1' } })))
    await expect(client({ key: BAD_KEY, logger, maxRetries: 1 }).credits()).rejects.toBeInstanceOf(ApiError)
    expect(lines.map((line) => line.level)).toEqual(['warn', 'info'])
  })

  it('go to the console only when asked: silent by default', async () => {
    const consoleSpies = (['log', 'error', 'warn', 'info', 'debug'] as const).map((level) => vi.spyOn(console, level).mockImplementation(() => {}))
    server.use(http.get(`${BASE}/v1/credits`, () => HttpResponse.json({ error: 'busy' }, { status: 503, headers: { 'retry-after-ms': '1' } })))
    await expect(client({ key: BAD_KEY, maxRetries: 1 }).credits()).rejects.toBeInstanceOf(ApiError)
    for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled()

    client({ key: BAD_KEY, logLevel: 'warn' })
    expect(console.warn).toHaveBeenCalledOnce()
    expect(String(vi.mocked(console.warn).mock.calls[0])).not.toContain(BAD_KEY)
  })
})
