/**
 * Timeouts and cancellation: per-call timeouts (milliseconds), wait() timeouts (seconds), an AbortController
 * (a Cancel button, Ctrl-C) and an overall deadline with AbortSignal.timeout().
 *
 *   npx tsx examples/abort-and-timeout.ts
 *
 * Always runs against the offline fake API, which can be made slow on demand (`fake.api.inject`).
 * The rule to take away: an error raised once a job exists carries its `jobId`. The job may still be running:
 * wait for it again (no new charge) or delete it; never start a new one blindly.
 */
import { AbortError, TimeoutError, Video, VideoBGRemoverClient } from '@videobgremover/sdk'
import { FAKE_API_KEY, startFakeServer } from '@videobgremover/sdk/testing'
import { SAMPLE_VIDEO } from './lib/connect'

const fake = await startFakeServer({ processingMs: 1_200, videoLengthSeconds: 4 })
// timeout: milliseconds per HTTP attempt (default 60 000).
const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: fake.url, timeout: 10_000 })
console.log(`Using the offline fake API at ${fake.url}`)
const video = Video.open(SAMPLE_VIDEO)

try {
  // 1. One slow call: a per-call timeout (ms) overrides the client's; reads are retried, so allow none here.
  fake.api.inject('credits', { delayMs: 3_000 })
  try {
    await client.credits({ timeout: 150, maxRetries: 0 })
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error
    console.log(`1. per-call timeout: ${error.message}`)
  }

  // 2. Processing takes longer than we want to block: wait()'s timeout is in seconds. The job goes on;
  //    resume waiting with its id instead of starting (and paying for) a new one.
  try {
    await video.removeBackground({ client, timeout: 0.3 })
  } catch (error) {
    if (!(error instanceof TimeoutError) || !error.jobId) throw error
    console.log(`2. wait timeout: job ${error.jobId} still running; waiting again…`)
    const done = await client.wait(error.jobId, { pollSeconds: 0.2, timeout: 30 })
    console.log(`   job ${done.id} ${done.status}`)
  }

  // 3. Cancel on demand with an AbortController, e.g. a Cancel button or Ctrl-C:
  //      process.once('SIGINT', () => controller.abort())
  //    Here the upload is slow and we cancel 200 ms after the job was created. Every wait and socket is released at once.
  const controller = new AbortController()
  fake.api.inject('upload', { delayMs: 10_000 })
  let timer: ReturnType<typeof setTimeout> | undefined
  const cancelSoon = () => void (timer = setTimeout(() => controller.abort(new Error('cancelled by the user')), 200))
  try {
    await video.removeBackground({ client, signal: controller.signal, onJobCreated: cancelSoon })
  } catch (error) {
    if (!(error instanceof AbortError)) throw error
    console.log(`3. aborted (${(error.cause as Error).message}); job ${error.jobId} left behind, deleting it`)
    if (error.jobId) await client.deleteJob(error.jobId) // nothing was started, so nothing was charged
  } finally {
    clearTimeout(timer)
  }

  // 4. One deadline for the whole operation (upload + processing + polling): AbortSignal.timeout(ms).
  try {
    await video.removeBackground({ client, signal: AbortSignal.timeout(500) })
  } catch (error) {
    if (!(error instanceof AbortError)) throw error
    const reason = (error.cause as Error | undefined)?.name // 'TimeoutError' (a DOMException) for AbortSignal.timeout
    console.log(`4. deadline passed (${reason}); job ${error.jobId} was started and may still finish`)
  }
} finally {
  await fake.close()
}
