import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { extractZipEntry, zipEntries } from '../../src/node/compose/zip'
import { fakeResultFile } from '../../src/testing/fake/results'
import { RESULT_FILES, type ResultFileName } from '../../src/testing/fixtures/results'

const dir = mkdtempSync(join(tmpdir(), 'vbr-fixtures-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: ResultFileName): string {
  const path = join(dir, name)
  writeFileSync(path, Buffer.from(RESULT_FILES[name], 'base64'))
  return path
}

interface Stream {
  codec_name: string
  codec_type: string
  width: number
  height: number
  pix_fmt: string
  r_frame_rate: string
  tags?: Record<string, string>
}

function probe(path: string): { streams: Stream[]; format: { duration?: string } } {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path]).toString())
}

function video(path: string): Stream {
  const stream = probe(path).streams.find((candidate) => candidate.codec_type === 'video')
  if (stream === undefined) throw new Error(`${path} has no video`)
  return stream
}

/** RGBA of pixel (x, y) in the first frame. */
function pixel(path: string, x: number, y: number, decoder: string[] = []): number[] {
  const frame = execFileSync('ffmpeg', ['-v', 'error', ...decoder, '-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'])
  const width = video(path).width
  return [...frame.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)]
}

const INSIDE = [24, 32] as const
const OUTSIDE = [56, 8] as const
const SOFT_EDGE = [7, 32] as const

function near(actual: number[], expected: number[], tolerance = 12): void {
  expect(
    actual.every((value, index) => Math.abs(value - (expected[index] ?? 0)) <= tolerance),
    `${actual} ≈ ${expected}`,
  ).toBe(true)
}

