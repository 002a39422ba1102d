import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { FakeApi, FakeConnectionDrop, type FakeApiOptions } from '../testing/fake-api'

export interface FakeServerOptions extends FakeApiOptions {
  port?: number
}

export interface FakeServer extends AsyncDisposable {
  /** Origin of the server, e.g. `http://127.0.0.1:43210`: use it as the client's `baseUrl`. */
  readonly url: string
  readonly api: FakeApi
  /** Stops listening and drops every open connection; safe to call more than once. */
  close(): Promise<void>
}

/** Serves a `FakeApi` over real HTTP on 127.0.0.1. */
export async function startFakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const { port = 0, ...apiOptions } = options
  const api = new FakeApi(apiOptions)
  const server = createServer((req, res) => void serve(api, req, res))
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()))
      server.closeAllConnections()
    }))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    api,
    close,
    [Symbol.asyncDispose]: close,
  }
}

async function serve(api: FakeApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const clientGone = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) clientGone.abort()
  })
  try {
    const response = await api.handle(toRequest(req, clientGone.signal))
    const headers = Object.fromEntries(response.headers)
    if (!req.complete) headers.connection = 'close'
    res.writeHead(response.status, headers)
    if (response.body === null) res.end()
    else await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res)
  } catch (error) {
    if (error instanceof FakeConnectionDrop || res.headersSent || clientGone.signal.aborted) req.socket.destroy()
    else res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(error))
  }
}

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const method = req.method ?? 'GET'
  const body = method === 'GET' || method === 'HEAD' ? null : (Readable.toWeb(req) as ReadableStream<Uint8Array>)
  const init: RequestInit & { duplex: 'half' } = { method, headers, body, signal, duplex: 'half' }
  return new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, init)
}
