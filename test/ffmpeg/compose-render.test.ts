import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AbortError, ValidationError } from '../../src/errors'
import { VideoBGRemoverClient, Video } from '../../src/node/index'
import { Anchor, Background, Composition, EncoderProfile, Cutout, SizeMode, type CompositionProgress } from '../../src/node/compose/index'
import { FAKE_API_KEY, startFakeServer } from '../../src/testing/node'
import { RESULT_FILES, type ResultFileName } from '../../src/testing/fixtures/results'

const exec = promisify(execFile)
const RED = [255, 0, 0, 255]
const BLUE = [0, 0, 255, 255]
/** In every fixture frame (64×64): inside the red square, outside it, and on its soft edge (alpha 96) in frame 0. */
const INSIDE = [24, 32] as const
const OUTSIDE = [56, 8] as const
const SOFT_EDGE = [7, 32] as const
const FAST = EncoderProfile.h264({ preset: 'ultrafast' })

let dir: string
const fixture = (name: ResultFileName) => join(dir, 'fixtures', name)
const out = (name: string) => join(dir, name)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-compose-test-'))
  await mkdir(join(dir, 'fixtures'))
  await Promise.all(Object.entries(RESULT_FILES).map(([name, data]) => writeFile(join(dir, 'fixtures', name), Buffer.from(data, 'base64'))))
  const lavfi = (source: string) => ['-f', 'lavfi', '-i', source]
  await Promise.all([
    ffmpeg([
      ...lavfi('color=c=red:s=16x16:r=10:d=1'),
      '-c:v',
      'prores_ks',
      '-profile:v',
      '4444',
      '-pix_fmt',
      'yuva444p10le',
      out('red16.mov'),
    ]),
    ffmpeg([
      ...lavfi('color=c=gray:s=64x64:r=10:d=1'),
      ...lavfi('sine=f=440:sample_rate=48000:d=1'),
      '-c:v',
      'png',
      '-c:a',
      'pcm_s16le',
      '-shortest',
      out('tone.mov'),
    ]),
    ffmpeg([
      ...lavfi('color=c=blue:s=96x64:r=25:d=2'),
      ...lavfi('sine=f=300:sample_rate=48000:d=2'),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'pcm_s16le',
      '-shortest',
      out('background.mov'),
    ]),
  ])
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function ffmpeg(args: string[]): Promise<string> {
  return (await exec('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'latin1', maxBuffer: 64 << 20 })).stdout
}

interface Stream {
  codec_type: string
  codec_name: string
  width: number
  height: number
  pix_fmt: string
  r_frame_rate: string
  nb_frames?: string
  tags?: Record<string, string>
}

async function probe(path: string): Promise<{ video: Stream; audio?: Stream; duration: number }> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path])
  const { streams, format } = JSON.parse(stdout) as { streams: Stream[]; format: { duration: string } }
  const video = streams.find((stream) => stream.codec_type === 'video')
  if (video === undefined) throw new Error(`${path} has no video`)
  return { video, audio: streams.find((stream) => stream.codec_type === 'audio'), duration: Number(format.duration) }
}

/** The RGBA frame at `seconds`, decoded by ffmpeg (libvpx for WebM, to keep VP9 alpha) as a PAM image. */
async function frame(path: string, seconds = 0) {
  const decoder = path.endsWith('.webm') ? ['-c:v', 'libvpx-vp9'] : []
  const args = [
    ...decoder,
    '-ss',
    String(seconds),
    '-i',
    path,
    '-frames:v',
    '1',
    '-pix_fmt',
    'rgba',
    '-c:v',
    'pam',
    '-f',
    'image2pipe',
    '-',
  ]
  const pam = Buffer.from(await ffmpeg(args), 'latin1')
  const headerEnd = pam.indexOf('ENDHDR\n') + 7
  const header = pam.toString('latin1', 0, headerEnd)
  const [width, height] = ['WIDTH', 'HEIGHT'].map((name) => Number(new RegExp(`${name} (\\d+)`).exec(header)?.[1]))
  const at = (x: number, y: number) => [...pam.subarray(headerEnd + (y * width! + x) * 4, headerEnd + (y * width! + x) * 4 + 4)]
  return { width, height, at }
}

function near(actual: number[], expected: number[], tolerance = 16): void {
  const close = actual.length === expected.length && actual.every((value, index) => Math.abs(value - (expected[index] ?? 0)) <= tolerance)
  expect(close, `${JSON.stringify(actual)} ≈ ${JSON.stringify(expected)}`).toBe(true)
}

