import { once } from 'node:events'
import { createServer, request as httpRequest, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionError, Video, VideoBGRemoverClient } from '../../src/node/index'
import { createProxyHandler, toNodeListener, type ProxyOptions } from '../../src/node/proxy'
import { FAKE_API_KEY, startFakeServer, type FakeServer } from '../../src/testing/node'

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    server.close()
  }
})

async function listen(server: Server): Promise<string> {
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/**
 * `createProxyHandler` served by Node at `<origin>/api`, forwarding to the fake API. Open to anyone and on every
 * route, so that these tests see forwarding itself; the secure defaults have their own tests in test/security.
 */
async function proxyFor(fake: FakeServer, options: Partial<ProxyOptions> = {}): Promise<string> {
  const routes = ['credits', 'createJob', 'startJob', 'status', 'deleteJob', 'webhookDeliveries'] as const
  const handler = createProxyHandler({ apiKey: FAKE_API_KEY, baseUrl: fake.url, allowAnonymous: true, routes, ...options })
  return `${await listen(createServer(toNodeListener(handler)))}/api`
}

const send = (url: string, init?: RequestInit) => fetch(url, init).then(async (r) => ({ status: r.status, body: await r.text() }))

describe('createProxyHandler', () => {
  it('lets a client without a key run removeBackground end to end, adding the key to API calls only', async () => {
    await using fake = await startFakeServer()
    const client = new VideoBGRemoverClient(undefined, { baseUrl: await proxyFor(fake) })
    const data = new Uint8Array(50_000).fill(7)

    const foreground = await Video.open(data, { filename: 'clip.mp4' }).removeBackground({ client, pollSeconds: 0.01 })

    expect(new Uint8Array(await foreground.arrayBuffer()).byteLength).toBeGreaterThan(0)
    const api = fake.api.requests.filter((entry) => !['upload', 'download'].includes(entry.endpoint))
    const storage = fake.api.requests.filter((entry) => ['upload', 'download'].includes(entry.endpoint))
    expect(api.map((entry) => entry.endpoint)).toEqual(['createJob', 'startJob', 'status'])
    expect(api.every((entry) => entry.headers['x-api-key'] === FAKE_API_KEY)).toBe(true)
    expect(storage.map((entry) => entry.headers['x-api-key'])).toEqual([undefined, undefined])
  })

  it.each([
    ['a path outside the API', 'GET', '/api/v1/admin'],
    ['the storage host', 'PUT', '/api/storage/upload/x'],
    ['a wrong method', 'POST', '/api/v1/credits'],
    ['a job id that escapes its segment', 'GET', '/api/v1/jobs/a%2F..%2Fcredits/status'],
    ['a path without /v1/', 'GET', '/api/credits'],
  ])('refuses %s with a 404 and forwards nothing', async (_, method, path) => {
    await using fake = await startFakeServer()
    const origin = new URL(await proxyFor(fake)).origin
    const response = await send(origin + path, { method, body: method === 'GET' ? undefined : '{}' })
    expect(response.status).toBe(404)
    expect(fake.api.requests).toEqual([])
  })

  it('forwards the query of the deliveries call and the rate-limit headers, and no caller headers', async () => {
    await using fake = await startFakeServer({ rateLimit: {} })
    const base = await proxyFor(fake)
    const response = await fetch(`${base}/v1/webhooks/deliveries?video_id=abc&extra=1`, {
      headers: { cookie: 'session=1', authorization: 'Bearer x' },
    })
    expect(response.status).toBe(404)
    expect(response.headers.get('x-ratelimit-limit')).toBe('100')
    const [entry] = fake.api.requests
    expect(new URL(entry!.url).search).toBe('?video_id=abc')
    expect(entry!.headers.cookie).toBeUndefined()
    expect(entry!.headers.authorization).toBeUndefined()
  })

  it('asks authorize() first: false is a 403, a Response is returned as it is', async () => {
    await using fake = await startFakeServer()
    const refused = await proxyFor(fake, { authorize: () => false })
    const custom = await proxyFor(fake, {
      authorize: (request) => request.headers.get('x-user') === 'ok' || new Response('sign in', { status: 401 }),
    })
    expect(await send(`${refused}/v1/credits`)).toEqual({ status: 403, body: '{"error":"Not authorized"}' })
    expect(await send(`${custom}/v1/credits`)).toEqual({ status: 401, body: 'sign in' })
    expect(fake.api.requests).toEqual([])
    expect((await send(`${custom}/v1/credits`, { headers: { 'x-user': 'ok' } })).status).toBe(200)
  })

  it('refuses an oversize body with a 413 and answers 502 when the API is unreachable', async () => {
    await using fake = await startFakeServer()
    const base = await proxyFor(fake, { maxBodyBytes: 10 })
    expect((await send(`${base}/v1/jobs`, { method: 'POST', body: JSON.stringify({ filename: 'long-name.mp4' }) })).status).toBe(413)
    expect(fake.api.requests).toEqual([])
    const unreachable = await proxyFor(fake, { baseUrl: 'http://127.0.0.1:1' })
    expect((await send(`${unreachable}/v1/credits`)).status).toBe(502)
  })

  it('needs a key', () => {
    expect(() => createProxyHandler({ apiKey: ' ' })).toThrow(/apiKey/)
  })
})

describe('toNodeListener', () => {
  it('gives the handler the path of the request line on the address the connection came in on, or on `origin`', async () => {
    const seen: string[] = []
    const handler = async (request: Request) => (seen.push(request.url), new Response('ok'))
    const plain = await listen(createServer(toNodeListener(handler)))
    const behindProxy = await listen(createServer(toNodeListener(handler, { origin: 'https://app.example/ignored' })))
    await fetch(`${plain}/api/v1/credits?x=1`, { headers: { host: 'elsewhere.example' } })
    await fetch(`${behindProxy}/api/v1/credits`)
    expect(seen).toEqual([`${plain}/api/v1/credits?x=1`, 'https://app.example/api/v1/credits'])
    expect(() => toNodeListener(handler, { origin: 'app.example' })).toThrow(/origin/)
  })
})

describe('proxies from the environment', () => {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
  })

  /** An HTTP proxy on loopback that tunnels CONNECT and records each target. */
  async function startProxy(): Promise<{ url: string; targets: string[] }> {
    const targets: string[] = []
    const proxy = createServer((req, res) => {
      targets.push(req.url ?? '')
      const upstream = httpRequest(req.url!, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers)
        answer.pipe(res)
      })
      req.pipe(upstream)
    })
    proxy.on('connect', (req, socket, head) => {
      targets.push(req.url!)
      const [host, port] = req.url!.split(':')
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.write(head)
        upstream.pipe(socket).pipe(upstream)
      })
      upstream.on('error', () => socket.destroy())
      socket.on('error', () => upstream.destroy())
    })
    return { url: await listen(proxy), targets }
  }

  it('HTTP_PROXY carries API and storage calls to an http host', async () => {
    await using fake = await startFakeServer()
    const proxy = await startProxy()
    process.env.HTTP_PROXY = proxy.url
    const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: fake.url })

    await Video.open(new Uint8Array(1000).fill(1), { filename: 'clip.mp4' }).removeBackground({ client, pollSeconds: 0.01 })

    expect(proxy.targets.length).toBeGreaterThan(0)
    expect(new Set(proxy.targets)).toEqual(new Set([new URL(fake.url).host]))
  })

  it('HTTPS_PROXY carries calls to an https host (the tunnel is asked for; TLS is not the point here)', async () => {
    await using fake = await startFakeServer()
    const proxy = await startProxy()
    process.env.HTTPS_PROXY = proxy.url
    const apiHost = new URL(fake.url).host
    const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: `https://${apiHost}`, maxRetries: 0 })
    await expect(client.credits()).rejects.toBeInstanceOf(ConnectionError)
    expect(proxy.targets).toEqual([apiHost])
  })

  it('NO_PROXY sends matching hosts direct', async () => {
    await using fake = await startFakeServer()
    const proxy = await startProxy()
    process.env.HTTP_PROXY = proxy.url
    process.env.NO_PROXY = '127.0.0.1'
    await new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: fake.url }).credits()
    expect(proxy.targets).toEqual([])
    expect(fake.api.requests).toHaveLength(1)
  })

  it('without proxy variables, requests go direct', async () => {
    await using fake = await startFakeServer()
    const proxy = await startProxy()
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete process.env[name]
    await new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: fake.url }).credits()
    expect(proxy.targets).toEqual([])
  })
})
