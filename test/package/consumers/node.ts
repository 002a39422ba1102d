// A strict Node-only consumer (lib ES2022, types node, no DOM): every Node entry point, and the types a user
// annotates with. Type-checked against the packed tarball, never run.
import { ApiError, Foreground, Video, VideoBGRemoverClient, type FileJob, type JobStatus, type RequestOptions } from '@videobgremover/sdk'
import { Composition } from '@videobgremover/sdk/compose'
import { createProxyHandler, toNodeListener } from '@videobgremover/sdk/proxy'
import { FakeApi, startFakeServer, type FakeServer } from '@videobgremover/sdk/testing'
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
