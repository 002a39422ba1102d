import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AbortError,
  StorageError,
  ConnectionError,
  Foreground,
  RemoveBGOptions,
  Video,
  VideoBGRemoverClient,
  ValidationError,
  type Progress,
} from '../../src/node/index'
import { FAKE_API_KEY, fakeResultBytes, startFakeServer, type FakeServer, type FakeServerOptions } from '../../src/testing/node'
import { failure, until } from '../kit'

/** Not a multiple of the fake's 64 KiB chunks, so the last chunk is a short one. */
const SIZE = 300_000

let root: string
let dirs = 0
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vbr-download-'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

async function emptyDir(): Promise<string> {
  const dir = join(root, String(++dirs))
  await mkdir(dir)
  return dir
}

async function serverWithResult(options: FakeServerOptions = {}) {
  const server = await startFakeServer({ resultSize: SIZE, ...options })
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, headers: { 'x-tenant': 'acme' } })
  const foreground = await Video.open('https://cdn.test/clip.mp4').removeBackground({ client, pollSeconds: 0.01 })
  return { server, foreground, expected: fakeResultBytes(foreground.jobId, 'video.webm', SIZE) }
}

const downloads = (server: FakeServer) => server.api.requests.filter((entry) => entry.endpoint === 'download')
const statusReads = (server: FakeServer) => server.api.requests.filter((entry) => entry.endpoint === 'status').length

const readers: Array<[string, (foreground: Foreground, onProgress: (progress: Progress) => void) => Promise<Uint8Array>]> = [
  ['arrayBuffer()', async (foreground, onProgress) => new Uint8Array(await foreground.arrayBuffer({ onProgress }))],
  ['blob()', async (foreground, onProgress) => new Uint8Array(await (await foreground.blob({ onProgress })).arrayBuffer())],
  ['stream()', async (foreground, onProgress) => new Uint8Array(await new Response(await foreground.stream({ onProgress })).arrayBuffer())],
  [
    'save(path)',
    async (foreground, onProgress) => {
      const path = join(await emptyDir(), 'result.webm')
      expect(await foreground.save(path, { onProgress })).toBe(path)
      return new Uint8Array(await readFile(path))
    },
  ],
]

describe('downloads', () => {
  it.each(readers)('%s gives the exact bytes, reporting progress up to the total', async (_, read) => {
    const { server, foreground, expected } = await serverWithResult()
    await using _server = server
    const progress: Progress[] = []
    const bytes = await read(foreground, (event) => progress.push(event))

    expect(bytes.byteLength).toBe(SIZE)
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true)
    expect(progress.map((event) => event.loaded)).toEqual([...progress.map((event) => event.loaded)].sort((a, b) => a - b))
    expect(progress.at(-1)).toEqual({ loaded: SIZE, total: SIZE })
  })

  it('fetches the result without the API key or the client headers', async () => {
    const { server, foreground } = await serverWithResult()
    await using _server = server
    await foreground.arrayBuffer()

    expect(downloads(server)).toHaveLength(1)
    expect(downloads(server)[0]!.headers).not.toHaveProperty('x-api-key')
    expect(downloads(server)[0]!.headers).not.toHaveProperty('x-tenant')
  })

  it('downloads the file of the format asked for', async () => {
    const server = await startFakeServer({ resultSize: SIZE })
    await using _server = server
    const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })
    const foreground = await Video.open('https://cdn.test/clip.mp4').removeBackground({
      client,
      pollSeconds: 0.01,
      options: new RemoveBGOptions('mov_prores'),
    })
    const bytes = new Uint8Array(await foreground.arrayBuffer())
    expect(Buffer.from(bytes).equals(Buffer.from(fakeResultBytes(foreground.jobId, 'video.mov', SIZE)))).toBe(true)
  })
})

