/**
 * The drift findings where bytes move, over the loopback fake: the containers the API takes, deletes whose
 * answers are lost or empty, and a whole run against the fake's drifted bodies in two time zones.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ValidationError, Video, VideoBGRemoverClient } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeServer, type FakeServerOptions } from '../../src/testing/node'
import { failure } from '../kit'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-drift-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))
afterEach(() => {
  vi.unstubAllEnvs()
})

const clientFor = (server: FakeServer) => new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })

async function withServer<T>(options: FakeServerOptions, run: (server: FakeServer) => Promise<T>): Promise<T> {
  const server = await startFakeServer(options)
  try {
    return await run(server)
  } finally {
    await server.close()
  }
}

describe('containers', () => {
  it.each([
    ['clip.m4v', 'video/mp4'],
    ['clip.mkv', 'video/mp4'],
    ['clip.avi', 'video/mp4'],
    ['clip.qt', 'video/mov'],
    ['CLIP.MOV', 'video/mov'],
  ])('%s is uploaded, declared as %s as the vendor SDKs declare it', async (name, contentType) => {
    const path = join(dir, name)
    await writeFile(path, new Uint8Array(2048).fill(1))
    await withServer({}, async (server) => {
      const foreground = await Video.open(path).removeBackground({ client: clientFor(server), pollSeconds: 0.01 })
      const create = server.api.requests.find((entry) => entry.endpoint === 'createJob')
      expect(create?.body).toEqual({ filename: name, content_type: contentType })
      const upload = server.api.requests.find((entry) => entry.endpoint === 'upload')
      expect(upload?.headers['content-type']).toBe(contentType)
      expect(server.api.job(foreground.jobId)?.upload?.bytes).toBe(2048)
    })
  })

  it('anything else is refused before sending, with the list of what is accepted', async () => {
    const error = await failure(() =>
      Video.open(join(dir, 'clip.flv')).removeBackground({ client: new VideoBGRemoverClient(FAKE_API_KEY) }),
    )
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toContain('.mp4, .m4v, .mov, .qt, .webm, .mkv, .avi')
  })
})

describe('deleteJob', () => {
  it.each([
    ['a 204 without a body', { status: 204 }],
    ['a 200 without an id', { status: 200, body: { message: 'deleted' } }],
  ])('succeeds on %s', async (_, fault) => {
    await withServer({}, async (server) => {
      const client = clientFor(server)
      const { id } = await client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })
      server.api.inject('deleteJob', fault)
      await expect(client.deleteJob(id)).resolves.toMatchObject({ id })
    })
  })

  it('a 404 on the retry after a lost answer is the first attempt having done it', async () => {
    await withServer({}, async (server) => {
      const client = clientFor(server)
      const { id } = await client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })
      server.api.inject('deleteJob', { drop: 'after-effect' })
      await expect(client.deleteJob(id)).resolves.toMatchObject({ id })
      expect(server.api.requests.filter((entry) => entry.endpoint === 'deleteJob').map((entry) => entry.status)).toEqual([0, 404])
    })
  })

  it('a 404 on the first attempt is still JobNotFoundError', async () => {
    await withServer({}, async (server) => {
      await expect(clientFor(server).deleteJob('no-such-job')).rejects.toMatchObject({ name: 'JobNotFoundError' })
    })
  })
})

describe('a whole run against the fake drifted bodies', () => {
  it.each(['UTC', 'Asia/Tokyo', 'America/Los_Angeles'])(
    'completes in TZ=%s: zoneless expiries read as UTC, nothing refused',
    async (zone) => {
      vi.stubEnv('TZ', zone)
      await withServer({ drift: true, processingMs: 20 }, async (server) => {
        const client = clientFor(server)
        const credits = await client.credits()
        expect(credits.remainingCredits).toBe(1000)
        const foreground = await Video.open(new Uint8Array(4096).fill(3), { filename: 'clip.mp4' }).removeBackground({
          client,
          pollSeconds: 0.01,
        })
        expect(foreground.status.status).toBe('completed')
        expect(foreground.lengthSeconds).toBe(10)
        expect((await foreground.arrayBuffer()).byteLength).toBeGreaterThan(0)
        expect((await client.webhookDeliveries(foreground.jobId)).total_deliveries).toBe(0)
      })
    },
  )
})
