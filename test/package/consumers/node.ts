// A strict Node-only consumer (lib ES2022, types node, no DOM): every Node entry point, and the types a user
// annotates with. Type-checked against the packed tarball, never run.
import { ApiError, Foreground, Video, VideoBGRemoverClient, type FileJob, type JobStatus, type RequestOptions } from '@videobgremover/sdk'
import { fileJobStore, runBatch, type BatchResult, type JobStore } from '@videobgremover/sdk/batch'
import { Composition } from '@videobgremover/sdk/compose'
import { createProxyHandler, toNodeListener } from '@videobgremover/sdk/proxy'
import { FakeApi, startFakeServer, type FakeServer } from '@videobgremover/sdk/testing'
import { redisJobStore, redisRateLimitStore, type RedisEval } from '@videobgremover/sdk/redis'
import { parseWebhook, type WebhookEvent } from '@videobgremover/sdk/webhooks'

export async function useEverything(options: RequestOptions): Promise<void> {
  const server: FakeServer = await startFakeServer()
  const client = new VideoBGRemoverClient('vbr_0123456789abcdef0123456789abcdef', { baseUrl: server.url })
  const job: FileJob = await client.createJobFile({ filename: 'clip.mp4', content_type: 'video/mp4' }, options)
  await client.upload(job, 'clip.mp4', { onProgress: ({ loaded, total }) => console.log(loaded, total) })
  const status: JobStatus = await client.status(job.id)
  const result: Foreground = await Video.open('clip.mp4').removeBackground({ client })
  await result.save('out.webm')
  const event: WebhookEvent = parseWebhook('{}')
  const listener = toNodeListener(createProxyHandler({ apiKey: 'vbr_x', authorize: () => true }))
  console.log(status.status, event.type, listener, new FakeApi(), Composition, ApiError)
}

/** A batch on one machine, then on many (a Redis client of the user's: only its `eval` is needed). */
export async function useBatches(redis: RedisEval): Promise<void> {
  const client = new VideoBGRemoverClient(undefined, { rateLimit: { store: redisRateLimitStore(redis) } })
  const store: JobStore = process.env.REDIS_URL ? redisJobStore(redis) : fileJobStore('out/.vbr-batch.jsonl')
  for await (const result of runBatch(['a.mp4', { source: new Uint8Array(8), name: 'b.mp4' }], { client, outDir: 'out', store })) {
    const seen: BatchResult = result
    console.log(seen.state, seen.output)
  }
}
