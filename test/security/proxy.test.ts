/**
 * The red-team findings against `createProxyHandler` and `toNodeListener`, one describe per finding, each
 * reproducing the attack (on a loopback server where the transport matters).
 */
import { once } from 'node:events'
import { createServer, request as httpRequest, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors'
import { createProxyHandler, toNodeListener, type ProxyHandler, type ProxyOptions, type ProxyRoute } from '../../src/node/proxy'
import { FAKE_API_KEY, startFakeServer } from '../../src/testing/node'

const KEY = FAKE_API_KEY
const KiB = 1024
const MiB = 1024 * KiB
const ALL_ROUTES = ['credits', 'createJob', 'startJob', 'status', 'deleteJob', 'webhookDeliveries'] as const
const JSON_TYPE = { 'content-type': 'application/json' }

const servers: Server[] = []
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    server.close()
  }
})

async function listen(server: Server): Promise<number> {
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

/** A stand-in for the API that records what reaches it and answers `answer()` (a created job by default). */
function upstreamRecorder(answer = () => Response.json({ id: 'J1', status: 'created' })) {
  const calls: Array<{ url: string; method: string; headers: Headers; body: string | undefined }> = []
  const fetch = async (url: string, init: RequestInit) => {
    calls.push({ url, method: init.method ?? 'GET', headers: new Headers(init.headers), body: init.body as string | undefined })
    return answer()
  }
  return { calls, fetch }
}

/** The handler over a recording upstream: open to anyone unless `options` says otherwise. */
function proxyWith(options: Partial<ProxyOptions> = {}, answer?: () => Response) {
  const upstream = upstreamRecorder(answer)
  const handler = createProxyHandler({ apiKey: KEY, allowAnonymous: true, fetch: upstream.fetch, ...options })
  return { handler, calls: upstream.calls }
}

const call = (handler: ProxyHandler, path: string, init: RequestInit = {}) => handler(new Request(`http://app.test/api${path}`, init))

/** Writes `text` on a fresh connection and returns everything the server sends until it closes the connection. */
async function raw(port: number, text: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  let answer = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => (answer += chunk))
  socket.on('error', () => {})
  socket.write(text)
  await once(socket, 'close')
  return answer
}

