/**
 * A webhook receiver on node:http. Deliveries are unsigned, so it
 *   1. accepts only POSTs to a URL carrying an unguessable token,
 *   2. parses the body leniently (parseWebhook) and answers 202 at once (the API waits at most 5 s),
 *   3. de-duplicates on job id + event (the API retries up to 3 times),
 *   4. then trusts only the job's status read back with your key (verifyWebhook), never the delivery's contents.
 *
 *   npx tsx examples/webhook-receiver.ts
 *
 * Offline (no VIDEOBGREMOVER_API_KEY) it runs a job on the fake API and plays the API's part: it posts the job's
 * recorded deliveries to the receiver, once more as a retry, plus a forged delivery, then exits. With the key set
 * it only listens (PORT, default 8788): expose it with HTTPS and pass its URL as webhookUrl / webhook_url.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Video, type VideoBGRemoverClient } from '@videobgremover/sdk'
import { MAX_WEBHOOK_BYTES, parseWebhook, verifyWebhook, type WebhookEvent } from '@videobgremover/sdk/webhooks'
import { connect, SAMPLE_VIDEO } from './lib/connect'

const TOKEN = process.env.WEBHOOK_TOKEN ?? randomBytes(24).toString('hex')

function createReceiver(client: VideoBGRemoverClient) {
  const seen = new Set<string>() // use a shared store (Redis, your database) when several instances run
  const work: Promise<void>[] = []

  /** The slow part, after the 2xx: read the job's real status and act on that. */
  async function handleEvent(event: WebhookEvent): Promise<void> {
    const { job, confirmed } = await verifyWebhook(event, client)
    if (!confirmed) {
      console.log(`receiver: ${event.type} for ${event.job_id ?? 'no job'} not confirmed (job is ${job?.status ?? 'not read'}); ignored`)
    } else if (event.type === 'job.completed') {
      console.log(`receiver: job ${job.id} completed; result at ${job.processed_video_url?.split('?')[0]}`)
    } else if (event.type === 'job.failed') {
      console.log(`receiver: job ${job.id} failed: ${job.message}`)
    } else {
      console.log(`receiver: job ${job.id} started (now ${job.status})`)
    }
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://receiver')
    if (req.method !== 'POST' || url.pathname !== '/webhooks/videobgremover') return res.writeHead(404).end()
    if (!sameToken(url.searchParams.get('token'))) {
      console.log('receiver: rejected a delivery without the right token')
      return res.writeHead(401).end()
    }
    let event: WebhookEvent
    try {
      event = parseWebhook(await readBody(req)) // throws ValidationError on a bad body
    } catch (error) {
      return res.writeHead(400).end(error instanceof Error ? error.message : 'bad body')
    }
    res.writeHead(202).end() // answer first: the API gives up after 5 s and retries
    const key = `${event.job_id}:${event.type}`
    if (seen.has(key)) return console.log(`receiver: duplicate ${event.type} for ${event.job_id}; skipped`)
    seen.add(key)
    work.push(handleEvent(event).catch((error) => console.error('receiver: processing failed', error)))
  })

  return { server, drain: () => Promise.all(work) }
}

function sameToken(token: string | null): boolean {
  const given = Buffer.from(token ?? '')
  const expected = Buffer.from(TOKEN)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    if (size > MAX_WEBHOOK_BYTES) throw new Error('body too large')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

const { client, fake, close } = await connect({ processingMs: 300 })
const receiver = createReceiver(client)
receiver.server.listen(fake ? 0 : Number(process.env.PORT ?? 8788), '127.0.0.1')
await once(receiver.server, 'listening')
const webhookUrl = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/webhooks/videobgremover?token=${TOKEN}`
console.log(`Receiver listening on ${webhookUrl.replace(TOKEN, '<token>')}`)

if (!fake) {
  console.log('Listening for deliveries; Ctrl-C to stop.')
  process.once('SIGINT', () => receiver.server.close(() => void close()))
} else {
  try {
    // A job that reports to the receiver.
    const foreground = await Video.open(SAMPLE_VIDEO).removeBackground({ client, webhookUrl, pollSeconds: 0.1 })
    console.log(`job ${foreground.jobId} ${foreground.status.status}`)

    // The fake records deliveries but does not send them: post them as the API would.
    const post = (url: string, payload: unknown) =>
      fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) })
    const { deliveries } = await client.webhookDeliveries(foreground.jobId)
    for (const delivery of deliveries) {
      const response = await post(delivery.webhook_url ?? webhookUrl, delivery.payload)
      console.log(`api → ${delivery.event_type}: ${response.status}`)
    }
    const last = deliveries.at(-1)
    if (last) console.log(`api → ${last.event_type} (retry): ${(await post(webhookUrl, last.payload)).status}`)
    const forged = await post(webhookUrl.replace(TOKEN, 'guess'), { job_id: foreground.jobId, status: 'completed' })
    console.log(`forged delivery: ${forged.status}`)

    await receiver.drain()
  } finally {
    receiver.server.close()
    await close()
  }
}
