import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FakeApi, type FakeApiOptions } from '../testing/fake/api'
import { toNodeListener } from './listener'

/** Options of `startFakeServer`: those of `FakeApi`, plus the port. */
export interface FakeServerOptions extends FakeApiOptions {
  /** The port to listen on, on 127.0.0.1. Default 0: a free port the system picks (read it from `url`). */
  port?: number
}

/**
 * A running fake server. `await using server = await startFakeServer()` closes it at the end of the scope;
 * otherwise call `close()`.
 */
export interface FakeServer extends AsyncDisposable {
  /** Origin of the server, e.g. `http://127.0.0.1:43210`: use it as the client's `baseUrl`. */
  readonly url: string
  /** The fake behind the server: inject faults, read the `requests` ledger, set `credits`, inspect jobs. */
  readonly api: FakeApi
  /** Stops listening and drops every open connection; safe to call more than once. */
  close(): Promise<void>
}

/** Serves a `FakeApi` over real HTTP on 127.0.0.1. */
export async function startFakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const { port = 0, ...apiOptions } = options
  const api = new FakeApi(apiOptions)
  const server = createServer(toNodeListener((request) => api.handle(request)))
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