describe('finding 1: open by default, and no way to check whose job is asked for', () => {
  it('refuses to be built without authorize, naming authorize and allowAnonymous', () => {
    let thrown: unknown
    try {
      createProxyHandler({ apiKey: KEY })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ValidationError)
    expect((thrown as Error).message).toMatch(/authorize/)
    expect((thrown as Error).message).toMatch(/allowAnonymous: true/)
    expect(() => createProxyHandler({ apiKey: KEY, allowAnonymous: true })).not.toThrow()
  })

  it('forwards only createJob, startJob and status by default: the rest is a 404, authorize not even asked', async () => {
    const asked: ProxyRoute[] = []
    const { handler, calls } = proxyWith({ authorize: (_, route) => (asked.push(route), true) })
    const refused = [
      ['GET', '/v1/credits'],
      ['DELETE', '/v1/jobs/J1'],
      ['GET', '/v1/webhooks/deliveries?video_id=J1'],
    ] as const
    for (const [method, path] of refused) expect((await call(handler, path, { method })).status, path).toBe(404)
    expect(asked).toEqual([])
    expect(calls).toEqual([])

    expect((await call(handler, '/v1/jobs', { method: 'POST', headers: JSON_TYPE, body: '{}' })).status).toBe(200)
    expect((await call(handler, '/v1/jobs/J1/start', { method: 'POST', headers: JSON_TYPE, body: '{}' })).status).toBe(200)
    expect((await call(handler, '/v1/jobs/J1/status')).status).toBe(200)
    expect(calls.map((entry) => `${entry.method} ${new URL(entry.url).pathname}`)).toEqual([
      'POST /v1/jobs',
      'POST /v1/jobs/J1/start',
      'GET /v1/jobs/J1/status',
    ])
  })

  it('refuses an unknown name in routes when built, rather than refusing the route silently later', () => {
    const typo = () => createProxyHandler({ apiKey: KEY, allowAnonymous: true, routes: ['status', 'jobStatus' as never] })
    expect(typo).toThrow(ValidationError)
  })

  it('authorize sees each call as a route: method, endpoint and the job id, the deliveries query included', async () => {
    const asked: ProxyRoute[] = []
    const { handler } = proxyWith({ routes: ALL_ROUTES, authorize: (_, route) => (asked.push(route), true) })
    await call(handler, '/v1/credits')
    await call(handler, '/v1/jobs', { method: 'POST', headers: JSON_TYPE, body: '{}' })
    await call(handler, '/v1/jobs/J1/start', { method: 'POST', headers: JSON_TYPE, body: '{}' })
    await call(handler, '/v1/jobs/J1/status')
    await call(handler, '/v1/jobs/J1', { method: 'DELETE' })
    await call(handler, '/v1/webhooks/deliveries?video_id=J1')
    expect(asked).toEqual([
      { method: 'GET', endpoint: 'credits' },
      { method: 'POST', endpoint: 'createJob' },
      { method: 'POST', endpoint: 'startJob', jobId: 'J1' },
      { method: 'GET', endpoint: 'status', jobId: 'J1' },
      { method: 'DELETE', endpoint: 'deleteJob', jobId: 'J1' },
      { method: 'GET', endpoint: 'webhookDeliveries', jobId: 'J1' },
    ])
  })

  it("with the README's ownership recipe, user B given user A's job id can neither read, start, delete nor list it", async () => {
    await using fake = await startFakeServer()
    // The README's recipe; `x-user` stands for your session check.
    const userOf = (request: Request) => request.headers.get('x-user') ?? undefined
    const owners = new Map<string, string>()
    const forward = createProxyHandler({
      apiKey: KEY,
      baseUrl: fake.url,
      routes: ['createJob', 'startJob', 'status', 'deleteJob', 'webhookDeliveries'],
      authorize: (request, route) => {
        const user = userOf(request)
        if (!user) return false
        return route.jobId === undefined || owners.get(route.jobId) === user
      },
    })
    const handler = async (request: Request) => {
      const response = await forward(request)
      if (response.ok && request.method === 'POST' && new URL(request.url).pathname.endsWith('/v1/jobs')) {
        const { id } = (await response.clone().json()) as { id: string }
        owners.set(id, userOf(request)!)
      }
      return response
    }
    const base = `http://127.0.0.1:${await listen(createServer(toNodeListener(handler)))}/api`
    const as = (user: string, path: string, init: RequestInit = {}) =>
      fetch(base + path, { ...init, headers: { ...init.headers, 'x-user': user } }).then((response) => response.status)

    const created = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { ...JSON_TYPE, 'x-user': 'alice' },
      body: JSON.stringify({ filename: 'a.mp4', content_type: 'video/mp4' }),
    })
    const { id } = (await created.json()) as { id: string }

    expect(await as('bob', `/v1/jobs/${id}/status`)).toBe(403)
    expect(await as('bob', `/v1/jobs/${id}/start`, { method: 'POST', headers: JSON_TYPE, body: '{}' })).toBe(403)
    expect(await as('bob', `/v1/webhooks/deliveries?video_id=${id}`)).toBe(403)
    expect(await as('bob', `/v1/jobs/${id}`, { method: 'DELETE' })).toBe(403)
    expect((await fetch(`${base}/v1/jobs/${id}/status`)).status).toBe(403) // signed out
    expect(fake.api.requests.map((entry) => entry.endpoint)).toEqual(['createJob'])

    expect(await as('alice', `/v1/jobs/${id}/status`)).toBe(200)
    expect(await as('alice', `/v1/jobs/${id}`, { method: 'DELETE' })).toBe(200)
    expect(fake.api.requests.map((entry) => entry.endpoint)).toEqual(['createJob', 'status', 'deleteJob'])
  })
})

