import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors'
import { Foreground } from '../../src/foreground'
import { VideoBGRemoverClient, Video } from '../../src/node/index'
import { Anchor, Background, Composition, EncoderProfile, FFmpegError, Cutout, SizeMode } from '../../src/node/compose/index'
import { OUTPUT_FORMATS } from '../../src/formats'
import { FAKE_API_KEY, startFakeServer } from '../../src/testing/node'
import { RESULT_FILES } from '../../src/testing/fixtures/results'
import { measureCutout } from '../../src/node/compose/measure'

let dir: string
let webm: string
let zip: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-compose-unit-'))
  webm = join(dir, 'my "cut" it\'s.webm')
  zip = join(dir, 'bundle.zip')
  await writeFile(webm, Buffer.from(RESULT_FILES['webm_vp9.webm'], 'base64'))
  await writeFile(zip, Buffer.from(RESULT_FILES['pro_bundle.zip'], 'base64'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const saved = { FFMPEG_PATH: process.env.FFMPEG_PATH, FFPROBE_PATH: process.env.FFPROBE_PATH, PATH: process.env.PATH }
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

function composition(): Composition {
  const result = new Composition(Background.fromColor('#0000FF', 64, 64, 10))
  result.add(Cutout.fromWebmVp9(webm))
  return result
}

describe('Composition.dryRun', () => {
  it('returns the argv, each path one argument, never shell-quoted', async () => {
    const output = join(dir, 'out put "x".mp4')
    const argv = await composition().dryRun(output)
    expect(argv[0]).toBe('ffmpeg')
    expect(argv).toContain(webm)
    expect(argv.at(-1)).toBe(output)
    expect(argv.slice(argv.indexOf('-progress'), argv.indexOf('-progress') + 2)).toEqual(['-progress', 'pipe:1'])
    expect(argv[argv.indexOf(webm) - 2]).toBe('libvpx-vp9')
    expect(argv[argv.indexOf('-filter_complex') + 1]).toContain('eof_action=pass')
  })

  it('trims each input of a layer to its subclip and its end or duration', async () => {
    const ended = new Composition(Background.fromColor('#000000', 64, 64, 10))
    ended.add(Cutout.fromProBundleZip(zip)).start(0.2).end(0.5).subclip(0.1)
    const argv = await ended.dryRun()
    const inputs = argv.flatMap((arg, index) => (arg === '-i' ? [argv.slice(index - 4, index + 2)] : []))
    expect(inputs.slice(1).map((input) => input.slice(0, 4))).toEqual([
      ['-ss', '0.1', '-t', '0.3'],
      ['-ss', '0.1', '-t', '0.3'],
      ['-ss', '0.1', '-t', '0.3'],
    ])
    expect(inputs.slice(1).map((input) => input[5]?.split(/[\\/]/).at(-1))).toEqual(['color.mp4', 'alpha.mp4', 'audio.m4a'])
    expect(argv.slice(argv.lastIndexOf('-t'), argv.lastIndexOf('-t') + 2)).toEqual(['-t', '0.5'])
  })

  it('quotes xy expressions so that commas stay inside them', async () => {
    const placed = new Composition(Background.fromColor('#0000FF', 64, 64, 10)).setDuration(0.1)
    placed.add(Cutout.fromWebmVp9(webm)).size(SizeMode.PX, { width: 8, height: 8 }).xy('if(gte(t,0),10,0)', 5)
    const argv = await placed.dryRun()
    expect(argv[argv.indexOf('-filter_complex') + 1]).toContain(`overlay=x='if(gte(t,0),10,0)':y='5'`)
    const path = await placed.toFile(join(dir, 'xy.mov'), EncoderProfile.prores4444())
    const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'])
    const red = (x: number, y: number) => (raw[(y * 64 + x) * 4] ?? 0) > 200
    expect([red(12, 8), red(8, 8), red(12, 3)]).toEqual([true, false, false])
  })
})

describe('Composition.add', () => {
  it('takes a removeBackground result as it is, as Cutout.fromResult would', () => {
    const status = { id: 'job-1', status: 'completed', processed_video_url: 'https://storage.example/result.webm' }
    const result = new Foreground(new VideoBGRemoverClient('key'), status as never, { format: 'webm_vp9', source: 'clip.mp4' })
    const layer = new Composition(Background.fromColor('#000000', 64, 64, 10)).add(result)
    expect(layer.settings.cutout).toBeInstanceOf(Cutout)
    expect(layer.settings.cutout.source).toEqual(Cutout.fromResult(result).source)
    expect(layer.settings.cutout.source).toMatchObject({ kind: 'result', result, matte: false })
  })

  it('saves a result under the extension formats.ts gives its output format', async () => {
    await using server = await startFakeServer()
    const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })
    const source = Video.open(new Uint8Array(1024), { filename: 'clip.mp4', contentType: 'video/mp4' })
    for (const prefer of ['webm_vp9', 'mov_prores'] as const) {
      const composition = new Composition(Background.fromColor('#000000', 64, 64, 10))
      composition.add(await source.removeBackground({ client, options: { prefer }, pollSeconds: 0.01 }))
      const argv = await composition.dryRun()
      expect(argv[argv.indexOf('-filter_complex') - 1]?.split(/[\\/]/).at(-1)).toBe(`result.${OUTPUT_FORMATS[prefer].extension}`)
    }
  })
})

