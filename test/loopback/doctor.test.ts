/**
 * doctor(client, options) against the fake API on a real 127.0.0.1 socket: a healthy fake, each of its
 * misbehaviours, and the runner's own rules (every check runs, aborts stop at once, the key never shows).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { expectNoSecret, rejection } from '../kit'
import {
  AbortError,
  ValidationError,
  VideoBGRemoverClient,
  doctor,
  ResponseRecorder,
  type DoctorOptions,
  type DoctorReport,
} from '../../src/node/index'
import { CLIP_SECONDS, clipBytes } from '../../src/node/doctor/clip'
import { WRONG_KEY } from '../../src/node/doctor/run'
import { blobReader, probeContainer } from '../../src/probe/index'
import { FAKE_API_KEY, startFakeServer, type FakeServer, type FakeServerOptions } from '../../src/testing/node'

const ORIGIN = 'https://app.example.com'
const servers: FakeServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function fake(options: FakeServerOptions = {}): Promise<FakeServer> {
  const server = await startFakeServer({ rateLimit: {}, errorStyle: 'envelope', videoLengthSeconds: 1, processingMs: 100, ...options })
  servers.push(server)
  return server
}

/** doctor() against `server` with a recording client, as the README shows it. */
async function check(server: FakeServer, options: DoctorOptions = {}, client: { maxRetries?: number } = {}) {
  const recorder = new ResponseRecorder()
  const sdk = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, fetch: recorder.fetch, ...client })
  return doctor(sdk, { recorder, origin: ORIGIN, pollSeconds: 0.05, ...options })
}

const row = (report: DoctorReport, name: string) => report.checks.find((check) => check.name === name)!
const verdicts = (report: DoctorReport) => Object.fromEntries(report.checks.map((check) => [check.name, check.result]))
const ALL = ['reachability', 'clock', 'authentication', 'key-format', 'credits', 'idempotency', 'storage', 'rate-limits', 'observability']