function colour(pixel: number[]): 'red' | 'blue' | 'other' {
  const [r = 0, g = 0, b = 0] = pixel
  return r > 235 && g < 20 && b < 20 ? 'red' : r < 20 && g < 20 && b > 235 ? 'blue' : 'other'
}

async function volume(path: string, start = 0, duration = 60): Promise<{ mean: number; max: number }> {
  const { stderr } = await exec('ffmpeg', [
    '-v',
    'info',
    '-ss',
    String(start),
    '-t',
    String(duration),
    '-i',
    path,
    '-map',
    '0:a',
    '-af',
    'volumedetect',
    '-f',
    'null',
    '-',
  ])
  const read = (name: string) => Number(new RegExp(`${name}: (-?[\\d.]+|-inf) dB`).exec(stderr)?.[1]?.replace('-inf', '-Infinity'))
  return { mean: read('mean_volume'), max: read('max_volume') }
}

/** A 64×64 blue-background composition of one cut-out, placed unscaled at the top left. */
function onBlue(cutout: Cutout, width = 64) {
  const composition = new Composition(Background.fromColor('#0000FF', width, 64, 10))
  const layer = composition.add(cutout).size(SizeMode.SCALE, { scale: 1 }).at(Anchor.TOP_LEFT)
  return { composition, layer }
}

