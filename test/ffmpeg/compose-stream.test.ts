/**
 * composition.toStream with a real ffmpeg. The tests run one after another, so that the RSS measured in one is this
 * process's alone; none of them waits for a wall-clock budget.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AbortError, ValidationError } from '../../src/errors'
import {
  Background,
  Composition,
  Cutout,
  EncoderProfile,
  FFmpegError,
  SizeMode,
  type CompositionProgress,
} from '../../src/node/compose/index'
import { RESULT_FILES } from '../../src/testing/fixtures/results'
import { rejection } from '../kit'

const exec = promisify(execFile)
const FAST = EncoderProfile.h264({ preset: 'ultrafast' })

let dir: string
let count = 0
/** The fixture cut-out, copied into a new directory whose path names this stream's ffmpeg in `ps`. */
async function cutout(): Promise<string> {
  const folder = join(dir, `stream-${count++}`)
  await mkdir(folder)
  const path = join(folder, 'cut.webm')
  await writeFile(path, Buffer.from(RESULT_FILES['webm_vp9.webm'], 'base64'))
  return path
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-compose-stream-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** 96×64 at 12 fps for 1 s: the fixture cut-out on a colour. */
async function small(): Promise<Composition> {
  const composition = new Composition(Background.fromColor('#336699', 96, 64, 12))
  composition.add(Cutout.fromFile(await cutout()))
  return composition
}

/** 1280×720 at 30 fps for 30 s, which is 1.2 GB as YUV4MPEG2: far more than a test may buffer. */
async function long(): Promise<{ composition: Composition; marker: string }> {
  const marker = await cutout()
  const composition = new Composition(Background.fromColor('#336699', 1280, 720, 30)).setDuration(30)
  composition.add(Cutout.fromFile(marker)).size(SizeMode.SCALE, { scale: 1 })
  return { composition, marker }
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer())
}

/** What ffprobe decodes from `bytes`, counting the frames (a streamed WebM or Matroska states no duration). */
async function probe(bytes: Buffer, name: string) {
  const path = join(dir, name)
  await writeFile(path, bytes)
  const entries = 'format=format_name,duration:stream=codec_name,width,height,r_frame_rate,nb_read_frames'
  const { stdout } = await exec('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    entries,
    '-of',
    'json',
    path,
  ])
  const { streams, format } = JSON.parse(stdout) as { streams: Record<string, string | number>[]; format: Record<string, string> }
  return { ...streams[0], format: format.format_name, duration: Number(format.duration) }
}

