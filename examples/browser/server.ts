/**
 * A tiny local server for the browser example:
 *   GET /          the page (index.html + app.js)
 *   GET /sdk.js    an ESM bundle of the SDK's browser build, made on the fly with esbuild
 *   /api/v1/*      a keyless proxy: forwards the SDK's calls to the API and adds the key, which never reaches the page
 *   /storage/*     offline only: the fake API's storage host (signed upload and result URLs point here)
 *
 *   npx tsx examples/browser/server.ts        then open the printed address (PORT to change it; 0 picks one)
 *
 * Without VIDEOBGREMOVER_API_KEY the API is the offline fake. With the key set, calls go to the real API, and
 * the browser uploads straight to the signed storage URL, which works only if the bucket allows CORS.
 * In production this proxy is your backend: authenticate your users there, and forward only what they need.
 */
import { readFile } from 'node:fs/promises'
import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { FAKE_API_KEY, startFakeServer } from '@videobgremover/sdk/testing'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const realKey = process.env.VIDEOBGREMOVER_API_KEY
const fake = realKey ? undefined : await startFakeServer({ processingMs: 3_000, videoLengthSeconds: 4 })
const upstream = new URL(fake?.url ?? process.env.VIDEOBGREMOVER_BASE_URL ?? 'https://api.videobgremover.com')
const apiKey = realKey ?? FAKE_API_KEY

// The SDK's isomorphic entry (no node: imports), bundled for the browser. In your app, your bundler does this
// from `import { … } from '@videobgremover/sdk'`.
const { outputFiles } = await build({
  entryPoints: [here('../../src/index.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  write: false,
  logLevel: 'silent',
})
const sdkBundle = outputFiles[0]!.contents

/** The API calls the page may make; anything else is refused rather than signed with our key. */
const ALLOWED_API_PATH = /^\/v1\/(credits|jobs|jobs\/[\w.~-]+(\/start|\/status)?|webhooks\/deliveries)$/

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  try {
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
      return send(res, 200, 'text/html; charset=utf-8', await readFile(here('./index.html')))
    }
    if (req.method === 'GET' && url.pathname === '/app.js') {
      return send(res, 200, 'text/javascript; charset=utf-8', await readFile(here('./app.js')))
    }
    if (req.method === 'GET' && url.pathname === '/sdk.js') return send(res, 200, 'text/javascript; charset=utf-8', sdkBundle)
    if (url.pathname.startsWith('/api/')) {
      const path = url.pathname.slice('/api'.length)
      if (!ALLOWED_API_PATH.test(path)) return send(res, 403, 'application/json', JSON.stringify({ error: 'Not allowed by the proxy' }))
      const target = new URL(upstream.pathname.replace(/\/$/, '') + path + url.search, upstream)
      return forward(req, res, target, { 'x-api-key': apiKey })
    }
    if (fake && url.pathname.startsWith('/storage/')) return forward(req, res, new URL(url.pathname + url.search, upstream), {})
    send(res, 404, 'text/plain', 'Not found')
  } catch (error) {
    send(res, 500, 'text/plain', String(error))
  }
})

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body)
}

/** Streams the request to `target` with only the headers it needs, and the answer back. */
function forward(req: IncomingMessage, res: ServerResponse, target: URL, extra: OutgoingHttpHeaders): void {
  const headers: OutgoingHttpHeaders = { ...extra, accept: req.headers.accept ?? '*/*' }
  for (const name of ['content-type', 'content-length'] as const) if (req.headers[name]) headers[name] = req.headers[name]
  // Offline, the fake builds its signed URLs from the Host header: keep ours so they point back at this server.
  if (fake) headers.host = req.headers.host
  const open = target.protocol === 'https:' ? httpsRequest : httpRequest
  const outgoing = open(target, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers)
    answer.pipe(res)
  })
  outgoing.on('error', () => {
    if (res.headersSent) res.destroy()
    else send(res, 502, 'application/json', JSON.stringify({ error: 'The API could not be reached' }))
  })
  req.pipe(outgoing)
}

server.listen(Number(process.env.PORT ?? 8787), '127.0.0.1') // loopback only: the proxy adds a key
server.once('listening', () => {
  const { port } = server.address() as AddressInfo
  console.log(fake ? `Using the offline fake API at ${fake.url}` : `Proxying to the real API at ${upstream.origin}`)
  console.log(`SDK bundle: ${(sdkBundle.byteLength / 1024).toFixed(1)} KB (minified)`)
  console.log(`Open http://127.0.0.1:${port}/ (Ctrl-C to stop)`)
})

async function stop(): Promise<void> {
  server.closeAllConnections()
  server.close()
  await fake?.close()
  console.log('Stopped.')
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