describe('ffmpeg and ffprobe lookup', () => {
  it('takes FFMPEG_PATH and FFPROBE_PATH', async () => {
    process.env.FFMPEG_PATH = execFileSync('which', ['ffmpeg']).toString().trim()
    process.env.FFPROBE_PATH = execFileSync('which', ['ffprobe']).toString().trim()
    expect((await composition().dryRun())[0]).toBe(process.env.FFMPEG_PATH)
  })

  it('says clearly when ffprobe or ffmpeg is missing', async () => {
    process.env.FFPROBE_PATH = join(dir, 'nowhere', 'ffprobe')
    await expect(composition().dryRun()).rejects.toThrow(/FFPROBE_PATH is set to .*nowhere.*, but no ffprobe executable is there/)
    delete process.env.FFPROBE_PATH
    process.env.FFMPEG_PATH = join(dir, 'nowhere', 'ffmpeg')
    const error = await composition()
      .toFile(join(dir, 'never.mp4'))
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({ field: 'ffmpeg', message: expect.stringMatching(/FFMPEG_PATH is set/) })
    delete process.env.FFMPEG_PATH
    process.env.PATH = join(dir, 'nowhere')
    await expect(composition().dryRun()).rejects.toThrow(/ffprobe was not found on PATH: install FFmpeg .* or set FFPROBE_PATH/)
  })

  it('reports an ffprobe or ffmpeg failure with the end of its log', async () => {
    const broken = join(dir, 'broken.webm')
    await writeFile(broken, 'not a video')
    const unreadable = new Composition(Background.fromColor('#000000', 64, 64, 10))
    unreadable.add(Cutout.fromWebmVp9(broken))
    await expect(unreadable.toFile(join(dir, 'broken.mp4'))).rejects.toMatchObject({
      name: 'FFmpegError',
      exitCode: 1,
      message: expect.stringMatching(/^ffprobe exited with code 1: .*Invalid data/s),
    })
    const error = await composition()
      .toFile(join(dir, 'bad.mp4'), EncoderProfile.h264({ preset: 'warp-speed' }))
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(FFmpegError)
    expect((error as FFmpegError).message).toMatch(/^ffmpeg exited with code \d+: .*warp-speed/s)
    expect(readdirSync(dir).filter((name) => name.includes('bad.mp4'))).toEqual([])
  })
})