describe('doctor(client, options)', () => {
  it('passes every check against a healthy API, with evidence for each and no credits spent', async () => {
    const server = await fake()
    const report = await check(server)
    expect(report.checks.map((check) => check.name)).toEqual(ALL)
    expect(verdicts(report)).toEqual(Object.fromEntries(ALL.map((name) => [name, 'pass'])))
    expect(report).toMatchObject({ ok: true, baseUrl: server.url, summary: { pass: 9, warn: 0, fail: 0 } })
    for (const result of report.checks) expect(result.evidence.length, result.name).toBeGreaterThan(0)
    expect(row(report, 'authentication').evidence.join('\n')).toMatch(
      /your key → 200.*\n.*wrong key → 401 "Invalid API key" \(req_\w+\) → AuthenticationError/,
    )
    expect(row(report, 'idempotency').evidence.join('\n')).toMatch(/409 "Job has not been uploaded".*\n.*start sent once/)
    expect(row(report, 'storage').evidence.join('\n')).toContain(`a preflight from ${ORIGIN} → 200`)
    expect(server.api.credits).toBe(1000)
  })

  it('leaves no job behind: every job it creates is deleted', async () => {
    const server = await fake()
    await check(server, { withJob: true })
    const created = server.api.requests.filter((entry) => entry.endpoint === 'createJob' && entry.status === 200)
    const deleted = new Set(
      server.api.requests.filter((entry) => entry.endpoint === 'deleteJob' && entry.status === 200).map((entry) => entry.jobId),
    )
    expect(created).toHaveLength(3) // idempotency, storage, end-to-end
    expect(deleted.size).toBe(3)
    for (const id of deleted) expect(server.api.job(id!)).toBeUndefined()
  })

  it('withJob processes the 1-second clip end to end, timing each stage and reporting the credit it used', async () => {
    const server = await fake()
    const report = await check(server, { withJob: true })
    const job = row(report, 'end-to-end')
    expect(job.result).toBe('pass')
    expect(job.data).toMatchObject({
      creditsUsed: 1,
      stagesMs: {
        create: expect.any(Number),
        upload: expect.any(Number),
        start: expect.any(Number),
        processing: expect.any(Number),
        download: expect.any(Number),
      },
    })
    expect(job.evidence.join('\n')).toContain('credits used: 1 (1000 → 999; the start said 1)')
    expect(server.api.credits).toBe(999)
  })

  it('a key the API refuses fails authentication with advice; the checks that need the key say they could not look', async () => {
    const report = await check(await fake({ rejectEveryKey: true }))
    expect(report.ok).toBe(false)
    expect(row(report, 'authentication')).toMatchObject({ result: 'fail', advice: expect.stringContaining('refused this key') })
    expect(row(report, 'authentication').evidence[0]).toMatch(/^your key → 401 "Invalid API key"/)
    for (const name of ['credits', 'idempotency', 'storage']) {
      expect(row(report, name)).toMatchObject({
        result: 'warn',
        evidence: [expect.stringMatching(/^not checked: .* \(see authentication\)$/)],
      })
    }
    expect(verdicts(report)).toMatchObject({ reachability: 'pass', clock: 'pass', 'rate-limits': 'pass', observability: 'pass' })
  })

  it('an API that answers 429 fails rate-limits, showing the backoff the SDK took before giving up', async () => {
    const report = await check(await fake({ rateLimitExhausted: true }))
    const limits = row(report, 'rate-limits')
    expect(limits).toMatchObject({ result: 'fail', advice: expect.stringContaining("spending this key's budget") })
    expect(limits.evidence.join('\n')).toMatch(
      /answers were 429 \(Retry-After: 1 s\)\n.*backed off before retrying: .*\n.*still refused after the SDK's retries/,
    )
    expect((limits.data!.backoffsMs as number[]).length).toBeGreaterThan(0)
    expect(row(report, 'authentication').evidence[0]).toMatch(/^not checked: .* 429 .*\(see rate-limits\)$/)
    expect(report.checks.map((check) => check.name)).toEqual(ALL)
  })

  it('a clock two hours off fails the clock check, saying which way, and only that check', async () => {
    const report = await check(await fake({ dateSkewMs: 2 * 3_600_000 }))
    const clock = row(report, 'clock')
    expect(clock).toMatchObject({ result: 'fail', advice: expect.stringContaining('Synchronise this machine') })
    expect(clock.evidence[0]).toMatch(/^this machine's clock is 2 h behind the server's/)
    expect(report.summary).toEqual({ pass: 8, warn: 0, fail: 1 })
  })

  it('a storage host without CORS fails storage for the origin given, and only that check', async () => {
    const server = await fake({ storageCors: false })
    const report = await check(server)
    const storage = row(report, 'storage')
    expect(storage).toMatchObject({ result: 'fail', advice: expect.stringContaining('upload from your server') })
    expect(storage.evidence).toContain(`a preflight from ${ORIGIN} → 403 with no CORS headers: a browser there cannot upload`)
    expect(report.summary).toEqual({ pass: 8, warn: 0, fail: 1 })
    const preflight = server.api.requests.find((entry) => entry.method === 'OPTIONS')
    expect(preflight?.headers).toMatchObject({ origin: ORIGIN, 'access-control-request-method': 'PUT' })
    expect(preflight?.headers['x-api-key']).toBeUndefined()
  })

  it('without an origin, storage passes and says that browsers were not checked', async () => {
    const report = await check(await fake({ storageCors: false }), { origin: undefined })
    expect(row(report, 'storage').result).toBe('pass')
    expect(row(report, 'storage').evidence).toContain('browser uploads not checked: give doctor({ origin }) the origin of your web app')
  })

  it('an upload URL the SDK would refuse (plain http to another host) fails storage, and is not contacted', async () => {
    const server = await fake()
    const body = {
      id: 'j',
      upload_url: 'http://169.254.169.254/latest/meta-data?X-Goog-Signature=x',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    }
    server.api.inject('createJob', { delayMs: 0 }) // the idempotency check's job: as usual
    server.api.inject('createJob', { status: 200, body }) // the storage check's
    const methods: string[] = []
    const spy = (input: string, init: RequestInit) => {
      methods.push(init.method ?? 'GET')
      return fetch(input, init)
    }
    const report = await check(server, { fetch: spy })
    expect(row(report, 'storage')).toMatchObject({ result: 'fail', advice: expect.stringContaining('should not use') })
    expect(row(report, 'storage').evidence).toContain(
      'Refused the storage URL "http://169.254.169.254/latest/meta-data?X-Goog-Signature=x": its scheme is http, and storage must be https; not contacted',
    )
    expect(methods).toContain('GET') // the wrong-key call went through doctor's own fetch
    expect(methods).not.toContain('OPTIONS')
  })

  it('an API that starts a job before its upload fails idempotency: it charged for nothing', async () => {
    const server = await fake()
    // The SDK refuses an answer about another job, so the early start answers for the job the create made.
    const id = 'job-started-early'
    server.api.inject('createJob', { status: 200, body: { id, upload_url: `${server.url}/storage/upload/${id}` } })
    server.api.inject('startJob', { status: 200, body: { id, status: 'processing', creditsUsed: 4 } })
    const report = await check(server)
    expect(row(report, 'idempotency')).toMatchObject({ result: 'fail', advice: expect.stringContaining('started a job that has no video') })
    expect(row(report, 'idempotency').evidence).toContain('start → accepted, 4 credits charged')
  })

  it('an unreachable API fails reachability with advice; the rest say why they could not look', async () => {
    const gone = await fake()
    await gone.close()
    const report = await check(gone, {}, { maxRetries: 0 })
    expect(row(report, 'reachability')).toMatchObject({ result: 'fail', advice: expect.stringContaining('Check the base URL') })
    expect(row(report, 'reachability').evidence[0]).toMatch(/^GET \/v1\/credits → .*ECONNREFUSED/)
    expect(row(report, 'credits').evidence[0]).toMatch(/\(see reachability\)$/)
    expect(report.checks.map((check) => check.name)).toEqual(ALL)
  })

  it('without a recorder, the checks that read your key’s answers say they could not look', async () => {
    const server = await fake()
    const report = await doctor(new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url }))
    expect(row(report, 'key-format')).toMatchObject({ result: 'warn', evidence: [expect.stringContaining('recorder')] })
    expect(row(report, 'rate-limits')).toMatchObject({ result: 'warn', evidence: [expect.stringContaining('recorder')] })
    expect(verdicts(report)).toMatchObject({ reachability: 'pass', clock: 'pass', authentication: 'pass', observability: 'pass' })
  })

  it('reads only its own run from a recorder the client keeps using', async () => {
    const server = await fake()
    const recorder = new ResponseRecorder()
    const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, fetch: recorder.fetch })
    server.api.inject('credits', { status: 429, headers: { 'Retry-After': '0' } }, 3)
    const first = await doctor(client, { recorder })
    const second = await doctor(client, { recorder })
    expect(row(first, 'rate-limits').result).toBe('fail')
    expect(row(second, 'rate-limits').result).toBe('pass')
  })

  it('never holds the key under test or the wrong key, in any rendering of the report', async () => {
    const report = await check(await fake({ rejectEveryKey: true }), { withJob: true })
    expectNoSecret(report, FAKE_API_KEY)
    expectNoSecret(report, WRONG_KEY)
  })

  it('stops at once with an AbortError when its signal fires, reporting nothing more', async () => {
    const server = await fake()
    const controller = new AbortController()
    const seen: string[] = []
    const error = await rejection(
      check(server, {
        signal: controller.signal,
        onCheck: (done) => {
          seen.push(done.name)
          controller.abort()
        },
      }),
    )
    expect(error).toBeInstanceOf(AbortError)
    expect(seen).toEqual(['reachability'])
  })

  it('refuses an origin that is not an http(s) URL before sending anything', async () => {
    const server = await fake()
    const error = await rejection(check(server, { origin: 'app.example.com' }))
    expect(error).toBeInstanceOf(ValidationError)
    expect(server.api.requests).toEqual([])
  })
})

