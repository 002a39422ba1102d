import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'

export type FetchHandler = (request: Request) => Promise<Response>

/**
 * Serves a web-standard `(Request) => Promise<Response>` handler from `node:http`: the request body streams in,
 * the response body streams out with backpressure, and the request's signal fires when the client goes away.
 * A handler that rejects, or a response body that errors, resets the connection.
 */
export function toNodeListener(handler: FetchHandler): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => void serve(handler, req, res)
}

async function serve(handler: FetchHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const clientGone = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) clientGone.abort()
  })
  try {
    const response = await handler(toRequest(req, clientGone.signal))
    const headers = Object.fromEntries(response.headers)
    if (!req.complete) headers.connection = 'close'
    res.writeHead(response.status, headers)
    if (response.body === null) res.end()
    else await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res)
  } catch {
    req.socket.destroy()
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
