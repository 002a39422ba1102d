/**
 * An offline fake of the whole API (and of the storage host) for your tests: `FakeApi`, its fault injection and
 * request ledger, and in Node `startFakeServer()`, a real HTTP server on 127.0.0.1.
 *
 * @module @videobgremover/sdk/testing
 */
export * from './index'
export { startFakeServer } from '../node/fake-server'
export type { FakeServer, FakeServerOptions } from '../node/fake-server'
