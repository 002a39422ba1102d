import { startFakeServer, type FakeEndpoint, type FakeServer, type FakeServerOptions } from '../../src/testing/node'

/** The requests `server` saw for `endpoint`, in order. */
export const seen = (server: FakeServer, endpoint: FakeEndpoint) => server.api.requests.filter((entry) => entry.endpoint === endpoint)

/** A fake whose clock stands still until `advance(ms)`: a job processes exactly as long as the test says. */
export async function steppedFake(options: FakeServerOptions = {}) {
  let clock = Date.now()
  const server = await startFakeServer({ now: () => clock, processingMs: 1_000, ...options })
  return { server, advance: (ms: number) => (clock += ms) }
}
