import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  AbortError,
  Foreground,
  InsufficientCreditsError,
  Job,
  ProcessingError,
  StorageError,
  ValidationError,
  Video,
  VideoBGRemoverClient,
  type RemoveBackgroundParams,
} from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeEndpoint, type FakeServer, type FakeServerOptions } from '../../src/testing/node'
import { failure, until } from '../kit'

/** Bytes no container reader recognises: these tests are about jobs, so the preflight has no duration and stays silent. */
const DATA = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 31 + 7) % 251)
const HOUR = 3_600_000

afterEach(() => vi.useRealTimers())

const clientFor = (server: FakeServer) => new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })
const seen = (server: FakeServer, endpoint: FakeEndpoint) => server.api.requests.filter((entry) => entry.endpoint === endpoint)
const video = () => Video.open(new Blob([DATA]), { filename: 'clip.mp4' })

/** A fake whose clock stands still until `advance(ms)`: a job processes exactly as long as the test says. */
async function steppedFake(options: FakeServerOptions = {}) {
  let clock = Date.now()
  const server = await startFakeServer({ now: () => clock, processingMs: 1_000, ...options })
  return { server, advance: (ms: number) => (clock += ms) }
}

/** The job left behind by a call aborted right after creation: `created`, its upload URL known to `client`. */
async function createdJob(client: VideoBGRemoverClient, params: Partial<RemoveBackgroundParams> = {}): Promise<string> {
  const controller = new AbortController()
  const error = await failure(() =>
    video().removeBackground({ client, signal: controller.signal, onJobCreated: () => controller.abort(), ...params }),
  )
  expect(error).toBeInstanceOf(AbortError)
  return (error as AbortError).jobId!
}

/** Every job of the ledger was created once and started at most once. */
function expectOneCreateAtMostOneStart(server: FakeServer, creates: number) {
  expect(seen(server, 'createJob')).toHaveLength(creates)
  for (const id of new Set(server.api.requests.map((entry) => entry.jobId).filter((id) => id !== undefined))) {
    expect(server.api.startsFor(id)).toBeLessThanOrEqual(1)
  }
}

describe('onJobCreated', () => {
  it('hears the job id after the create and before the first storage byte', async () => {
    await using server = await startFakeServer()
    const heard: { id: string; creates: number; uploads: number }[] = []
    const foreground = await video().removeBackground({
      client: clientFor(server),
      pollSeconds: 0.01,
      onJobCreated: (id) => void heard.push({ id, creates: seen(server, 'createJob').length, uploads: seen(server, 'upload').length }),
    })
    expect(heard).toEqual([{ id: foreground.jobId, creates: 1, uploads: 0 }])
  })

  it('is awaited: nothing is uploaded until the promise it returns settles', async () => {
    await using server = await startFakeServer()
    const puts: string[] = []
    const client = new VideoBGRemoverClient(FAKE_API_KEY, {
      baseUrl: server.url,
      fetch: (input, init) => {
        if (init.method === 'PUT') puts.push(input)
        return fetch(input, init)
      },
    })
    let persist!: () => void
    const persisted = new Promise<void>((resolve) => (persist = resolve))
    let called = false
    const outcome = video().removeBackground({ client, pollSeconds: 0.01, onJobCreated: () => ((called = true), persisted) })
    await until(() => called)
    // A caller that did not wait for the callback would have sent the upload within these microtasks.
    await new Promise((resolve) => setImmediate(resolve))
    expect(puts).toEqual([])
    persist()
    expect(await outcome).toBeInstanceOf(Foreground)
    expect(puts).toHaveLength(1)
  })

  it('a callback that throws stops the call before the upload, with its own error', async () => {
    await using server = await startFakeServer()
    const refusal = new Error('the database is down')
    const error = await failure(() =>
      video().removeBackground({
        client: clientFor(server),
        onJobCreated: () => {
          throw refusal
        },
      }),
    )
    expect(error).toBe(refusal)
    expect(seen(server, 'upload')).toEqual([])
    expect(seen(server, 'startJob')).toEqual([])
  })

  it('hears a URL job before its start', async () => {
    await using server = await startFakeServer()
    const starts: number[] = []
    await Video.open('https://cdn.test/clip.mp4').submit({
      client: clientFor(server),
      onJobCreated: () => void starts.push(seen(server, 'startJob').length),
    })
    expect(starts).toEqual([0])
  })
})

