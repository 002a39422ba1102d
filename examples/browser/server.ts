/**
 * A tiny local server for the browser example:
 *   GET /          the page (index.html + app.js)
 *   GET /sdk.js    an ESM bundle of the SDK's browser build, made on the fly with esbuild
 *   /api/v1/*      the SDK's keyless proxy (createProxyHandler): forwards the SDK's calls and adds the key, which
 *                  never reaches the page
 *   /v1/*, /storage/*   offline only: the fake API itself, on this same origin, so its signed upload and result
 *                  URLs need no CORS
 *
 *   npx tsx examples/browser/server.ts        then open the printed address (PORT to change it; 0 picks one)
 *
 * Without VIDEOBGREMOVER_API_KEY the API is the offline fake. With the key set, calls go to the real API, and
 * the browser uploads straight to the signed storage URL, which works only if the bucket allows CORS.
 * In production this proxy is your backend: authenticate your users there and check that each job is theirs (the
 * `authorize` option) instead of `allowAnonymous`.
 */
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { createProxyHandler, toNodeListener, type ProxyHandler } from '@videobgremover/sdk/proxy'
import { FAKE_API_KEY, FakeApi } from '@videobgremover/sdk/testing'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const realKey = process.env.VIDEOBGREMOVER_API_KEY
const fake = realKey ? undefined : new FakeApi({ processingMs: 3_000, videoLengthSeconds: 4 })

// The SDK's browser build, as your bundler makes it from `import { … } from '@videobgremover/sdk'`.
const { outputFiles } = await build({
  entryPoints: [here('../../src/browser.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  write: false,
  logLevel: 'silent',
})
const sdkBundle = outputFiles[0]!.contents as Uint8Array<ArrayBuffer>

const files: Record<string, [type: string, body: () => Promise<Uint8Array<ArrayBuffer>>]> = {
  '/': ['text/html; charset=utf-8', () => readFile(here('./index.html'))],
  '/app.js': ['text/javascript; charset=utf-8', () => readFile(here('./app.js'))],
  '/sdk.js': ['text/javascript; charset=utf-8', async () => sdkBundle],
}

let proxy: ProxyHandler
const server = createServer(
  toNodeListener(async (request) => {
    const { pathname } = new URL(request.url)
    const file = request.method === 'GET' ? files[pathname] : undefined
    if (file) return new Response(await file[1](), { headers: { 'content-type': file[0], 'cache-control': 'no-store' } })
    if (pathname.startsWith('/api/')) return proxy(request)
    if (fake && /^\/(v1|storage)\//.test(pathname)) return fake.handle(request)
    return new Response('Not found', { status: 404 })
  }),
)

server.listen(Number(process.env.PORT ?? 8787), '127.0.0.1') // loopback only: the proxy adds a key
server.once('listening', () => {
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  proxy = createProxyHandler({
    ...(fake ? { apiKey: FAKE_API_KEY, baseUrl: origin } : { apiKey: realKey, baseUrl: process.env.VIDEOBGREMOVER_BASE_URL }),
    // A demo on loopback has no users to sign in, so it forwards for anyone who can reach it. Your backend passes
    // `authorize: (request, route) => …` instead: who is calling, and is route.jobId their job (see the README).
    allowAnonymous: true,
    routes: ['credits', 'createJob', 'startJob', 'status'], // removeBackground's calls, and the page shows the balance
    allowedOrigins: [origin],
  })
  console.log(fake ? `Using the offline fake API, served by this server at ${origin}` : 'Proxying to the real API')
  console.log(`SDK bundle: ${(sdkBundle.byteLength / 1024).toFixed(1)} KB (minified)`)
  console.log(`Open ${origin}/ (Ctrl-C to stop)`)
})

function stop(): void {
  server.closeAllConnections()
  server.close()
  console.log('Stopped.')
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