describe('finding 2: the body cap was checked after the whole body was in memory', () => {
  it('a Content-Length over maxBodyBytes is a 413 before one byte of the body is read', async () => {
    let pulled = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1
        controller.enqueue(new Uint8Array(MiB).fill(0x20))
        if (pulled === 8) controller.close()
      },
    })
    const { handler, calls } = proxyWith()
    const headers = { ...JSON_TYPE, 'content-length': String(400 * MiB) }
    const response = await call(handler, '/v1/jobs', { method: 'POST', headers, body, duplex: 'half' } as RequestInit)
    expect(response.status).toBe(413)
    expect(pulled).toBeLessThanOrEqual(1) // a stream asks for its first chunk when it is made; the proxy read none
    expect(calls).toEqual([])
  })

  it('over node:http, a declared 400 MiB body is answered 413 at once, without waiting for the body', async () => {
    const { handler, calls } = proxyWith()
    const port = await listen(createServer(toNodeListener(handler)))
    const head = `POST /api/v1/jobs HTTP/1.1\r\nHost: app.test\r\nContent-Type: application/json\r\nContent-Length: ${400 * MiB}\r\n\r\n`
    const answer = await raw(port, head)
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(calls).toEqual([])
  })

  it('a body without a length is refused as soon as it passes maxBodyBytes, the rest never read', async () => {
    let pulled = 0
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled += KiB
          controller.enqueue(new Uint8Array(KiB).fill(0x20))
          if (pulled === 64 * MiB) controller.close()
        },
      },
      { highWaterMark: 0 },
    )
    const { handler, calls } = proxyWith({ maxBodyBytes: 10 * KiB })
    const response = await call(handler, '/v1/jobs', { method: 'POST', headers: JSON_TYPE, body, duplex: 'half' } as RequestInit)
    expect(response.status).toBe(413)
    expect(pulled).toBeLessThanOrEqual(11 * KiB)
    expect(calls).toEqual([])
  })

  it('a 400 MiB chunked POST over node:http is cut after about maxBodyBytes: the server reads under 1 MiB', async () => {
    const { handler, calls } = proxyWith()
    const server = createServer(toNodeListener(handler))
    const closed: Array<Promise<Socket>> = []
    server.on('connection', (socket: Socket) => closed.push(once(socket, 'close').then(() => socket)))
    const port = await listen(server)

    const total = 400 * MiB
    const chunk = Buffer.alloc(64 * KiB, 0x20) // JSON whitespace: nothing to refuse until the size
    let sent = 0
    const body = new Readable({
      read() {
        if (sent >= total) return void this.push(null)
        sent += chunk.byteLength
        this.push(chunk)
      },
    })
    const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/jobs', headers: JSON_TYPE })
    const outcome = new Promise<number | string>((resolve) => {
      request.once('response', (response) => {
        resolve(response.statusCode!)
        response.resume()
      })
      request.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    })
    body.pipe(request)
    // The server answers 413 and closes; the client, still sending, may see the reset before it reads the answer.
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(await outcome)
    body.unpipe(request)
    request.destroy()
    const [socket] = await Promise.all(closed)
    expect(calls).toEqual([])
    expect(socket!.bytesRead).toBeLessThan(MiB)
    expect(sent).toBeLessThan(total)
  })
})

describe('finding 3: toNodeListener built the request URL from the Host header', () => {
  it('a Host header cannot carry a request past a path rule to another API route', async () => {
    const { handler, calls } = proxyWith({ routes: ALL_ROUTES })
    const seen: string[] = []
    const listener = toNodeListener(async (request) => (seen.push(request.url), handler(request)))
    // A path rule in front of the proxy, on the request line as a reverse proxy sees it: no webhook deliveries.
    const front = createServer((req, res) => {
      if (req.url!.includes('/webhooks/')) res.writeHead(403).end()
      else listener(req, res)
    })
    const port = await listen(front)
    const answer = await raw(port, 'GET /api/x HTTP/1.1\r\nHost: h/v1/webhooks/deliveries?video_id=J1#\r\nConnection: close\r\n\r\n')
    expect(answer).toMatch(/^HTTP\/1\.1 404 /)
    expect(seen).toEqual([`http://127.0.0.1:${port}/api/x`])
    expect(calls).toEqual([])
  })

  it.each([
    ['an absolute-form target', 'GET http://h/api/v1/jobs/J1/status HTTP/1.1'],
    ['an asterisk target', 'OPTIONS * HTTP/1.1'],
  ])('%s gets a 400 and never reaches the handler', async (_, line) => {
    const seen: string[] = []
    const port = await listen(createServer(toNodeListener(async (request) => (seen.push(request.url), new Response('reached')))))
    const answer = await raw(port, `${line}\r\nHost: h\r\nConnection: close\r\n\r\n`)
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(seen).toEqual([])
  })
})

