export * from './index'
export { startFakeServer } from '../node/fake-server'
export type { FakeServer, FakeServerOptions } from '../node/fake-server'
