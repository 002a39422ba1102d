/** Resuming a job by id from each stage it can be left at: the fake's ledger shows one create and at most one start. */
import { describe, expect, it } from 'vitest'
import {
  AbortError,
  InsufficientCreditsError,
  ProcessingError,
  StorageError,
  ValidationError,
  Video,
  VideoBGRemoverClient,
  type RemoveBackgroundParams,
} from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeServer } from '../../src/testing/node'
import { failure, until } from '../kit'
import { seen, steppedFake } from '../kit/fake'

/** Bytes no container reader recognises: these tests are about jobs, so the preflight has no duration and stays silent. */
const DATA = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 31 + 7) % 251)
const HOUR = 3_600_000

const clientFor = (server: FakeServer) => new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })
const video = () => Video.open(new Blob([DATA]), { filename: 'clip.mp4' })

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

  it('uploaded, resumed by two processes at once (a redelivered queue message): one start, and both resolve to the job', async () => {
    await using server = await startFakeServer({ processingMs: 600_000 })
    const { id } = await clientFor(server).createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })
    const resume = () => Video.open('https://cdn.test/clip.mp4').submit({ client: clientFor(server), jobId: id })
    // The first start is held by the fake until the second resume has read the job as uploaded and started it too.
    server.api.inject('startJob', { delayMs: 5_000 })
    const first = resume()
    await until(() => seen(server, 'startJob').length === 1)
    const second = await resume()
    expect((await first).id).toBe(id)
    expect(second.id).toBe(id)
    expect(server.api.startsFor(id)).toBe(1)
    expect(
      seen(server, 'startJob')
        .map((entry) => entry.status)
        .sort(),
    ).toEqual([200, 409])
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

  it('failed: a ProcessingError with the job id and the server message, and no start (job.result() too)', async () => {
    await using server = await startFakeServer({ failJob: () => 'No person found in the video' })
    const client = clientFor(server)
    const { id } = await video().submit({ client })
    await until(() => server.api.job(id)?.status === 'failed')

    const resumes = [
      () => video().removeBackground({ client, jobId: id }),
      () => video().submit({ client, jobId: id }),
      () => client.job(id).result(),
    ]
    for (const resume of resumes) {
      const error = await failure(resume)
      expect(error).toBeInstanceOf(ProcessingError)
      expect(error).toMatchObject({ jobId: id, code: 'job_failed', message: 'No person found in the video' })
    }
    expect(server.api.startsFor(id)).toBe(1)
    expectOneCreateAtMostOneStart(server, 1)
  })
})