describe('result fixtures served by the fake API', () => {
  it('stay small', () => {
    const total = Object.keys(RESULT_FILES).reduce((sum, name) => sum + fakeResultFile(name).byteLength, 0)
    expect(total).toBeLessThan(120_000)
  })

  it('green_screen.mp4: H.264, a red square on green, 10 frames at 10 fps', () => {
    const path = file('green_screen.mp4')
    expect(video(path)).toMatchObject({ codec_name: 'h264', width: 64, height: 64, pix_fmt: 'yuv420p', r_frame_rate: '10/1' })
    expect(Number(probe(path).format.duration)).toBeCloseTo(1, 1)
    near(pixel(path, ...INSIDE), [255, 0, 0, 255])
    near(pixel(path, ...OUTSIDE), [0, 255, 0, 255])
  })

  it('webm_vp9.webm: VP9 with alpha that the libvpx decoder keeps', () => {
    const path = file('webm_vp9.webm')
    const stream = video(path)
    expect(stream).toMatchObject({ codec_name: 'vp9', width: 64, height: 64 })
    expect(stream.tags?.alpha_mode ?? stream.tags?.ALPHA_MODE).toBe('1')
    near(pixel(path, ...INSIDE, ['-c:v', 'libvpx-vp9']), [255, 0, 0, 255])
    expect(pixel(path, ...OUTSIDE, ['-c:v', 'libvpx-vp9'])[3]).toBe(0)
  })

  it('mov_prores.mov: ProRes 4444 with alpha', () => {
    const path = file('mov_prores.mov')
    expect(video(path)).toMatchObject({ codec_name: 'prores', pix_fmt: expect.stringMatching(/^yuva444p/) })
    near(pixel(path, ...INSIDE), [255, 0, 0, 255])
    expect(pixel(path, ...OUTSIDE)[3]).toBe(0)
    near(pixel(path, ...SOFT_EDGE), [255, 0, 0, 96])
  })

  it('stacked_video.mp4: twice as high, colour on top and a grey mask below', () => {
    const path = file('stacked_video.mp4')
    const { width, height } = video(path)
    expect([width, height]).toEqual([64, 128])
    near(pixel(path, ...INSIDE), [255, 0, 0, 255])
    near(pixel(path, OUTSIDE[0], OUTSIDE[1]), [0, 0, 255, 255])
    near(pixel(path, INSIDE[0], INSIDE[1] + 64), [255, 255, 255, 255])
    near(pixel(path, OUTSIDE[0], OUTSIDE[1] + 64), [0, 0, 0, 255])
  })

  it('pro_bundle.zip: color.mp4, alpha.mp4, audio.m4a and manifest.json', async () => {
    const zip = file('pro_bundle.zip')
    const entries = await zipEntries(zip)
    expect(entries.map((entry) => entry.name).sort()).toEqual(['alpha.mp4', 'audio.m4a', 'color.mp4', 'manifest.json'])
    const [color, alpha, audio, manifest] = await Promise.all(
      ['color.mp4', 'alpha.mp4', 'audio.m4a', 'manifest.json'].map((name) => extractTo(zip, name)),
    )
    expect(video(color!)).toMatchObject({ codec_name: 'h264', width: 64, height: 64 })
    near(pixel(alpha!, ...INSIDE), [255, 255, 255, 255])
    near(pixel(alpha!, ...OUTSIDE), [0, 0, 0, 255])
    expect(probe(audio!).streams[0]).toMatchObject({ codec_type: 'audio', codec_name: 'aac' })
    expect(JSON.parse(readFileSync(manifest!, 'utf8'))).toMatchObject({ width: 64, height: 64, fps: 10 })
  })

  it('png_sequence.zip: ten RGBA PNG frames (deflated)', async () => {
    const zip = file('png_sequence.zip')
    const entries = await zipEntries(zip)
    expect(entries).toHaveLength(10)
    expect(entries.every((entry) => entry.method === 8 && /^frames\/frame_\d{5}\.png$/.test(entry.name))).toBe(true)
    const first = await extractTo(zip, entries[0]?.name ?? '')
    expect(video(first)).toMatchObject({ codec_name: 'png', pix_fmt: 'rgba', width: 64, height: 64 })
    expect(pixel(first, ...OUTSIDE)[3]).toBe(0)
    expect(pixel(first, ...SOFT_EDGE)).toEqual([255, 0, 0, 96])
  })

  it('gif.gif: animated GIF with transparency', () => {
    const path = file('gif.gif')
    expect(video(path)).toMatchObject({ codec_name: 'gif', width: 64, height: 64 })
    near(pixel(path, ...INSIDE), [255, 0, 0, 255])
    expect(pixel(path, ...OUTSIDE)[3]).toBe(0)
  })

  it('webp.webp: animated WebP with alpha, ten frames', () => {
    const bytes = Buffer.from(fakeResultFile('webp.webp'))
    expect(bytes.toString('latin1', 0, 4) + bytes.toString('latin1', 8, 12)).toBe('RIFFWEBP')
    const chunks: string[] = []
    for (let at = 12; at < bytes.length; at += 8 + bytes.readUInt32LE(at + 4) + (bytes.readUInt32LE(at + 4) % 2)) {
      chunks.push(bytes.toString('latin1', at, at + 4))
    }
    expect(chunks.filter((chunk) => chunk === 'ANMF')).toHaveLength(10)
    expect(chunks.slice(0, 2)).toEqual(['VP8X', 'ANIM'])
    expect(bytes[20]! & 0x12).toBe(0x12)
  })

  it('lottie.json: a Lottie of ten embedded WebP frames at 10 fps', () => {
    const lottie = JSON.parse(Buffer.from(fakeResultFile('lottie.json')).toString())
    expect(lottie).toMatchObject({ fr: 10, ip: 0, op: 10, w: 64, h: 64 })
    expect(lottie.assets).toHaveLength(10)
    expect(lottie.layers.every((layer: { ty: number }) => layer.ty === 2)).toBe(true)
    const frame = join(dir, 'frame.webp')
    writeFileSync(frame, Buffer.from(lottie.assets[0].p.replace('data:image/webp;base64,', ''), 'base64'))
    near(pixel(frame, ...INSIDE), [255, 0, 0, 255])
    expect(pixel(frame, ...OUTSIDE)[3]).toBe(0)
  })

  it('mask.mp4, thumbnail.jpg and transparent_thumbnail.png', () => {
    near(pixel(file('mask.mp4'), ...INSIDE), [255, 255, 255, 255])
    expect(video(file('thumbnail.jpg'))).toMatchObject({ codec_name: 'mjpeg', width: 64, height: 64 })
    const png = file('transparent_thumbnail.png')
    expect(video(png)).toMatchObject({ codec_name: 'png', pix_fmt: 'rgba' })
    expect(pixel(png, ...OUTSIDE)[3]).toBe(0)
  })
})

async function extractTo(zip: string, name: string): Promise<string> {
  const entry = (await zipEntries(zip)).find((candidate) => candidate.name === name)
  if (entry === undefined) throw new Error(`${name} is not in ${zip}`)
  const target = join(dir, name.replaceAll('/', '_'))
  await extractZipEntry(zip, entry, target)
  return target
}
