/**
 * Every error class the SDK throws, triggered on purpose and handled.
 *
 *   npx tsx examples/error-handling.ts
 *
 * Always runs against the offline fake API: errors on demand need its fault injection (`fake.api.inject`),
 * an empty balance and a job that fails. The `handle()` function is the part to copy into your code.
 */
import {
  AbortError,
  ApiError,
  AuthenticationError,
  ConnectionError,
  InsufficientCreditsError,
  JobNotFoundError,
  ProcessingError,
  RateLimitError,
  TimeoutError,
  ValidationError,
  Video,
  VideoBGRemoverClient,
  VideoBGRemoverError,
} from '@videobgremover/sdk'
import { FAKE_API_KEY, startFakeServer } from '@videobgremover/sdk/testing'
import { SAMPLE_VIDEO } from './lib/connect'

/** From the most specific class to the most general; each branch says what to do about it. */
function handle(error: unknown): string {
  if (error instanceof ValidationError) return `fix the input (${error.field}): ${error.message}`
  if (error instanceof AuthenticationError) return `check the API key: ${error.message}`
  if (error instanceof InsufficientCreditsError) {
    const left = error.remainingCredits === undefined ? 'not stated' : `${error.remainingCredits} credits`
    return `top up (balance ${left}); job ${error.jobId ?? '-'} was created but not started, which costs nothing`
  }
  if (error instanceof JobNotFoundError) return `no such job for this key: ${error.message}`
  if (error instanceof RateLimitError) return `slow down, retry in ${error.retryAfterMs ?? '?'} ms`
  if (error instanceof ProcessingError) {
    return error.code === 'job_failed'
      ? `job ${error.jobId} failed (no credits used): ${error.message}`
      : `server failed (${error.status}), retry later: ${error.message}`
  }
  if (error instanceof ApiError) return `API said ${error.status} ${error.code}: ${error.message}`
  if (error instanceof TimeoutError) return `timed out${error.jobId ? ` (job ${error.jobId} may still finish)` : ''}: ${error.message}`
  if (error instanceof ConnectionError) return `network problem, retry later: ${error.message}`
  if (error instanceof AbortError) return `cancelled${error.jobId ? `; job ${error.jobId} left behind` : ''}`
  if (error instanceof VideoBGRemoverError) return `other SDK error: ${error.message}`
  throw error // not ours: let it crash
}

const fake = await startFakeServer({
  processingMs: 100,
  videoLengthSeconds: 4,
  // Jobs whose file name contains "corrupt" end `failed`, as the real API does with undecodable input.
  failJob: (job) => (job.filename.includes('corrupt') ? 'Could not decode the video' : undefined),
})
const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: fake.url, maxRetries: 0 })
console.log(`Using the offline fake API at ${fake.url}`)

/** Runs one scenario and prints which class it threw and how `handle` dealt with it. */
async function scenario(expected: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run()
    console.log(`✗ ${expected}: nothing was thrown`)
    process.exitCode = 1
  } catch (error) {
    const name = error instanceof Error ? error.name : typeof error
    console.log(`${name === expected ? '✓' : '✗'} ${name}: ${handle(error)}`)
    if (name !== expected) process.exitCode = 1
  }
}

const removeBackground = (filename?: string) =>
  Video.open(SAMPLE_VIDEO, filename ? { filename } : {}).removeBackground({ client, pollSeconds: 0.05 })

try {
  // Refused before anything is sent: the API takes .mp4, .mov and .webm only.
  await scenario('ValidationError', async () => Video.open('holiday.flv'))

  // A wrong key: 401.
  const badKey = new VideoBGRemoverClient('vbr_' + 'f'.repeat(32), { baseUrl: fake.url })
  await scenario('AuthenticationError', () => badKey.credits())

  // An empty balance: 402 at start (creating and uploading cost nothing).
  fake.api.credits = 0
  await scenario('InsufficientCreditsError', () => removeBackground())
  fake.api.credits = 1000

  // An id that does not exist (or belongs to another key): 404.
  await scenario('JobNotFoundError', () => client.status('00000000-0000-4000-8000-000000000000'))

  // Past the rate limit: 429 (3 job starts or 100 requests per minute). Reads retry this by themselves
  // unless maxRetries is 0, as here; a start never does.
  fake.api.inject('credits', { status: 429, headers: { 'Retry-After': '7' } })
  await scenario('RateLimitError', () => client.credits())

  // A job that ends `failed`: wait() throws ProcessingError with the jobId; failed jobs use no credits.
  await scenario('ProcessingError', () => removeBackground('corrupt-clip.mp4'))

  // Any other failed exchange, e.g. a proxy's 502 page.
  fake.api.inject('credits', { html: true, status: 502 })
  await scenario('ApiError', () => client.credits())

  // The connection reset before any response.
  fake.api.inject('credits', { drop: 'before-response' })
  await scenario('ConnectionError', () => client.credits())

  // Slower than the per-call timeout (milliseconds).
  fake.api.inject('credits', { delayMs: 2_000 })
  await scenario('TimeoutError', () => client.credits({ timeout: 100 }))

  // Your own AbortSignal fired.
  await scenario('AbortError', () => client.credits({ signal: AbortSignal.abort() }))
} finally {
  await fake.close()
}
