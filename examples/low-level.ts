/**
 * Every client method from the docs, in order, without the Video facade:
 * credits → createJobFile → upload (a plain PUT) → startJob (transparent, colour, composition) → status → wait
 * → webhookDeliveries → createJobUrl → deleteJob.
 *
 *   npx tsx examples/low-level.ts
 *
 * Offline against the fake API unless VIDEOBGREMOVER_API_KEY is set (then it starts three real jobs:
 * 3 × 4 s of video = 12 credits). Set COMPOSITION_BACKGROUND_URL to a public image for the composition job.
 */
import { readFile } from 'node:fs/promises'
import type { StartJobOptions, VideoBGRemoverClient } from '@videobgremover/sdk'
import { connect, SAMPLE_VIDEO } from './lib/connect'

const { client, fake, close } = await connect({ processingMs: 300 })

/** createJobFile, then PUT the bytes to the signed URL: what Video.open().removeBackground() does for you. */
async function createAndUpload(client: VideoBGRemoverClient, filename: string): Promise<string> {
  const job = await client.createJobFile({ filename, content_type: 'video/mp4' })
  console.log(`createJobFile → ${job.id} (upload URL expires ${job.expires_at})`)
  const bytes = await readFile(SAMPLE_VIDEO)
  // The signed URL belongs to the storage host: send exactly the headers the API gave, and never the API key.
  const response = await fetch(job.upload_url, {
    method: job.instructions?.method ?? 'PUT',
    headers: { 'Content-Type': 'video/mp4', ...(job.instructions?.headers as Record<string, string> | undefined) },
    body: bytes, // fetch adds Content-Length; Video.open() streams big files from disk instead
  })
  if (!response.ok) throw new Error(`upload failed: ${response.status} ${await response.text()}`)
  console.log(`upload   → ${response.status}, ${bytes.byteLength} bytes`)
  return job.id
}

try {
  // credits(): the balance, camelCase as in the docs.
  const credits = await client.credits()
  console.log(`credits  → ${credits.remainingCredits} of ${credits.totalCredits} left (${credits.usedCredits} used)`)

  // One job per background kind. Credits are charged at startJob: 1 per second of video.
  const backgrounds: [string, StartJobOptions][] = [
    ['transparent', { background: { type: 'transparent', transparent_format: 'webm_vp9' } }],
    ['color', { background: { type: 'color', color: '#00b140' } }],
    [
      'composition',
      {
        background: {
          type: 'composition',
          composition: {
            template: 'centered',
            background_type: 'image',
            background_url: process.env.COMPOSITION_BACKGROUND_URL ?? 'https://example.com/backgrounds/studio.jpg',
            export_format: 'h264',
            export_crf: 23,
          },
        },
        model: 'videobgremover-human',
      },
    ],
  ]
  const jobIds: string[] = []
  for (const [kind, options] of backgrounds) {
    console.log(`\n— ${kind} background —`)
    const jobId = await createAndUpload(client, `sample-${kind}.mp4`)
    jobIds.push(jobId)
    // A webhook URL is optional; the fake records deliveries so webhookDeliveries() has something to show.
    const webhook = fake ? { webhook_url: 'https://example.com/hooks/vbr?token=s3cret' } : {}
    const started = await client.startJob(jobId, { ...options, ...webhook })
    console.log(`startJob → ${started.status}, ${started.creditsUsed ?? '?'} credits`)

    const status = await client.status(jobId) // one read
    console.log(`status   → ${status.status}: ${status.message ?? ''}`)

    // wait(): polls until completed (or throws ProcessingError if the job failed). Seconds, as in the docs.
    const done = await client.wait(jobId, {
      pollSeconds: fake ? 0.1 : 3,
      timeout: 600,
      onStatus: (s) => console.log(`  … ${s}`),
    })
    console.log(`wait     → ${done.status}, ${done.output_format} output at ${done.processed_video_url?.split('?')[0]}`)
  }

  // webhookDeliveries(): what was sent to the job's webhook_url.
  const deliveries = await client.webhookDeliveries(jobIds[0]!)
  console.log(`\nwebhookDeliveries → ${deliveries.total_deliveries}: ${deliveries.deliveries.map((d) => d.event_type).join(', ')}`)

  // createJobUrl(): the API downloads a public video itself (born `uploaded`, ready to start). Not started here.
  if (fake || process.env.VIDEO_URL) {
    const fromUrl = await client.createJobUrl({ video_url: process.env.VIDEO_URL ?? 'https://example.com/videos/clip.mp4' })
    console.log(`createJobUrl → ${fromUrl.id} (${fromUrl.status})`)
    jobIds.push(fromUrl.id)
  }

  // deleteJob(): removes a job and its files (no refund). Experimental: the path is not yet confirmed by the vendor.
  for (const jobId of jobIds) {
    const deleted = await client.deleteJob(jobId)
    console.log(`deleteJob → ${deleted.id}: ${deleted.message}`)
  }
} finally {
  await close()
}
