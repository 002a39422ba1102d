/**
 * The fake API as msw handlers, for tests that already use msw (an optional peer dependency).
 *
 * @module @videobgremover/sdk/testing/msw
 */
import { http, HttpResponse, type HttpHandler } from 'msw'
import { FakeConnectionDrop, type FakeApi } from './fake/index'

/**
 * msw handlers that serve every request to `baseUrl`'s origin (the API and the signed storage URLs the fake hands
 * out) from `fake`: `setupServer(...fakeApiHandlers(new FakeApi()))`. Its own subpath, `@videobgremover/sdk/testing/msw`,
 * so that only those who use msw need it installed.
 *
 * @param baseUrl the origin to intercept (default `https://api.videobgremover.com`, the client's default).
 */
export function fakeApiHandlers(fake: FakeApi, baseUrl = 'https://api.videobgremover.com'): HttpHandler[] {
  return [
    http.all(`${new URL(baseUrl).origin}/*`, async ({ request }) => {
      try {
        return await fake.handle(request)
      } catch (error) {
        if (error instanceof FakeConnectionDrop) return HttpResponse.error()
        throw error
      }
    }),
  ]
}