describe('validation before anything runs', () => {
  it('rejects bad backgrounds, cut-outs and layer settings', () => {
    expect(() => Background.fromColor('blue', 64, 64, 10)).toThrow(ValidationError)
    expect(() => Background.fromColor('#0000FF', 64.5, 64, 10)).toThrow(/width must be a whole number/)
    expect(() => Background.empty(64, 64, 0)).toThrow(/fps must be a positive number/)
    expect(() => Background.fromVideo(join(dir, 'missing.mp4'))).toThrow(/does not exist/)
    expect(() => Background.fromColor('#000000', 2, 2, 1).audio(true, -1)).toThrow(/volume/)
    expect(() => Cutout.fromFile(join(dir, 'missing.webm'))).toThrow(ValidationError)
    expect(() => Cutout.fromGreenScreen(webm, { similarity: 2 })).toThrow(/similarity/)
    const layer = composition().add(Cutout.fromWebmVp9(webm))
    expect(() => layer.opacity(1.5)).toThrow(/opacity/)
    expect(() => layer.at('middle' as Anchor)).toThrow(/Unknown anchor/)
    expect(() => layer.size(SizeMode.PX)).toThrow(/needs one of width, height/)
    expect(() => layer.size(SizeMode.CANVAS_PERCENT, { percent: -5 })).toThrow(/percent must be a positive number/)
    expect(() => layer.end(0)).toThrow(ValidationError)
    expect(() => layer.subclip(2, 1)).toThrow(/subclip end/)
    expect(() => layer.crop(0, 0, 0, 10)).toThrow(/width/)
    expect(() => EncoderProfile.stackedVideo({ layout: 'diagonal' as 'vertical' })).toThrow(/layout/)
  })

  it('needs a duration, a layer that shows, and an output it can write', async () => {
    await expect(new Composition(Background.fromColor('#000000', 64, 64, 10)).dryRun()).rejects.toThrow(/setDuration/)
    const never = composition()
    never.layers[0]?.start(0.5).end(0.4)
    await expect(never.dryRun()).rejects.toThrow(/would never show/)
    await expect(composition().toFile(join(dir, 'no such dir', 'out.mp4'))).rejects.toThrow(/directory does not exist/)
    const full = join(dir, 'full')
    await mkdir(full)
    await writeFile(join(full, 'keep.png'), '')
    await expect(composition().toFile(full, EncoderProfile.pngSequence())).rejects.toThrow(/new or empty directory/)
    await expect(composition().toFile(dir)).rejects.toThrow(/is a directory/)
  })

  it('keeps an existing output when overwrite is false', async () => {
    const existing = join(dir, 'existing.mp4')
    await writeFile(existing, 'keep')
    await expect(composition().toFile(existing, EncoderProfile.h264(), { overwrite: false })).rejects.toThrow(/already exists/)
    expect(readdirSync(dir).filter((name) => name.includes('existing.mp4'))).toEqual(['existing.mp4'])
  })

  it('rejects zips that are neither a pro bundle nor a PNG sequence, and files that are not zips', async () => {
    const other = join(dir, 'other.zip')
    const frames = Buffer.from(RESULT_FILES['png_sequence.zip'], 'base64')
    await writeFile(other, Buffer.from(frames.toString('latin1').replaceAll('.png', '.txt'), 'latin1'))
    const render = (cutout: Cutout) => {
      const target = new Composition(Background.fromColor('#000000', 64, 64, 10))
      target.add(cutout)
      return target.dryRun()
    }
    await expect(render(Cutout.fromFile(other))).rejects.toThrow(/neither a pro bundle nor a PNG sequence/)
    await expect(render(Cutout.fromPngSequence(other))).rejects.toThrow(/holds no PNG frames/)
    await expect(render(Cutout.fromProBundleZip(webm))).rejects.toThrow(/not a readable zip archive/)
  })
})

describe('measureCutout', () => {
  it('reads the size, frame rate and length of the frames a cut-out shows, whatever its format', async () => {
    const measure = async (name: 'stacked_video.mp4' | 'png_sequence.zip' | 'lottie.json' | 'green_screen.mp4') => {
      const path = join(dir, name)
      await writeFile(path, Buffer.from(RESULT_FILES[name], 'base64'))
      return measureCutout(Cutout.fromFile(path))
    }
    const clip = { width: 64, height: 64, fps: 10, duration: 1 }
    expect(await measure('stacked_video.mp4')).toEqual(clip)
    expect(await measure('lottie.json')).toEqual(clip)
    expect(await measure('green_screen.mp4')).toEqual(clip)
    expect(await measureCutout(Cutout.fromFile(zip))).toEqual(clip)
    // PNG frames have no rate of their own: they play at the canvas's, here that of Background.fromImage.
    expect(await measure('png_sequence.zip')).toEqual({ width: 64, height: 64, fps: 30, duration: 10 / 30 })
  })
})