/** The pids of running ffmpeg processes whose arguments hold `marker`. */
async function ffmpegPids(marker: string): Promise<number[]> {
  const { stdout } = await exec('ps', ['-eo', 'pid=,args='])
  return stdout.split('\n').flatMap((line) => {
    const [pid = '', command = ''] = line.trim().split(/\s+/)
    return basename(command) === 'ffmpeg' && line.includes(marker) ? [Number(pid)] : []
  })
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('Composition.toStream', () => {
  it('streams fragmented MP4 that decodes to the size, frame rate and duration asked for', async () => {
    const bytes = await bytesOf(await (await small()).toStream(FAST))
    expect(await probe(bytes, 'stream.mp4')).toMatchObject({
      format: expect.stringContaining('mp4'),
      codec_name: 'h264',
      width: 96,
      height: 64,
      r_frame_rate: '12/1',
      nb_read_frames: '12',
    })
    expect((await probe(bytes, 'stream.mp4')).duration).toBeCloseTo(1, 1)
  })

  it.each([
    ['WebM', EncoderProfile.vp9(), undefined, 'matroska,webm', 'vp9'],
    ['Matroska', FAST, 'matroska' as const, 'matroska,webm', 'h264'],
    ['YUV4MPEG2', EncoderProfile.y4m(), undefined, 'yuv4mpegpipe', 'rawvideo'],
  ])('streams %s that decodes to the size, frame rate and frame count asked for', async (name, profile, container, format, codec) => {
    const bytes = await bytesOf(await (await small()).toStream(profile, { container }))
    expect(await probe(bytes, `stream.${name}`)).toMatchObject({
      format,
      codec_name: codec,
      width: 96,
      height: 64,
      r_frame_rate: '12/1',
      nb_read_frames: '12',
    })
  })

  it('reports progress up to the end of the stream', async () => {
    const reports: CompositionProgress[] = []
    await bytesOf(await (await small()).toStream(FAST, { onProgress: (progress) => reports.push(progress) }))
    expect(reports.at(-1)).toMatchObject({ ratio: 1, seconds: 1, duration: 1 })
  })

  it('refuses a profile that cannot stream, naming those that can, before running anything', async () => {
    const composition = await small()
    for (const [profile, container] of [
      [EncoderProfile.pngSequence()],
      [EncoderProfile.prores4444()],
      [EncoderProfile.y4m(), 'matroska'],
    ] as const) {
      const error = await rejection(composition.toStream(profile, { container }))
      expect(error).toBeInstanceOf(ValidationError)
      expect(error.message).toMatch(
        /stream h264\(\) and stackedVideo\(\) \(fragmented MP4\), vp9\(\) and transparentWebm\(\) \(WebM\), y4m\(\)/,
      )
    }
    const prores = await bytesOf(await composition.toStream(EncoderProfile.prores4444(), { container: 'matroska' }))
    expect(await probe(prores, 'prores.mkv')).toMatchObject({ codec_name: 'prores', nb_read_frames: '12' })
  })

  it('errors the stream with FFmpegError and ffmpeg’s last log lines when ffmpeg fails', async () => {
    const stream = await (await small()).toStream(EncoderProfile.h264({ preset: 'warp-speed' }))
    const error = await rejection<FFmpegError>(bytesOf(stream))
    expect(error).toBeInstanceOf(FFmpegError)
    expect(error.message).toMatch(/^ffmpeg exited with code \d+: .*warp-speed/s)
    expect(error.stderr).toContain('warp-speed')
  })

  it('keeps ffmpeg waiting for a slow reader, so memory stays flat over a 30 s 720p stream', { timeout: 180_000 }, async () => {
    const { composition } = await long()
    let encoded = 0
    const reader = (
      await composition.toStream(EncoderProfile.y4m(), { onProgress: (progress) => (encoded = progress.seconds) })
    ).getReader()
    let bytes = (await reader.read()).value?.length ?? 0
    const baseline = process.memoryUsage().rss
    // The reader stops for a while: without backpressure ffmpeg would run on and its output pile up here.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const encodedWhilePaused = encoded
    let peak = process.memoryUsage().rss
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      bytes += chunk.value.length
      peak = Math.max(peak, process.memoryUsage().rss)
    }
    expect((peak - baseline) / 2 ** 20).toBeLessThan(200)
    expect(encodedWhilePaused).toBeLessThan(1)
    expect(bytes).toBeGreaterThan(900 * 1280 * 720 * 1.5)
  })

  it('kills ffmpeg when the stream is cancelled mid-way', async () => {
    const { composition, marker } = await long()
    const reader = (await composition.toStream(EncoderProfile.y4m())).getReader()
    await reader.read()
    const [pid] = await ffmpegPids(marker)
    expect(pid !== undefined && running(pid)).toBe(true)
    await reader.cancel()
    expect(running(pid!)).toBe(false)
    expect(await ffmpegPids(marker)).toEqual([])
  })

  it('kills ffmpeg and errors the stream with AbortError when the signal aborts', async () => {
    const { composition, marker } = await long()
    const controller = new AbortController()
    const reader = (await composition.toStream(EncoderProfile.y4m(), { signal: controller.signal })).getReader()
    await reader.read()
    const [pid] = await ffmpegPids(marker)
    controller.abort()
    expect(await rejection(reader.read())).toBeInstanceOf(AbortError)
    await until(() => !running(pid!))
    expect(await ffmpegPids(marker)).toEqual([])
  })
})

describe('examples/compose-stream.ts', () => {
  it('serves a composition as an HTTP response of fragmented MP4, and stops on Ctrl-C', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url))
    const env = { ...process.env }
    delete env.VIDEOBGREMOVER_API_KEY
    const child = spawn(
      process.execPath,
      ['--import', join(root, 'node_modules/tsx/dist/loader.mjs'), join(root, 'examples/compose-stream.ts'), '0'],
      { cwd: root, env },
    )
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = ''
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString()
          const match = /Serving the composition at (http:\S+)/.exec(output)
          if (match?.[1]) resolve(match[1])
        })
        child.on('exit', () => reject(new Error(`the example exited: ${output}`)))
      })
      const response = await fetch(url)
      expect(response.headers.get('content-type')).toBe('video/mp4')
      const bytes = Buffer.from(await response.arrayBuffer())
      expect(await probe(bytes, 'example.mp4')).toMatchObject({ codec_name: 'h264', width: 320, height: 240 })
      child.kill('SIGINT')
      expect(await exited).toBe(0)
    } finally {
      child.kill('SIGKILL')
    }
  })
})

/** Resolves once `condition` holds, checking at each turn of the event loop (no deadline: the test's timeout is one). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve))
}
