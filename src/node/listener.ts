import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { ValidationError } from '../errors'

/** A web-standard handler, as `createProxyHandler` makes and Hono, Next.js or a Worker take. */
export type FetchHandler = (request: Request) => Promise<Response>

/** Options of `toNodeListener`. */
export interface NodeListenerOptions {
  /**
   * The origin of every request URL the handler sees, e.g. `https://app.example.com` behind a reverse proxy.
   * Default: the address the connection came in on (`http://127.0.0.1:8787`; `https:` on a TLS server). Never the
   * `Host` header, which the caller chooses.
   */
  origin?: string
}

/**
 * Serves a web-standard `(Request) => Promise<Response>` handler from `node:http`. The request URL is the request
 * line's path on a fixed origin (`options.origin`, or the address the connection came in on), never built from the
 * `Host` header; a request target that is not a path (absolute-form `http://…`, `*`) gets a 400 without reaching
 * the handler. The request body streams in only as fast as the handler reads it, and a handler that stops reading
 * (cancels the body) leaves the rest unread and the connection closed after the answer. The response body streams
 * out with backpressure, and the request's signal fires when the client goes away. A handler that rejects, or a
 * response body that errors, resets the connection.
 *
 * @throws ValidationError when `options.origin` is not an http(s) URL.
 */
export function toNodeListener(
  handler: FetchHandler,
  options: NodeListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const origin = options.origin === undefined ? undefined : checkOrigin(options.origin)
  return (req, res) => void serve(handler, req, res, origin)
}

async function serve(handler: FetchHandler, req: IncomingMessage, res: ServerResponse, origin: string | undefined): Promise<void> {
  const target = req.url ?? ''
  // Origin-form only: an absolute-form target would name its own host, and `*` names no resource.
  if (!target.startsWith('/')) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('Bad request target')
    return
  }
  const clientGone = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) clientGone.abort()
  })
  try {
    // Concatenated, never resolved against a base: a target such as `//host/x` stays a path on this origin.
    const url = (origin ?? socketOrigin(req.socket)) + target
    const response = await handler(toRequest(req, url, clientGone.signal))
    const headers = Object.fromEntries(response.headers)
    if (!req.complete) headers.connection = 'close'
    res.writeHead(response.status, headers)
    if (response.body === null) res.end()
    else await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res)
  } catch {
    req.socket.destroy()
  }
}

function toRequest(req: IncomingMessage, url: string, signal: AbortSignal): Request {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const method = req.method ?? 'GET'
  const body = method === 'GET' || method === 'HEAD' ? null : bodyOf(req)
  const init: RequestInit & { duplex: 'half' } = { method, headers, body, signal, duplex: 'half' }
  return new Request(url, init)
}

/**
 * The request body as a web stream that reads from the socket only when the handler asks for a chunk (a queue
 * of none), so a sender cannot make the server hold more than a chunk the handler has not asked for. Cancelling
 * it stops reading and leaves the socket alone, so the handler's answer (a 413, say) can still be sent.
 */
function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.pause()
        req.on('data', (chunk: Buffer) => {
          if (settled) return
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
          if ((controller.desiredSize ?? 0) <= 0) req.pause()
        })
        req.once('end', () => {
          if (!settled) controller.close()
          settled = true
        })
        req.once('error', (error) => {
          if (!settled) controller.error(error)
          settled = true
        })
        // Closed before its end without an error: the body would otherwise never settle.
        req.once('close', () => {
          if (!settled) controller.error(new Error('The request closed before its body ended'))
          settled = true
        })
      },
      pull() {
        req.resume()
      },
      cancel() {
        settled = true
        req.pause()
      },
    },
    { highWaterMark: 0 },
  )
}

/** Where the connection came in: the server's own address and port, which the caller cannot choose. */
function socketOrigin(socket: Socket): string {
  const scheme = (socket as Socket & { encrypted?: boolean }).encrypted ? 'https' : 'http'
  const address = socket.localAddress?.split('%')[0] // an IPv6 zone (`%eth0`) has no place in a URL
  if (!address) return `${scheme}://localhost`
  const host = address.includes(':') ? `[${address}]` : address
  return `${scheme}://${host}:${socket.localPort}`
}

function checkOrigin(origin: string): string {
  let url: URL | undefined
  try {
    url = new URL(origin)
  } catch {
    url = undefined
  }
  if (!url || !/^https?:$/.test(url.protocol)) {
    const why = `origin must be an http(s) origin such as https://app.example.com, got ${JSON.stringify(origin)}`
    throw new ValidationError(why, 'origin')
  }
  return url.origin
}
