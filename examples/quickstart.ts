/**
 * npm run demo: remove the background of a short clip and save the result.
 *
 *   npx tsx examples/quickstart.ts [output-dir]        (default ./out)
 *
 * Without VIDEOBGREMOVER_API_KEY it runs offline against the fake API (a local server that plays the real one);
 * with the key set, the same code talks to api.videobgremover.com and uses credits (1 per second of video).
 * The input is examples/assets/sample.mp4, a 4-second synthetic clip (how it was made: examples/README.md).
 */
import { mkdir, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Prefer, RemoveBGOptions, Video, VideoBGRemoverClient } from '@videobgremover/sdk'
import { FAKE_API_KEY, startFakeServer } from '@videobgremover/sdk/testing'

const SAMPLE = fileURLToPath(new URL('./assets/sample.mp4', import.meta.url))
const outDir = resolve(process.argv[2] ?? 'out')

// 1. A client. The only difference between offline and online is which client we build.
const apiKey = process.env.VIDEOBGREMOVER_API_KEY
const fake = apiKey ? undefined : await startFakeServer({ processingMs: 800, videoLengthSeconds: 4 })
const client = fake ? new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: fake.url }) : new VideoBGRemoverClient(apiKey) // default baseUrl: https://api.videobgremover.com
console.log(
  fake
    ? `Offline demo: using the fake API at ${fake.url}; no account, no credits. Set VIDEOBGREMOVER_API_KEY to use the real API.`
    : `Using the real API at ${client.baseUrl} (this uses credits: 1 per second of video).`,
)

try {
  // 2. Upload, process, wait: one call. Errors after the job exists carry its jobId.
  const started = Date.now()
  const foreground = await Video.open(SAMPLE).removeBackground({
    client,
    options: new RemoveBGOptions(Prefer.WEBM_VP9), // transparent WebM (VP9 with alpha)
    onUploadProgress: ({ loaded, total }) => {
      if (loaded === total) console.log(`uploaded ${total} bytes`)
    },
    onStatus: (status) => console.log(`status: ${status} (${((Date.now() - started) / 1000).toFixed(1)} s)`),
  })

  // 3. Download the result next to the others in outDir.
  await mkdir(outDir, { recursive: true })
  const output = await foreground.save(resolve(outDir, `sample-${foreground.jobId.slice(0, 8)}.webm`))
  const { size } = await stat(output)

  // 4. What is worth keeping about the job.
  console.log(`\nResult written to ${output} (${size} bytes)`)
  console.log('Job details:')
  console.log(`  job id:        ${foreground.jobId}`)
  console.log(`  status:        ${foreground.status.status} (${foreground.status.message ?? 'no message'})`)
  console.log(`  format:        ${foreground.format}`)
  console.log(`  seconds/credits used: ${foreground.lengthSeconds ?? 'unknown'}`)
  console.log(`  result URL:    ${foreground.url} (signed; expires in about an hour)`)
  console.log(`  mask URL:      ${foreground.maskUrl ?? 'none'}`)
  const { remainingCredits } = await client.credits()
  console.log(`  credits left:  ${remainingCredits}`)
  if (fake) console.log('\n(The offline fake serves a canned result, not your clip processed: run with your key for the real thing.)')
} finally {
  // Stop the fake API so the process exits by itself.
  await fake?.close()
}