describe('submit and Job', () => {
  it('submit resolves to the started job without waiting for it', async () => {
    await using server = await startFakeServer({ processingMs: 600_000 })
    const job = await video().submit({ client: clientFor(server), options: { prefer: 'gif', model: 'videobgremover-light' } })
    expect(job).toBeInstanceOf(Job)
    expect(server.api.job(job.id)?.status).toBe('processing')
    expect(server.api.startsFor(job.id)).toBe(1)
    expect(seen(server, 'status')).toEqual([])
    expect(job.toJSON()).toEqual({ id: job.id, format: 'gif', model: 'videobgremover-light', source: 'clip.mp4' })
  })

  it('client.job(json) rebuilds the handle, sending nothing, and its result carries what was asked for', async () => {
    await using server = await startFakeServer()
    const submitted = await video().submit({ client: clientFor(server), options: { prefer: 'mov_prores' } })
    const stored = JSON.stringify(submitted)
    const before = server.api.requests.length

    const job = clientFor(server).job(JSON.parse(stored))
    expect(server.api.requests).toHaveLength(before)
    const foreground = await job.result({ pollSeconds: 0.01 })
    expect(foreground).toMatchObject({ jobId: submitted.id, format: 'mov_prores', source: 'clip.mp4', status: { status: 'completed' } })
    expect(foreground.url).toMatch(/video\.mov\?/)
    expect(server.api.startsFor(submitted.id)).toBe(1)
  })

  it('client.job(id) knows only the id: the result takes its format and name from the status', async () => {
    await using server = await startFakeServer()
    const { id } = await video().submit({ client: clientFor(server), options: { prefer: 'webp' } })
    const foreground = await clientFor(server).job(id).result({ pollSeconds: 0.01 })
    expect(foreground).toMatchObject({ jobId: id, format: 'webp', source: 'clip.mp4' })
  })

  it('job.status() is one status read', async () => {
    await using server = await startFakeServer({ processingMs: 600_000 })
    const job = await video().submit({ client: clientFor(server) })
    expect(await job.status()).toMatchObject({ id: job.id, status: 'processing' })
    expect(seen(server, 'status')).toHaveLength(1)
  })

  it('job.result() reports each status once, and waits as client.wait() does', async () => {
    const { server, advance } = await steppedFake()
    await using _ = server
    const job = await video().submit({ client: clientFor(server) })
    const statuses: string[] = []
    const outcome = job.result({ pollSeconds: 0.01, onStatus: (status) => statuses.push(status) })
    await until(() => seen(server, 'status').length >= 3)
    advance(1_000)
    await outcome
    expect(statuses).toEqual(['processing', 'completed'])
  })

  it.each(['created', 'uploaded'])('job.result() on a job still %s says to pass the video, and starts nothing', async (stage) => {
    await using server = await startFakeServer()
    const client = clientFor(server)
    const id =
      stage === 'created'
        ? (await client.createJobFile({ filename: 'clip.mp4', content_type: 'video/mp4' })).id
        : (await client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })).id
    const error = await failure(() => client.job(id).result({ pollSeconds: 0.01 }))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({ field: 'source', jobId: id })
    expect((error as Error).message).toContain(`status ${stage}`)
    expect((error as Error).message).toContain('removeBackground({ client, jobId })')
    expect(seen(server, 'status')).toHaveLength(1)
    expect(seen(server, 'startJob')).toEqual([])
  })
})

