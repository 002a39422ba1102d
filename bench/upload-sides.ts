// One side of bench/upload-memory.ts, in a process of its own so that no other side's leftovers (a previous
// upload's Buffer still alive, the allocator's caches) count for or against it. Usage (from the parent):
// upload-sides.ts <side> <fake API url> <file> <size>; prints `{ ms, rss }` (wall time, peak RSS growth in MB).
import { createReadStream, readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { Video, VideoBGRemoverClient } from '../src/node/index'
import { FAKE_API_KEY } from '../src/testing/index'
import { mb, withPeakRss } from './lib'
import { usePeers } from './peers'
import { vendorClient } from './status-calls'

const [side, api, path, sizeArgument] = process.argv.slice(2) as [string, string, string, string]
const SIZE = Number(sizeArgument)
const CREATE = { filename: 'input.mp4', content_type: 'video/mp4' } as const

const peers = await usePeers()
// The fake enforces no limits here; the client's pacing (3 starts a minute) would only add waits.
const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: api, rateLimit: false })
const axios = (await peers.load('axios')).default
const vendor = await vendorClient(peers, api)

/** The file streamed from disk to a signed URL by fetch, with the headers the job gave. */
async function putFile(url: string, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'PUT',
    headers: { ...headers, 'content-length': String(SIZE) },
    body: Readable.toWeb(createReadStream(path)) as ReadableStream,
    duplex: 'half',
    redirect: 'error',
  } as RequestInit)
  if (!response.ok) throw new Error(`PUT failed: ${response.status}`)
  await response.arrayBuffer()
}

const sides: Record<string, () => Promise<unknown>> = {
  raw: async () => {
    const created = await fetch(`${api}/v1/jobs`, {
      method: 'POST',
      headers: { 'x-api-key': FAKE_API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify(CREATE),
    })
    const job = (await created.json()) as { upload_url: string }
    await putFile(job.upload_url, { 'content-type': 'video/mp4' })
  },
  // What a low-level user of the SDK writes until it has an upload method of its own.
  ours: async () => {
    const job = await client.createJobFile(CREATE)
    await putFile(job.upload_url, Object.fromEntries(Object.entries(job.instructions?.headers ?? {}).map(([k, v]) => [k, String(v)])))
  },
  // The vendor's Node SDK: createJobFile through its axios client, then its _signedPut.
  vendor: async () => {
    const { data: job } = await vendor.post('/v1/jobs', CREATE)
    const fileData = readFileSync(path)
    await axios.put(job.upload_url, fileData, { headers: { 'Content-Type': 'video/mp4' }, timeout: 300_000 })
  },
  whole: () => Video.open(path).removeBackground({ client, pollSeconds: 0.05 }),
  progress: () => Video.open(path).removeBackground({ client, pollSeconds: 0.05, onUploadProgress: () => {} }),
}
const run = sides[side]
if (!run) throw new Error(`unknown side ${side}`)

// Both HTTP stacks load and connect before the clock starts, in every side alike.
await client.credits()
await vendor.get('/v1/credits')
const { result: ms, peakGrowth } = await withPeakRss(async () => {
  const started = performance.now()
  await run()
  return performance.now() - started
})
console.log(JSON.stringify({ ms, rss: mb(peakGrowth) }))
await peers.remove()
