import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, vi } from 'vitest'

/**
 * An msw server for the whole file: any request without a handler fails the test (or, with `'bypass'`, goes on to
 * the real network, e.g. a loopback server of the test's); handlers added with `server.use` and mocks are reset
 * after each test.
 */
export function useMswServer(unhandled: 'error' | 'bypass' = 'error') {
  const server = setupServer()
  beforeAll(() => server.listen({ onUnhandledRequest: unhandled }))
  afterEach(() => {
    server.resetHandlers()
    vi.restoreAllMocks()
  })
  afterAll(() => server.close())
  return server
}