describe('resuming with jobId', () => {
  it('created (in the process that created it): uploads, then starts once', async () => {
    await using server = await startFakeServer()
    const client = clientFor(server)
    const id = await createdJob(client)
    expect(seen(server, 'upload')).toEqual([])

    const foreground = await video().removeBackground({ client, jobId: id, pollSeconds: 0.01 })
    expect(foreground.jobId).toBe(id)
    expect(seen(server, 'upload').map((entry) => entry.jobId)).toEqual([id])
    expect(server.api.startsFor(id)).toBe(1)
    expectOneCreateAtMostOneStart(server, 1)
  })

  it('created, its upload URL unknown (created elsewhere): a StorageError that says to create a new job, nothing sent to storage', async () => {
    await using server = await startFakeServer()
    const client = clientFor(server)
    const { id } = await client.createJobFile({ filename: 'clip.mp4', content_type: 'video/mp4' })
    const error = await failure(() => video().removeBackground({ client, jobId: id }))

    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'upload_url_unknown', jobId: id })
    expect((error as Error).message).toMatch(/create a new job \(an unstarted one costs nothing\)/)
    expect(seen(server, 'upload')).toEqual([])
    expectOneCreateAtMostOneStart(server, 1)
    expect(server.api.startsFor(id)).toBe(0)
  })

  it('created, its upload URL expired: a StorageError that says to create a new job, nothing sent to storage', async () => {
    await using server = await startFakeServer({ now: () => Date.now() - 2 * HOUR })
    const client = clientFor(server)
    const id = await createdJob(client)
    const error = await failure(() => video().removeBackground({ client, jobId: id }))

    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'upload_url_expired', jobId: id })
    expect((error as Error).message).toMatch(/create a new job/)
    expect(seen(server, 'upload')).toEqual([])
    expect(server.api.startsFor(id)).toBe(0)
  })

  it('created, with a video of another type than declared: refused before the upload', async () => {
    await using server = await startFakeServer()
    const client = clientFor(server)
    const id = await createdJob(client)
    const error = await failure(() => Video.open(new Blob([DATA]), { filename: 'clip.webm' }).removeBackground({ client, jobId: id }))

    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({ field: 'contentType', jobId: id })
    expect(seen(server, 'upload')).toEqual([])
  })

  it('uploaded (its start refused for credits): starts once, without a second upload', async () => {
    await using server = await startFakeServer({ credits: 0 })
    const client = clientFor(server)
    const refused = await failure(() => video().removeBackground({ client }))
    expect(refused).toBeInstanceOf(InsufficientCreditsError)
    const id = (refused as InsufficientCreditsError).jobId!
    expect(server.api.job(id)?.status).toBe('uploaded')

    server.api.credits = 1000
    const foreground = await video().removeBackground({ client, jobId: id, pollSeconds: 0.01 })
    expect(foreground).toMatchObject({ jobId: id, lengthSeconds: 10 })
    expect(seen(server, 'upload')).toHaveLength(1)
    expect(server.api.startsFor(id)).toBe(1)
    expectOneCreateAtMostOneStart(server, 1)
  })

  it('uploaded (a URL job): submit starts it once and resolves to the job', async () => {
    await using server = await startFakeServer({ processingMs: 600_000 })
    const client = clientFor(server)
    const { id } = await client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })
    const job = await Video.open('https://cdn.test/clip.mp4').submit({ client, jobId: id })
    expect(job.id).toBe(id)
    expect(server.api.job(id)?.status).toBe('processing')
    expect(server.api.startsFor(id)).toBe(1)
    expectOneCreateAtMostOneStart(server, 1)
  })

  it('processing: waits for it from a fresh client, with no create, upload or start', async () => {
    const { server, advance } = await steppedFake()
    await using _ = server
    const { id } = await video().submit({ client: clientFor(server), options: { prefer: 'gif' } })
    const before = { uploads: seen(server, 'upload').length }

    const outcome = video().removeBackground({ client: clientFor(server), jobId: id, options: { prefer: 'gif' }, pollSeconds: 0.01 })
    await until(() => seen(server, 'status').length >= 3)
    advance(1_000)
    const foreground = await outcome
    expect(foreground).toMatchObject({ jobId: id, format: 'gif', status: { status: 'completed' } })
    expect(seen(server, 'upload')).toHaveLength(before.uploads)
    expect(server.api.startsFor(id)).toBe(1)
    expectOneCreateAtMostOneStart(server, 1)
  })

  it('processing: submit resolves to the job after one status read', async () => {
    await using server = await startFakeServer({ processingMs: 600_000 })
    const { id } = await video().submit({ client: clientFor(server) })
    const job = await video().submit({ client: clientFor(server), jobId: id })
    expect(job.id).toBe(id)
    expect(seen(server, 'status')).toHaveLength(1)
    expect(server.api.startsFor(id)).toBe(1)
  })

  it('completed: the result at once, from one status read, in the format the job has', async () => {
    await using server = await startFakeServer()
    const first = await video().removeBackground({ client: clientFor(server), options: { prefer: 'lottie' }, pollSeconds: 0.01 })
    const reads = seen(server, 'status').length
    const statuses: string[] = []

    const again = await video().removeBackground({
      client: clientFor(server),
      jobId: first.jobId,
      onStatus: (status) => statuses.push(status),
    })
    expect(again).toMatchObject({ jobId: first.jobId, format: 'lottie', lengthSeconds: 10 })
    expect(seen(server, 'status')).toHaveLength(reads + 1)
    expect(statuses).toEqual(['completed'])
    expect(server.api.startsFor(first.jobId)).toBe(1)
    expectOneCreateAtMostOneStart(server, 1)
  })

  it('failed: a ProcessingError with the job id and the server message, and no start', async () => {
    await using server = await startFakeServer({ failJob: () => 'No person found in the video' })
    const client = clientFor(server)
    const { id } = await video().submit({ client })
    await until(() => server.api.job(id)?.status === 'failed')

    for (const resume of [() => video().removeBackground({ client, jobId: id }), () => video().submit({ client, jobId: id })]) {
      const error = await failure(resume)
      expect(error).toBeInstanceOf(ProcessingError)
      expect(error).toMatchObject({ jobId: id, code: 'job_failed', message: 'No person found in the video' })
    }
    expect(server.api.startsFor(id)).toBe(1)
    expectOneCreateAtMostOneStart(server, 1)
  })
})