describe('stale signed URLs', () => {
  it('an expired URL is refreshed by one status read', async () => {
    let skew = 0
    const { server, foreground, expected } = await serverWithResult({ now: () => Date.now() + skew, resultTtlMs: 60_000 })
    await using _server = server
    const readsBefore = statusReads(server)
    skew = 2 * 60_000

    const bytes = new Uint8Array(await foreground.arrayBuffer())
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true)
    expect(downloads(server).map((entry) => entry.status)).toEqual([400, 200])
    expect(statusReads(server) - readsBefore).toBe(1)
  })

  it('a 403 from storage is refreshed by one status read', async () => {
    const { server, foreground, expected } = await serverWithResult()
    await using _server = server
    server.api.inject('download', { status: 403 })
    const readsBefore = statusReads(server)

    const bytes = new Uint8Array(await foreground.arrayBuffer())
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true)
    expect(downloads(server).map((entry) => entry.status)).toEqual([403, 200])
    expect(statusReads(server) - readsBefore).toBe(1)
  })

  it('a URL still refused after the refresh is an error, not a loop', async () => {
    const { server, foreground } = await serverWithResult()
    await using _server = server
    server.api.inject('download', { status: 403 }, 5)
    const readsBefore = statusReads(server)

    const error = await failure(() => foreground.arrayBuffer())
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ status: 403, jobId: foreground.jobId })
    expect(downloads(server)).toHaveLength(2)
    expect(statusReads(server) - readsBefore).toBe(1)
  })
})

describe('save()', () => {
  it('leaves no file, not even a temporary one, when the download fails mid-body', async () => {
    const { server, foreground } = await serverWithResult()
    await using _server = server
    server.api.inject('download', { drop: 'mid-body' }, 10)
    const dir = await emptyDir()

    const error = await failure(() => foreground.save(join(dir, 'result.webm')))
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as ConnectionError).jobId).toBe(foreground.jobId)
    expect(await readdir(dir)).toEqual([])
  })

  it('leaves an existing file untouched when the download fails', async () => {
    const { server, foreground } = await serverWithResult()
    await using _server = server
    server.api.inject('download', { drop: 'mid-body' }, 10)
    const dir = await emptyDir()
    const path = join(dir, 'result.webm')
    await writeFile(path, 'previous result')

    await expect(foreground.save(path)).rejects.toBeInstanceOf(ConnectionError)
    expect(await readFile(path, 'utf8')).toBe('previous result')
    expect(await readdir(dir)).toEqual(['result.webm'])
  })

  it.each([
    ['a directory that does not exist', (dir: string) => join(dir, 'missing', 'result.webm'), /does not exist/],
    ['a directory', (dir: string) => dir, /directory/],
  ])('refuses %s before downloading', async (_, target, message) => {
    const { server, foreground } = await serverWithResult()
    await using _server = server
    const dir = await emptyDir()

    const error = await failure(() => foreground.save(target(dir)))
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).message).toMatch(message)
    expect(downloads(server)).toEqual([])
    expect(await readdir(dir)).toEqual([])
  })

  it('writes into a path with spaces, leaving only the final file', async () => {
    const { server, foreground, expected } = await serverWithResult()
    await using _server = server
    const dir = await emptyDir()
    await foreground.save(join(dir, 'my result.webm'))

    expect(await readdir(dir)).toEqual(['my result.webm'])
    expect((await readFile(join(dir, 'my result.webm'))).equals(Buffer.from(expected))).toBe(true)
  })
})

describe('abort', () => {
  it.each([
    ['arrayBuffer()', (foreground: Foreground, signal: AbortSignal) => foreground.arrayBuffer({ signal })],
    ['save(path)', (foreground: Foreground, signal: AbortSignal, dir: string) => foreground.save(join(dir, 'result.webm'), { signal })],
  ])('%s settles at once with an AbortError carrying the job id, leaving no file', async (_, read) => {
    const { server, foreground } = await serverWithResult()
    await using _server = server
    server.api.inject('download', { delayMs: 600_000 })
    const dir = await emptyDir()
    const controller = new AbortController()
    const outcome = failure(() => read(foreground, controller.signal, dir))
    await until(() => downloads(server).length > 0)

    controller.abort()
    const error = await outcome
    expect(error).toBeInstanceOf(AbortError)
    expect((error as AbortError).jobId).toBe(foreground.jobId)
    expect(await readdir(dir)).toEqual([])
  })

  it('aborting while the body streams settles at once', async () => {
    const { server, foreground } = await serverWithResult()
    await using _server = server
    const controller = new AbortController()
    const reader = (await foreground.stream({ signal: controller.signal })).getReader()
    await reader.read()

    controller.abort()
    const error = await failure(async () => {
      for (;;) if ((await reader.read()).done) return
    })
    expect(error).toBeInstanceOf(AbortError)
    expect((error as AbortError).jobId).toBe(foreground.jobId)
  })
})
