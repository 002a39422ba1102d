import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { InsufficientCreditsError, ValidationError, Video, VideoBGRemoverClient, type VideoSource } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeServer } from '../../src/testing/node'
import { failure } from '../kit'

/** A real 4.0 s MP4 (examples/assets/sample.mp4): the preflight estimates 4 credits for it. */
const SAMPLE = fileURLToPath(new URL('../../examples/assets/sample.mp4', import.meta.url))
const sampleBytes = async () => new Uint8Array(await readFile(SAMPLE))

const clientFor = (server: FakeServer) => new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })
const endpoints = (server: FakeServer) => server.api.requests.map((entry) => entry.endpoint)

describe('the credit preflight', () => {
  it.each([
    ['a file path', async (): Promise<VideoSource> => SAMPLE],
    ['a Blob', async (): Promise<VideoSource> => new Blob([await sampleBytes()], { type: 'video/mp4' })],
    ['bytes', async (): Promise<VideoSource> => sampleBytes()],
  ])('refuses %s the balance cannot pay for, having sent nothing but a credits read', async (_, source) => {
    await using server = await startFakeServer({ credits: 3 })
    const error = await failure(async () =>
      Video.open(await source(), { contentType: 'video/mp4' }).removeBackground({ client: clientFor(server) }),
    )

    expect(error).toBeInstanceOf(InsufficientCreditsError)
    expect(error).toMatchObject({ remainingCredits: 3, requiredCredits: 4, status: 0, code: 'preflight_insufficient_credits' })
    expect((error as Error).message).toMatch(/4 s video needs 4 credits.*3 are left.*Nothing was created or uploaded/)
    expect((error as InsufficientCreditsError).jobId).toBeUndefined()
    expect(endpoints(server)).toEqual(['credits'])
  })

  it('proceeds when the balance covers the estimate, reading it once before the create', async () => {
    await using server = await startFakeServer({ credits: 4, videoLengthSeconds: 4 })
    const foreground = await Video.open(SAMPLE).removeBackground({ client: clientFor(server), pollSeconds: 0.01 })
    expect(foreground.lengthSeconds).toBe(4)
    expect(endpoints(server).slice(0, 4)).toEqual(['credits', 'createJob', 'upload', 'startJob'])
    expect(endpoints(server).filter((endpoint) => endpoint === 'credits')).toHaveLength(1)
  })

  it('submit refuses the same way, before anything is created', async () => {
    await using server = await startFakeServer({ credits: 1 })
    const error = await failure(() => Video.open(SAMPLE).submit({ client: clientFor(server) }))
    expect(error).toMatchObject({ name: 'InsufficientCreditsError', requiredCredits: 4, remainingCredits: 1 })
    expect(endpoints(server)).toEqual(['credits'])
  })

  it('maxCredits refuses a video that would cost more, with nothing sent at all', async () => {
    await using server = await startFakeServer()
    const error = await failure(() => Video.open(SAMPLE).removeBackground({ client: clientFor(server), maxCredits: 3 }))
    expect(error).toBeInstanceOf(InsufficientCreditsError)
    expect(error).toMatchObject({ requiredCredits: 4, remainingCredits: undefined, status: 0, code: 'preflight_max_credits' })
    expect((error as Error).message).toContain('over maxCredits (3)')
    expect(server.api.requests).toEqual([])
  })

  it('maxCredits lets through a video that costs no more', async () => {
    await using server = await startFakeServer({ processingMs: 600_000 })
    const job = await Video.open(SAMPLE).submit({ client: clientFor(server), maxCredits: 4 })
    expect(server.api.startsFor(job.id)).toBe(1)
  })

  it('preflight: false sends no credits read, and leaves the balance to the start', async () => {
    await using server = await startFakeServer({ credits: 3 })
    const error = await failure(() => Video.open(SAMPLE).removeBackground({ client: clientFor(server), preflight: false }))
    expect(error).toMatchObject({ name: 'InsufficientCreditsError', status: 402 })
    expect(endpoints(server)).toEqual(['createJob', 'upload', 'startJob'])
  })

  it.each([
    ['bytes no container reader recognises', () => Video.open(new Uint8Array(4096).fill(7), { filename: 'noise.mp4' })],
    ['a URL (the API downloads it)', () => Video.open('https://cdn.test/clip.mp4')],
    ['a stream (read once, by the upload)', () => Video.open(new Blob([new Uint8Array(4096)]).stream(), { size: 4096, filename: 'a.mp4' })],
  ])('is skipped, with no extra request, for %s', async (_, open) => {
    await using server = await startFakeServer({ processingMs: 600_000 })
    await open().submit({ client: clientFor(server) })
    expect(endpoints(server)).not.toContain('credits')
  })

  it('runs after every input check: a bad option sends nothing at all', async () => {
    await using server = await startFakeServer({ credits: 0 })
    const error = await failure(() => Video.open(SAMPLE).removeBackground({ client: clientFor(server), options: { background: 'red' } }))
    expect(error).toBeInstanceOf(ValidationError)
    expect(server.api.requests).toEqual([])
  })

  it('checks a resumed job before its start, and never once it has started', async () => {
    await using server = await startFakeServer({ processingMs: 600_000 })
    const client = clientFor(server)
    const { id } = await client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })
    server.api.credits = 2
    const refused = await failure(() => Video.open(SAMPLE).submit({ client, jobId: id }))
    expect(refused).toMatchObject({ name: 'InsufficientCreditsError', requiredCredits: 4, jobId: id })
    expect(server.api.startsFor(id)).toBe(0)

    server.api.credits = 1000
    await Video.open(SAMPLE).submit({ client, jobId: id })
    const reads = endpoints(server).filter((endpoint) => endpoint === 'credits').length
    await Video.open(SAMPLE).submit({ client, jobId: id })
    expect(endpoints(server).filter((endpoint) => endpoint === 'credits')).toHaveLength(reads)
    expect(server.api.startsFor(id)).toBe(1)
  })
})
