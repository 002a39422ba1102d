import { describe, expect, it } from 'vitest'
import { Foreground, Job, ValidationError, Video, VideoBGRemoverClient } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeServer } from '../../src/testing/node'
import { failure, until } from '../kit'
import { seen, steppedFake } from '../kit/fake'

/** Bytes no container reader recognises: these tests are about jobs, so the preflight has no duration and stays silent. */
const DATA = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 31 + 7) % 251)

const clientFor = (server: FakeServer) => new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })
const video = () => Video.open(new Blob([DATA]), { filename: 'clip.mp4' })

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