describe('ResponseRecorder', () => {
  it("keeps each answer's status, headers and timing, the key's shape but never the key, and no signed URL's query", async () => {
    const server = await fake()
    const recorder = new ResponseRecorder()
    const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, fetch: recorder.fetch })
    const job = await client.createJobFile({ filename: 'clip.mp4', content_type: 'video/mp4' })
    await client.upload(job, clipBytes())
    const [create, upload] = recorder.responses
    expect(create).toMatchObject({
      method: 'POST',
      url: `${server.url}/v1/jobs`,
      status: 200,
      apiKey: { length: 36, wellFormed: true },
      headers: { 'x-request-id': expect.stringMatching(/^req_/), 'x-ratelimit-limit': '100' },
    })
    expect(create!.durationMs).toBeGreaterThanOrEqual(0)
    expect(upload).toMatchObject({ method: 'PUT', url: job.upload_url.split('?')[0], status: 200 })
    expect(upload!.apiKey).toBeUndefined()
    expectNoSecret(recorder.responses, FAKE_API_KEY)
    expect(JSON.stringify(recorder.responses)).not.toContain('X-Goog-Signature')
  })

  it('records a request that got no answer, with the reason, and rethrows', async () => {
    const gone = await fake()
    await gone.close()
    const recorder = new ResponseRecorder()
    await rejection(recorder.fetch(`${gone.url}/v1/credits`, {}))
    expect(recorder.responses).toEqual([expect.objectContaining({ status: 0, error: expect.any(String), headers: {} })])
  })
})

describe('the clip withJob processes', () => {
  it('is a 1-second MP4', async () => {
    const probed = await probeContainer(blobReader(new Blob([clipBytes() as Uint8Array<ArrayBuffer>])))
    expect(probed).toMatchObject({ container: 'mp4', durationSeconds: CLIP_SECONDS })
    expect(CLIP_SECONDS).toBe(1)
  })
})
