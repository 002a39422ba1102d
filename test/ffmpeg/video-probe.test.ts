import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as web from '../../src/index'
import { Video, type OpenOptions, type VideoSource } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer } from '../../src/testing/node'

/** `Video.open(source).probe()` for every kind of source: the container readers themselves are probe.test.ts's. */

const exec = promisify(execFile)
const FRAME = 1 / 25

let dir: string
const path = (name: string) => join(dir, name)
const bytesOf = async (name: string) => new Uint8Array(await readFile(path(name)))
const ffprobed: Record<string, number> = {}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-video-probe-'))
  const input = ['-t', '2.4', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-pix_fmt', 'yuv420p']
  await exec('ffmpeg', [
    '-v',
    'error',
    '-y',
    ...input,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    path('clip.mp4'),
    '-c:v',
    'libvpx-vp9',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    path('clip.webm'),
  ])
  for (const name of ['clip.mp4', 'clip.webm']) {
    const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path(name)])
    ffprobed[name] = Number(stdout)
  }
}, 120_000)
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('Video.open(source).probe()', () => {
  const sources: Array<[kind: string, container: string, open: () => Promise<[VideoSource, OpenOptions?]>]> = [
    ['a file path', 'mp4', async () => [path('clip.mp4')]],
    ['a file path to a WebM', 'webm', async () => [path('clip.webm')]],
    ['a Blob', 'mp4', async () => [new Blob([await bytesOf('clip.mp4')]), { filename: 'clip.mp4' }]],
    ['a File', 'webm', async () => [new File([await bytesOf('clip.webm')], 'clip.webm', { type: 'video/webm' })]],
    ['a Uint8Array', 'mp4', async () => [await bytesOf('clip.mp4'), { contentType: 'video/mp4' }]],
    ['an ArrayBuffer', 'webm', async () => [(await bytesOf('clip.webm')).slice().buffer, { filename: 'clip.webm' }]],
    ['a Buffer', 'mp4', async () => [await readFile(path('clip.mp4')), { filename: 'clip.mp4' }]],
  ]

  it.each(sources)('reads the duration, size and credits of %s', async (_, container, open) => {
    const result = await Video.open(...(await open())).probe()
    const name = `clip.${container}`
    expect(result).toMatchObject({ container, width: 160, height: 120, estimatedCredits: 3 })
    expect(Math.abs(result.durationSeconds! - ffprobed[name]!)).toBeLessThanOrEqual(FRAME)
  })

  it.each([
    ['an http(s) URL string', () => Video.open('https://cdn.test/clip.mp4')],
    ['a URL object', () => Video.open(new URL('https://cdn.test/clip.mp4'))],
  ])('knows nothing of %s, and downloads nothing', async (_, open) => {
    await using server = await startFakeServer()
    const served = Video.open(`${server.url}/media/clip.mp4`)
    expect(await open().probe()).toEqual({})
    expect(await served.probe()).toEqual({})
    expect(server.api.requests).toEqual([])
  })

  it('knows nothing of a ReadableStream, and leaves it unread for the upload', async () => {
    await using server = await startFakeServer()
    const bytes = await bytesOf('clip.mp4')
    const stream = new Blob([bytes]).stream()
    const video = Video.open(stream, { size: bytes.length, filename: 'clip.mp4' })
    expect(await video.probe()).toEqual({})
    expect(stream.locked).toBe(false)

    const client = new web.VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })
    await video.submit({ client })
    expect(server.api.requests.find((entry) => entry.endpoint === 'upload')?.upload?.bytes).toBe(bytes.length)
  })

  it.each([
    ['a missing file', () => Video.open(path('missing.mp4'))],
    ['bytes that are no video', () => Video.open(new Uint8Array(10_000).fill(0x42), { filename: 'noise.mp4' })],
    ['a file path in a runtime without files', () => web.Video.open(path('clip.mp4'))],
  ])('gives {} for %s, never an error', async (_, open) => {
    expect(await open().probe()).toEqual({})
  })
})