describe('finding 4: cross-site requests were forwarded with the key', () => {
  const job = JSON.stringify({ filename: 'a.mp4', content_type: 'video/mp4' })

  it('a text/plain POST, which a browser sends cross-site without a preflight, is a 415 and is not forwarded', async () => {
    const { handler, calls } = proxyWith()
    const simple = ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']
    for (const type of simple) {
      const response = await call(handler, '/v1/jobs', { method: 'POST', headers: { 'content-type': type }, body: job })
      expect(response.status, type).toBe(415)
    }
    expect((await call(handler, '/v1/jobs', { method: 'POST', body: job })).status).toBe(415) // no type at all
    expect(calls).toEqual([])
  })

  it('forwards the JSON it parsed, written again: never the bytes as sent', async () => {
    const { handler, calls } = proxyWith()
    const sent = '{ "filename" : "a.mp4",\n "content_type": "video/mp4", "filename": "b.mp4" }'
    const headers = { 'content-type': 'application/json; charset=utf-8' }
    expect((await call(handler, '/v1/jobs', { method: 'POST', headers, body: sent })).status).toBe(200)
    expect(calls[0]!.body).toBe('{"filename":"b.mp4","content_type":"video/mp4"}')
    expect(calls[0]!.headers.get('content-type')).toBe('application/json')
    for (const bad of ['not json', '[1]', '"text"', '{"a":1} trailing']) {
      expect((await call(handler, '/v1/jobs', { method: 'POST', headers: JSON_TYPE, body: bad })).status, bad).toBe(400)
    }
    const invalidUtf8 = new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])
    expect((await call(handler, '/v1/jobs', { method: 'POST', headers: JSON_TYPE, body: invalidUtf8 })).status).toBe(400)
    expect(calls).toHaveLength(1)
  })

  it('allowedOrigins: a listed Origin or none passes; any other Origin, "null" included, is a 403', async () => {
    const { handler, calls } = proxyWith({ allowedOrigins: ['https://app.example/'] })
    const post = async (origin?: string) => {
      const headers = { ...JSON_TYPE, ...(origin ? { origin } : {}) }
      return (await call(handler, '/v1/jobs', { method: 'POST', headers, body: job })).status
    }
    expect(await post('https://evil.example')).toBe(403)
    expect(await post('null')).toBe(403)
    expect(await post('https://app.example.evil.example')).toBe(403)
    expect(calls).toEqual([])
    expect(await post('https://app.example')).toBe(200)
    expect(await post()).toBe(200)
    expect(() => createProxyHandler({ apiKey: KEY, allowAnonymous: true, allowedOrigins: ['app.example'] })).toThrow(ValidationError)
  })
})

describe('finding 5: an API answer echoing the key reached the browser', () => {
  it('replaces the key wherever a JSON answer holds it: values, names, deep, \\u-escaped, and in headers', async () => {
    const escaped = KEY.split('')
      .map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join('')
    let deep = `{"k":"${KEY}"}`
    for (let level = 0; level < 20; level++) deep = `{"d":${deep}}`
    const echo = `{"error":"Invalid API key ${KEY}","escaped":"${escaped}","${KEY}":1,"list":["x${KEY}y"],"deep":${deep}}`
    const headers = { ...JSON_TYPE, 'x-request-id': `req-${KEY}` }
    const { handler } = proxyWith({}, () => new Response(echo, { status: 401, headers }))
    const response = await call(handler, '/v1/jobs/J1/status')
    const text = await response.text()
    expect(response.status).toBe(401)
    expect(text).not.toContain(KEY)
    expect(JSON.stringify(JSON.parse(text))).not.toContain(KEY)
    expect(text.toLowerCase()).not.toContain(escaped.slice(0, 12).toLowerCase())
    expect(JSON.parse(text)).toMatchObject({ error: 'Invalid API key [redacted]', escaped: '[redacted]', '[redacted]': 1 })
    expect(response.headers.get('x-request-id')).toBe('req-[redacted]')
  })

  it('redacts a non-JSON answer as text and serves it as text/plain, never as a page of your origin', async () => {
    const page = `<html>key ${KEY}</html>`
    const { handler } = proxyWith({}, () => new Response(page, { status: 500, headers: { 'content-type': 'text/html' } }))
    const response = await call(handler, '/v1/jobs/J1/status')
    expect(response.status).toBe(500)
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await response.text()).toBe('<html>key [redacted]</html>')
  })

  it('an answer over 1 MiB is a 502, read no further than the cap', async () => {
    let pulled = 0
    const answer = () =>
      new Response(
        new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              pulled += 64 * KiB
              controller.enqueue(new TextEncoder().encode(KEY.padEnd(64 * KiB, ' ')))
              if (pulled === 64 * MiB) controller.close()
            },
          },
          { highWaterMark: 0 },
        ),
        { headers: JSON_TYPE },
      )
    const { handler } = proxyWith({}, answer)
    const response = await call(handler, '/v1/jobs/J1/status')
    expect(response.status).toBe(502)
    expect(await response.text()).not.toContain(KEY)
    expect(pulled).toBeLessThanOrEqual(MiB + 64 * KiB)
  })
})
