// One read of a job's status, made by this SDK, by raw fetch and by each peer's generic GET, against one minimal
// node:http server in a child process (so its CPU is charged to none of them).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { VideoBGRemoverClient } from '../src/node/index'
import { FAKE_API_KEY } from '../src/testing/index'
import type { PeerName, Peers } from './peers'

export const JOB_ID = '3f2c9a1e-5b7d-4e0f-9c6a-2d8b1e4f7a90'
/** The server answers this job's status with a 200 whose JSON is not a job status: who notices? */
export const MALFORMED_JOB_ID = '00000000-0000-4000-8000-000000000000'

// A completed job's status, as the API sends it (about 1.5 KB with its signed URLs).
const signed = (file: string) =>
  `https://storage.googleapis.com/vbr-results/${JOB_ID}/${file}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Expires=3600&X-Goog-Signature=${'ab12'.repeat(32)}`
export const STATUS_BODY = JSON.stringify({
  id: JOB_ID,
  status: 'completed',
  filename: 'interview.mp4',
  created_at: '2026-01-01T00:00:00.000Z',
  length_seconds: 12,
  message: 'Video processed successfully',
  background: { type: 'transparent', transparent_format: 'webm_vp9' },
  output_format: 'webm_vp9',
  processed_video_url: signed('video.webm'),
  processed_mask_url: signed('mask.mp4'),
  thumbnail_url: signed('thumbnail.jpg'),
  transparent_thumbnail_url: signed('transparent_thumbnail.png'),
})
const MALFORMED_BODY = JSON.stringify({ id: 42, status: ['completed'], created_at: false })

const serverSource = `
const body = Buffer.from(process.env.STATUS_BODY)
const malformed = Buffer.from(process.env.MALFORMED_BODY)
const server = require('node:http').createServer((req, res) => {
  req.resume()
  const sent = req.url.includes(process.env.MALFORMED_JOB_ID) ? malformed : body
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': sent.length })
  res.end(sent)
})
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port))
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))`

/** Starts the status server in a child process; resolves to its origin and a stop function. */
export async function statusServer() {
  const child = spawn(process.execPath, ['-e', serverSource], {
    env: { ...process.env, STATUS_BODY, MALFORMED_BODY, MALFORMED_JOB_ID },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const [origin] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
  return {
    origin,
    async stop() {
      child.stdin.end()
      await once(child, 'exit')
    },
  }
}

/** axios as the vendor's own Node SDK configures it for API calls (its `createJobFile`, `status()`… are calls on this). */
export async function vendorClient(peers: Peers, origin: string) {
  const axios = (await peers.load('axios')).default
  return axios.create({
    baseURL: origin,
    timeout: 30_000,
    headers: { 'X-Api-Key': FAKE_API_KEY, 'User-Agent': 'videobgremover-node/0.1.0', 'Content-Type': 'application/json' },
  })
}

export type StatusCall = (jobId: string) => Promise<{ status: unknown }>
export type Side = 'ours' | 'raw' | 'raw-timeout' | PeerName

/**
 * Each side's status read, as its documentation has a user write it: ours `client.status(id)`; raw fetch +
 * `JSON.parse`; the same with a 60 s timeout signal; axios configured as the vendor's Node SDK configures it (its `status()` is this `get`); openai's
 * `client.get(path)`; replicate's `replicate.request(path)` + `.json()`; fal's `queue.status()`, whose fixed
 * `https://queue.fal.run` origin a request middleware points at the loopback server.
 */
export async function statusCalls(origin: string, peers: Peers): Promise<Record<Side, StatusCall>> {
  const path = (id: string) => `/v1/jobs/${id}/status`
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: origin, rateLimit: false })

  const vendorHttp = await vendorClient(peers, origin)
  const OpenAI = (await peers.load('openai')).default
  const openai = new OpenAI({ apiKey: FAKE_API_KEY, baseURL: origin })
  const Replicate = (await peers.load('replicate')).default
  const replicate = new Replicate({ auth: FAKE_API_KEY, baseUrl: origin })
  const { createFalClient } = await peers.load('@fal-ai/client')
  const fal = createFalClient({
    credentials: FAKE_API_KEY,
    requestMiddleware: async (request: { url: string }) => ({ ...request, url: request.url.replace('https://queue.fal.run', origin) }),
  })

  return {
    ours: (id) => client.status(id),
    raw: async (id) => {
      const response = await fetch(origin + path(id), { headers: { accept: 'application/json', 'x-api-key': FAKE_API_KEY } })
      if (!response.ok) throw new Error(`status ${response.status}`)
      return JSON.parse(await response.text())
    },
    // What any call that can time out adds to raw fetch: an AbortSignal for fetch and a timer, cleared after.
    'raw-timeout': async (id) => {
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(), 60_000)
      try {
        const response = await fetch(origin + path(id), {
          headers: { accept: 'application/json', 'x-api-key': FAKE_API_KEY },
          signal: controller.signal,
        })
        if (!response.ok) throw new Error(`status ${response.status}`)
        return JSON.parse(await response.text())
      } finally {
        clearTimeout(timer)
      }
    },
    axios: async (id) => (await vendorHttp.get(path(id))).data,
    openai: (id) => openai.get(path(id)),
    replicate: async (id) => (await replicate.request(path(id), { method: 'GET' })).json(),
    '@fal-ai/client': (id) => fal.queue.status('videobgremover/remove-background', { requestId: id }),
  }
}

/** Whether `call` rejects a 200 whose body is JSON but not a job status (a server bug, a proxy's page). */
export async function rejectsMalformed(call: StatusCall): Promise<boolean> {
  return call(MALFORMED_JOB_ID).then(
    () => false,
    () => true,
  )
}
