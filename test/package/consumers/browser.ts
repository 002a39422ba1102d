// A strict browser consumer (lib ES2022 + DOM, no @types/node) on the browser build: every entry point a page
// can use. Type-checked against the packed tarball, never run.
import { Video, VideoBGRemoverClient, type Foreground, type JobStatus } from '@videobgremover/sdk'
import { createProxyHandler } from '@videobgremover/sdk/proxy'
import { FakeApi, fakeResultBytes } from '@videobgremover/sdk/testing'
import { verifyWebhook } from '@videobgremover/sdk/webhooks'

export async function inAPage(file: File): Promise<Blob> {
  const client = new VideoBGRemoverClient(undefined, { baseUrl: `${location.origin}/api` })
  const result: Foreground = await Video.open(file).removeBackground({ client, onUploadProgress: ({ loaded }) => console.log(loaded) })
  const job: JobStatus = await client.status(result.jobId)
  console.log(job.status, createProxyHandler, new FakeApi(), fakeResultBytes('id', 'video.webm', 1), verifyWebhook)
  return result.blob()
}
