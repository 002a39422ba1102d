import type { HttpHandler } from 'msw'
import { FakeConnectionDrop, type FakeApi } from './fake/index'

/** msw handlers that serve every request to `baseUrl`'s origin (API and signed storage URLs) from `fake`. */
export async function fakeApiHandlers(fake: FakeApi, baseUrl = 'https://api.videobgremover.com'): Promise<HttpHandler[]> {
  const { http, HttpResponse } = await import('msw')
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