describe.concurrent('Composition renders with ffmpeg', () => {
  it('sets the output size, duration and frame rate, and reports progress', async () => {
    const composition = new Composition(Background.fromColor('#336699', 96, 64, 12))
    composition.add(Cutout.fromFile(fixture('webm_vp9.webm')))
    const reports: CompositionProgress[] = []
    const path = await composition.toFile(out('size.mp4'), FAST, { onProgress: (progress) => reports.push(progress) })
    const { video, duration } = await probe(path)
    expect(video).toMatchObject({ width: 96, height: 64, r_frame_rate: '12/1', nb_frames: '12' })
    expect(duration).toBeCloseTo(1, 1)
    expect(reports.at(-1)).toMatchObject({ ratio: 1, seconds: 1, duration: 1 })
    expect(reports.every((report, index) => index === 0 || report.ratio >= (reports[index - 1]?.ratio ?? 0))).toBe(true)
  })

  it('takes the size, frame rate and duration of a video background', async () => {
    const composition = new Composition(Background.fromVideo(out('background.mov')).audio(false))
    composition.add(Cutout.fromFile(fixture('mov_prores.mov'))).size(SizeMode.SCALE, { scale: 1 })
    const { video, audio, duration } = await probe(await composition.toFile(out('video-background.mp4'), FAST))
    expect(video).toMatchObject({ width: 96, height: 64, r_frame_rate: '25/1' })
    expect(duration).toBeCloseTo(2, 1)
    expect(audio).toBeUndefined()
  })

  it('takes the size of an image background, at the frame rate asked for', async () => {
    const composition = new Composition(Background.fromImage(fixture('thumbnail.jpg'), 15))
    composition
      .add(Cutout.fromFile(fixture('mov_prores.mov')))
      .size(SizeMode.CANVAS_PERCENT, { percent: 50 })
      .at(Anchor.BOTTOM_RIGHT)
    const path = await composition.toFile(out('image-background.mp4'), FAST)
    const { video, duration } = await probe(path)
    expect(video).toMatchObject({ width: 64, height: 64, r_frame_rate: '15/1' })
    expect(duration).toBeCloseTo(1, 1)
    const image = await frame(path)
    near(image.at(...OUTSIDE), [0, 255, 0, 255], 40)
    near(image.at(32 + INSIDE[0] / 2, 32 + INSIDE[1] / 2), RED, 40)
  })

  it('sizes, crops, fades and rotates layers', async () => {
    const composition = new Composition(Background.fromColor('#0000FF', 96, 64, 10))
    const red = () => composition.add(Cutout.fromMovProres(out('red16.mov')))
    red().size(SizeMode.PX, { width: 32, height: 32 }).at(Anchor.TOP_LEFT)
    red().size(SizeMode.SCALE, { scale: 1 }).opacity(0.5).at(Anchor.TOP_RIGHT)
    composition
      .add(Cutout.fromMovProres(fixture('mov_prores.mov')))
      .crop(8, 20, 24, 24)
      .size(SizeMode.SCALE, { scale: 1 })
      .at(Anchor.BOTTOM_LEFT)
    red().crop(0, 0, 16, 8).size(SizeMode.SCALE, { scale: 1 }).rotate(90).at(Anchor.BOTTOM_RIGHT)
    const image = await frame(join(await composition.toFile(out('transforms'), EncoderProfile.pngSequence()), 'frame_000001.png'))
    expect([image.at(31, 31), image.at(32, 31), image.at(31, 32)].map(colour)).toEqual(['red', 'blue', 'blue'])
    near(image.at(88, 8), [128, 0, 128, 255], 8)
    expect([image.at(0, 40), image.at(23, 63), image.at(24, 63), image.at(0, 39)].map(colour)).toEqual(['red', 'red', 'blue', 'blue'])
    expect([image.at(92, 50), image.at(82, 60)].map(colour)).toEqual(['red', 'blue'])
  })

  it('places a layer at each anchor, offsets included', async () => {
    const composition = new Composition(Background.fromColor('#0000FF', 96, 64, 10))
    const anchors = Object.values(Anchor)
    for (const anchor of anchors)
      composition
        .add(Cutout.fromMovProres(out('red16.mov')))
        .size(SizeMode.SCALE, { scale: 1 })
        .at(anchor)
    composition
      .add(Cutout.fromMovProres(out('red16.mov')))
      .size(SizeMode.PX, { width: 8, height: 8 })
      .at(Anchor.TOP_LEFT, 20, 2)
    const path = await composition.toFile(out('anchors'), EncoderProfile.pngSequence())
    const image = await frame(join(path, 'frame_000001.png'))
    for (const anchor of anchors) {
      const [vertical, horizontal] = anchor === 'center' ? ['center', 'center'] : anchor.split('-')
      const x = horizontal === 'left' ? 0 : horizontal === 'right' ? 80 : 40
      const y = vertical === 'top' ? 0 : vertical === 'bottom' ? 48 : 24
      const inside = [image.at(x, y), image.at(x + 15, y + 15)].map(colour)
      const outside = [
        x > 0 && image.at(x - 1, y),
        y > 0 && image.at(x, y - 1),
        x < 80 && image.at(x + 16, y + 15),
        y < 48 && image.at(x + 15, y + 16),
      ]
      expect({ anchor, inside, outside: outside.map((pixel) => pixel && colour(pixel)) }).toEqual({
        anchor,
        inside: ['red', 'red'],
        outside: outside.map((pixel) => pixel && 'blue'),
      })
    }
    expect([image.at(20, 2), image.at(27, 9), image.at(28, 9), image.at(19, 2)].map(colour)).toEqual(['red', 'red', 'blue', 'blue'])
  })

  it('shows a layer from start to end, and for its duration only', async () => {
    const composition = new Composition(Background.fromColor('#0000FF', 64, 64, 10)).setDuration(1)
    composition
      .add(Cutout.fromMovProres(out('red16.mov')))
      .size(SizeMode.SCALE, { scale: 1 })
      .at(Anchor.TOP_LEFT)
      .start(0.2)
      .end(0.5)
    composition
      .add(Cutout.fromMovProres(out('red16.mov')))
      .size(SizeMode.SCALE, { scale: 1 })
      .at(Anchor.TOP_RIGHT)
      .start(0.3)
      .duration(0.4)
    composition
      .add(Cutout.fromMovProres(out('red16.mov')))
      .size(SizeMode.SCALE, { scale: 1 })
      .at(Anchor.BOTTOM_LEFT)
      .subclip(0.6)
    const path = await composition.toFile(out('timing'), EncoderProfile.pngSequence())
    const frames = await readdir(path)
    expect(frames).toHaveLength(10)
    const shown = await Promise.all(
      frames.sort().map(async (name) => {
        const image = await frame(join(path, name))
        return [image.at(4, 4), image.at(60, 4), image.at(4, 60)].map((pixel) => (colour(pixel) === 'red' ? 1 : 0)).join('')
      }),
    )
    expect(shown).toEqual(['001', '001', '101', '111', '110', '010', '010', '000', '000', '000'])
  })

  it('keeps alpha in transparent outputs: VP9 WebM, ProRes 4444 and PNG frames', async () => {
    const composition = Composition.canvas(64, 64, 10)
    composition.add(Cutout.fromFile(fixture('mov_prores.mov')))
    const [webm, mov, png] = await Promise.all([
      composition.toFile(out('transparent.webm'), EncoderProfile.transparentWebm()),
      composition.toFile(out('transparent.mov'), EncoderProfile.prores4444()),
      composition.toFile(out('transparent-frames'), EncoderProfile.pngSequence()),
    ])
    expect((await probe(webm)).video.tags?.alpha_mode ?? (await probe(webm)).video.tags?.ALPHA_MODE).toBe('1')
    expect((await probe(mov)).video).toMatchObject({ codec_name: 'prores', pix_fmt: expect.stringMatching(/^yuva444p/) })
    expect(await readdir(png)).toHaveLength(10)
    for (const path of [webm, mov, join(png, 'frame_000001.png')]) {
      const image = await frame(path)
      near(image.at(...INSIDE), RED)
      expect(image.at(...OUTSIDE)[3]).toBe(0)
      near(image.at(...SOFT_EDGE), [255, 0, 0, 96], 24)
    }
  })

  it('exports a really stacked video: colour on top, the alpha as a mask below', async () => {
    const composition = Composition.canvas(64, 64, 10)
    composition.add(Cutout.fromFile(fixture('webm_vp9.webm')))
    const path = await composition.toFile(out('stacked.mp4'), EncoderProfile.stackedVideo({ preset: 'ultrafast' }))
    const image = await frame(path)
    expect([image.width, image.height]).toEqual([64, 128])
    near(image.at(...INSIDE), RED)
    near(image.at(INSIDE[0], INSIDE[1] + 64), [255, 255, 255, 255])
    near(image.at(OUTSIDE[0], OUTSIDE[1] + 64), [0, 0, 0, 255])
    const roundTrip = onBlue(Cutout.fromStackedVideo(path))
    near((await frame(await roundTrip.composition.toFile(out('stacked-back.mp4'), FAST))).at(...INSIDE), RED)
  })

  it('thresholds stacked and bundle masks unless matte keeps the soft edge', async () => {
    const render = async (cutout: Cutout, name: string) => {
      const composition = Composition.canvas(64, 64, 10)
      composition.add(cutout)
      return (await frame(await composition.toFile(out(name), EncoderProfile.prores4444()))).at(...SOFT_EDGE)[3] ?? NaN
    }
    const [hard, soft, bundleHard, bundleSoft] = await Promise.all([
      render(Cutout.fromStackedVideo(fixture('stacked_video.mp4')), 'hard.mov'),
      render(Cutout.fromStackedVideo(fixture('stacked_video.mp4'), { matte: true }), 'soft.mov'),
      render(Cutout.fromProBundleZip(fixture('pro_bundle.zip')), 'bundle-hard.mov'),
      render(Cutout.fromFile(fixture('pro_bundle.zip'), { matte: true }), 'bundle-soft.mov'),
    ])
    expect([hard, bundleHard]).toEqual([0, 0])
    expect(soft).toBeGreaterThan(70)
    expect(soft).toBeLessThan(120)
    expect(bundleSoft).toBeGreaterThan(70)
    expect(bundleSoft).toBeLessThan(120)
  })

  const formats: ResultFileName[] = [
    'webm_vp9.webm',
    'mov_prores.mov',
    'stacked_video.mp4',
    'pro_bundle.zip',
    'png_sequence.zip',
    'gif.gif',
    'lottie.json',
    'green_screen.mp4',
  ]
  it.each(formats)('composites %s, recognised by content', async (name) => {
    const { composition } = onBlue(Cutout.fromFile(fixture(name)))
    const path = await composition.toFile(out(`format-${name}.mov`), EncoderProfile.prores4444())
    expect((await probe(path)).duration).toBeCloseTo(1, 1)
    for (const seconds of [0, 0.9]) {
      const image = await frame(path, seconds)
      near(image.at(...INSIDE), RED)
      near(image.at(...OUTSIDE), BLUE)
    }
  })

  it('composites an animated WebP where this ffmpeg decodes it, and says why not otherwise', async () => {
    const { composition } = onBlue(Cutout.fromFile(fixture('webp.webp')))
    const result = await composition.toFile(out('format-webp.mov'), EncoderProfile.prores4444()).catch((error: unknown) => error)
    if (result instanceof Error) {
      expect(result).toBeInstanceOf(ValidationError)
      expect(result.message).toMatch(/no video stream this ffmpeg can decode/)
    } else {
      near((await frame(result as string)).at(...INSIDE), RED)
    }
  })

  it('composites the result of removeBackground, downloaded from the API', async () => {
    await using server = await startFakeServer()
    const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })
    const source = Video.open(new Uint8Array(1024), { filename: 'clip.mp4', contentType: 'video/mp4' })
    const results = await Promise.all(
      (['stacked_video', 'pro_bundle'] as const).map((prefer) =>
        source.removeBackground({ client, options: { prefer }, pollSeconds: 0.01 }),
      ),
    )
    for (const [index, result] of results.entries()) {
      const composition = new Composition(Background.fromColor('#0000FF', 64, 64, 10))
      composition.add(result).size(SizeMode.SCALE, { scale: 1 })
      const image = await frame(await composition.toFile(out(`result-${index}.mov`), EncoderProfile.prores4444()))
      near(image.at(...INSIDE), RED)
      near(image.at(...OUTSIDE), BLUE)
    }
  })

  it('mixes audio at the requested volumes, delayed to the layer start', async () => {
    const source = await volume(out('tone.mov'))
    const layerAt = async (volume: number, start: number, name: string) => {
      const composition = new Composition(Background.fromColor('#000000', 64, 64, 10)).setDuration(1.5)
      composition
        .add(Cutout.fromFile(out('tone.mov')))
        .audio(true, volume)
        .start(start)
      return composition.toFile(out(name), EncoderProfile.prores4444())
    }
    const [half, delayed] = await Promise.all([layerAt(0.5, 0, 'half.mov'), layerAt(1, 0.5, 'delayed.mov')])
    expect((await volume(half, 0, 1)).mean - source.mean).toBeCloseTo(20 * Math.log10(0.5), 0)
    expect((await volume(delayed, 0, 0.45)).max).toBeLessThan(-80)
    expect((await volume(delayed, 0.5, 1)).mean - source.mean).toBeCloseTo(0, 0)

    const background = await volume(out('background.mov'))
    const mixed = new Composition(Background.fromVideo(out('background.mov')).audio(true, 0.25))
    mixed.add(Cutout.fromFile(out('tone.mov'))).audio(false)
    const quiet = await volume(await mixed.toFile(out('background-audio.mov'), EncoderProfile.prores4444()))
    expect(quiet.mean - background.mean).toBeCloseTo(20 * Math.log10(0.25), 0)
  })

  it('reads and writes paths with spaces and quotes', async () => {
    const folder = out(`it's a "folder" 100%`)
    await mkdir(folder)
    const input = join(folder, `my "cut" it's.webm`)
    await writeFile(input, Buffer.from(RESULT_FILES['webm_vp9.webm'], 'base64'))
    const { composition } = onBlue(Cutout.fromFile(input))
    const movie = await composition.toFile(join(folder, `the 'final' "cut".mp4`), FAST)
    near((await frame(movie)).at(...INSIDE), RED)
    const frames = await composition.toFile(join(folder, 'frames 50%'), EncoderProfile.pngSequence())
    expect((await readdir(frames)).length).toBe(10)
    expect((await readdir(folder)).sort()).toEqual(['frames 50%', `my "cut" it's.webm`, `the 'final' "cut".mp4`])
  })

  it('kills ffmpeg on abort and removes the partial output', async () => {
    const folder = out('abort')
    await mkdir(folder)
    const composition = new Composition(Background.fromColor('#123456', 320, 240, 30)).setDuration(600)
    composition.add(Cutout.fromFile(fixture('webm_vp9.webm')))
    const controller = new AbortController()
    let partial: string[] = []
    const render = composition.toFile(join(folder, 'long.mp4'), EncoderProfile.h264({ preset: 'veryslow' }), {
      signal: controller.signal,
      onProgress: () => {
        partial = readdirSync(folder)
        if (partial.length > 0) controller.abort()
      },
    })
    await expect(render).rejects.toBeInstanceOf(AbortError)
    expect(partial).toEqual([expect.stringMatching(/^\.long\.mp4\.[0-9a-f]+\.partial\.mp4$/)])
    expect(await readdir(folder)).toEqual([])
    const { stdout } = await exec('ps', ['-eo', 'args'])
    expect(stdout).not.toContain(folder)
  })

  it('uses the later part of the cut-out with subclip', async () => {
    const render = async (name: string, from?: number) => {
      const { composition, layer } = onBlue(Cutout.fromFile(fixture('mov_prores.mov')))
      if (from !== undefined) layer.subclip(from)
      return (await frame(await composition.toFile(out(name), EncoderProfile.prores4444()))).at(9, 32)
    }
    const [whole, later] = await Promise.all([render('whole.mov'), render('subclip.mov', 0.5)])
    near(whole, RED)
    near(later, BLUE)
  })
})
