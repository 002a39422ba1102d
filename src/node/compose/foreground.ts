import { copyFile, open, readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { ValidationError } from '../../errors'
import type { Foreground as RemovedBackground } from '../../foreground'
import { hexColor, localFile, positive } from './check'
import { probe, run, type MediaInfo } from './ffmpeg'
import { extractZipEntry, zipEntries, type ZipEntry } from './zip'

export interface MatteOptions {
  /** Use the mask's grey levels as alpha (soft edges). Default: threshold it at 50% (hard edges, no compression noise). */
  matte?: boolean
}

export interface GreenScreenOptions {
  /** The key colour, `#RRGGBB`. Default `#00FF00`. */
  color?: string
  /** How far from the key colour still counts as background, 0–1. Default 0.3. */
  similarity?: number
  /** Softness of the edge, 0–1. Default 0.1. */
  blend?: number
}

const GREEN_SCREEN: Required<GreenScreenOptions> = { color: '00FF00', similarity: 0.3, blend: 0.1 }

/** Where a foreground's frames come from. `auto` is recognised by content when the composition renders. */
export type ForegroundSource =
  | { kind: 'auto'; path: string; matte: boolean }
  | { kind: 'video'; path: string }
  | { kind: 'stacked'; path: string; matte: boolean }
  | { kind: 'mask'; color: string; mask: string; audio?: string; matte: boolean }
  | { kind: 'bundle'; path: string; matte: boolean }
  | { kind: 'frames'; path: string; fps?: number }
  | { kind: 'lottie'; path: string }
  | { kind: 'greenScreen'; path: string; key: Required<GreenScreenOptions> }
  | { kind: 'result'; result: RemovedBackground; matte: boolean }

/** A cut-out video to place on a composition: built from a file in any of the API's output formats, or from a result. */
export class Foreground {
  private constructor(readonly source: ForegroundSource) {}

  /**
   * Any output of the API, recognised by its content when the composition renders: a pro bundle or PNG sequence zip,
   * Lottie, a video with alpha, a stacked video, a green screen; any other video is placed opaque.
   */
  static fromFile(path: string, options: MatteOptions = {}): Foreground {
    return new Foreground({ kind: 'auto', path: localFile(path), matte: options.matte ?? false })
  }

  /** `.webm` VP9 with alpha, decoded with libvpx-vp9 so the alpha survives. */
  static fromWebmVp9(path: string): Foreground {
    return new Foreground({ kind: 'video', path: localFile(path) })
  }

  /** `.mov` ProRes 4444 with alpha. */
  static fromMovProres(path: string): Foreground {
    return new Foreground({ kind: 'video', path: localFile(path) })
  }

  /** `.mp4` twice the source height: colour on top, greyscale mask below. */
  static fromStackedVideo(path: string, options: MatteOptions = {}): Foreground {
    return new Foreground({ kind: 'stacked', path: localFile(path), matte: options.matte ?? false })
  }

  /** A colour video and a greyscale mask video (white = foreground), with an optional separate audio file. */
  static fromVideoAndMask(videoPath: string, maskPath: string, audioPath?: string, options: MatteOptions = {}): Foreground {
    const audio = audioPath === undefined ? undefined : localFile(audioPath)
    return new Foreground({ kind: 'mask', color: localFile(videoPath), mask: localFile(maskPath), audio, matte: options.matte ?? false })
  }

  /** The `pro_bundle` zip: `color.mp4`, `alpha.mp4` and optionally `audio.m4a`. */
  static fromProBundleZip(path: string, options: MatteOptions = {}): Foreground {
    return new Foreground({ kind: 'bundle', path: localFile(path), matte: options.matte ?? false })
  }

  /** The `png_sequence` zip of RGBA frames, played at `fps` (default: the composition's frame rate). */
  static fromPngSequence(path: string, options: { fps?: number } = {}): Foreground {
    if (options.fps !== undefined) positive(options.fps, 'fps')
    return new Foreground({ kind: 'frames', path: localFile(path), fps: options.fps })
  }

  /** The `lottie` output: a Lottie `.json` whose frames are embedded images. */
  static fromLottie(path: string): Foreground {
    return new Foreground({ kind: 'lottie', path: localFile(path) })
  }

  /** A video on a solid key colour, such as the API's default green-screen output. */
  static fromGreenScreen(path: string, options: GreenScreenOptions = {}): Foreground {
    const { color = GREEN_SCREEN.color, similarity = GREEN_SCREEN.similarity, blend = GREEN_SCREEN.blend } = options
    const key = { color: hexColor(color), similarity, blend }
    if (!(key.similarity > 0 && key.similarity <= 1)) throw new ValidationError('similarity must be in (0, 1]', 'similarity')
    if (!(key.blend >= 0 && key.blend <= 1)) throw new ValidationError('blend must be in [0, 1]', 'blend')
    return new Foreground({ kind: 'greenScreen', path: localFile(path), key })
  }

  /** The result of `video.removeBackground()`; its output is downloaded when the composition renders. */
  static fromResult(result: RemovedBackground, options: MatteOptions = {}): Foreground {
    return new Foreground({ kind: 'result', result, matte: options.matte ?? false })
  }
}

/** One ffmpeg input: options placed before its `-i`, and the path. */
export interface Input {
  readonly options: readonly string[]
  readonly path: string
}

/** A foreground made ready for ffmpeg: its inputs, the filter chain turning them into RGBA frames, and facts for timing. */
export interface ResolvedForeground {
  readonly inputs: readonly Input[]
  /** Filter text from the inputs' video pads (`[3:v]`…) to RGBA frames; `label` prefixes its internal pads. Ends open. */
  readonly video: (pads: readonly string[], label: string) => string
  /** Index in `inputs` of the audio, when there is some. */
  readonly audio?: number
  /** Seconds, when known. */
  readonly duration?: number
}

export interface ResolveContext {
  /** An empty directory for downloads and extracted files. */
  readonly dir: string
  /** The composition's frame rate. */
  readonly fps: number
  readonly signal?: AbortSignal
}

export async function resolveForeground(source: ForegroundSource, context: ResolveContext): Promise<ResolvedForeground> {
  const { dir, signal } = context
  switch (source.kind) {
    case 'auto':
      return resolveForeground(await detect(source.path, source.matte, signal), context)
    case 'video':
      return video(source.path, await probe(source.path, signal), (pad) => `${pad}format=rgba`)
    case 'stacked': {
      const info = await probe(source.path, signal)
      return video(source.path, info, (pad, label) =>
        `${pad}format=rgba,split[${label}c][${label}m];[${label}m]crop=iw:ih/2:0:ih/2,${maskFilter(source.matte)}[${label}a];` +
        `[${label}c]crop=iw:ih/2:0:0[${label}rgb];[${label}rgb][${label}a]alphamerge,format=rgba`)
    }
    case 'greenScreen': {
      const info = await probe(source.path, signal)
      const { color, similarity, blend } = source.key
      return video(source.path, info, (pad) => `${pad}format=rgba,colorkey=0x${color}:${similarity}:${blend}`)
    }
    case 'mask': {
      const info = await probe(source.color, signal)
      const inputs: Input[] = [{ options: decoderOptions(info), path: source.color }, { options: [], path: source.mask }]
      if (source.audio !== undefined) inputs.push({ options: [], path: source.audio })
      return {
        inputs,
        video: ([color, mask], label) => `${mask}${maskFilter(source.matte)}[${label}a];${color}[${label}a]alphamerge,format=rgba`,
        audio: source.audio !== undefined ? 2 : info.hasAudio ? 0 : undefined,
        duration: info.duration,
      }
    }
    case 'bundle': {
      const entries = await zipEntries(source.path)
      const find = (pattern: RegExp) => entries.find((entry) => pattern.test(basename(entry.name)))
      const [color, mask, audio] = [find(/^color\.\w+$/i), find(/^alpha\.\w+$/i), find(/^audio\.\w+$/i)]
      if (color === undefined || mask === undefined) {
        throw new ValidationError(`${JSON.stringify(source.path)} is not a pro bundle: it needs color.mp4 and alpha.mp4`, 'path')
      }
      const extract = async (entry: ZipEntry) => {
        const target = join(dir, basename(entry.name))
        await extractZipEntry(source.path, entry, target, signal)
        return target
      }
      const [colorPath, maskPath, audioPath] = await Promise.all([extract(color), extract(mask), audio && extract(audio)])
      return resolveForeground({ kind: 'mask', color: colorPath, mask: maskPath, audio: audioPath, matte: source.matte }, context)
    }
    case 'frames': {
      const frames = (await zipEntries(source.path))
        .filter((entry) => /\.png$/i.test(entry.name))
        .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))
      if (frames.length === 0) throw new ValidationError(`${JSON.stringify(source.path)} holds no PNG frames`, 'path')
      for (const [index, entry] of frames.entries()) await extractZipEntry(source.path, entry, join(dir, frameName(index, 'png')), signal)
      return sequence(dir, 'png', frames.length, source.fps ?? context.fps)
    }
    case 'lottie':
      return lottieFrames(source.path, context)
    case 'result': {
      const [extension, read] = RESULT_FORMATS[source.result.format] ?? ['mp4', (path, matte) => ({ kind: 'auto', path, matte })]
      const file = await source.result.save(join(dir, `result.${extension}`), { signal })
      return resolveForeground(read(file, source.matte), context)
    }
  }
}

type ReadResult = (path: string, matte: boolean) => ForegroundSource

/** How each output format is saved and read back; the others (green screen, colour, composition) are recognised by content. */
const RESULT_FORMATS: Readonly<Record<string, readonly [extension: string, read: ReadResult]>> = {
  webm_vp9: ['webm', (path) => ({ kind: 'video', path })],
  mov_prores: ['mov', (path) => ({ kind: 'video', path })],
  gif: ['gif', (path) => ({ kind: 'video', path })],
  webp: ['webp', (path) => ({ kind: 'video', path })],
  stacked_video: ['mp4', (path, matte) => ({ kind: 'stacked', path, matte })],
  pro_bundle: ['zip', (path, matte) => ({ kind: 'bundle', path, matte })],
  png_sequence: ['zip', (path) => ({ kind: 'frames', path })],
  lottie: ['json', (path) => ({ kind: 'lottie', path })],
}

function video(path: string, info: MediaInfo, filter: (pad: string, label: string) => string): ResolvedForeground {
  return {
    inputs: [{ options: decoderOptions(info), path }],
    video: ([pad = ''], label) => filter(pad, label),
    audio: info.hasAudio ? 0 : undefined,
    duration: info.duration,
  }
}

function decoderOptions(info: MediaInfo): string[] {
  return info.decoder === undefined ? [] : ['-c:v', info.decoder]
}

function maskFilter(matte: boolean): string {
  return matte ? 'format=gray' : "format=gray,lut=c0='if(gte(val,128),255,0)'"
}

function frameName(index: number, extension: string): string {
  return `${String(index).padStart(6, '0')}.${extension}`
}

function sequence(dir: string, extension: string, count: number, fps: number): ResolvedForeground {
  return {
    inputs: [{ options: ['-framerate', String(fps), '-start_number', '0'], path: join(dir.replaceAll('%', '%%'), `%06d.${extension}`) }],
    video: ([pad = '']) => `${pad}format=rgba`,
    duration: count / fps,
  }
}

interface LottieImageLayer {
  ty?: number
  refId?: string
  ip?: number
  op?: number
}

async function lottieFrames(path: string, { dir }: ResolveContext): Promise<ResolvedForeground> {
  const unreadable = (reason: string) => new ValidationError(`${JSON.stringify(path)} is not a Lottie file with image frames: ${reason}`, 'path')
  let animation: { fr?: number; assets?: { id?: string; p?: string }[]; layers?: LottieImageLayer[] }
  try {
    animation = JSON.parse(await readFile(path, 'utf8'))
  } catch {
    throw unreadable('invalid JSON')
  }
  const images = new Map<string, { type: string; data: string }>()
  for (const asset of animation.assets ?? []) {
    const match = /^data:image\/(\w+);base64,(.*)$/s.exec(asset.p ?? '')
    if (asset.id !== undefined && match?.[1] !== undefined && match[2] !== undefined) images.set(asset.id, { type: match[1], data: match[2] })
  }
  const layers = (animation.layers ?? []).filter((layer) => layer.ty === 2 && images.has(layer.refId ?? '')).sort((a, b) => (a.ip ?? 0) - (b.ip ?? 0))
  const fps = animation.fr
  if (layers.length === 0 || fps === undefined || !(fps > 0)) throw unreadable('no embedded image layers or no frame rate')
  const type = images.get(layers[0]?.refId ?? '')?.type ?? 'png'
  let count = 0
  for (const layer of layers) {
    const image = images.get(layer.refId ?? '')
    if (image?.type !== type) throw unreadable('mixed image types')
    const first = join(dir, frameName(count++, type))
    await writeFile(first, Buffer.from(image.data, 'base64'))
    for (let repeat = 1; repeat < Math.round((layer.op ?? 0) - (layer.ip ?? 0)); repeat++) await copyFile(first, join(dir, frameName(count++, type)))
  }
  return sequence(dir, type, count, fps)
}

/** Picks the kind of a file from its content. */
async function detect(path: string, matte: boolean, signal: AbortSignal | undefined): Promise<ForegroundSource> {
  const head = Buffer.alloc(64)
  const file = await open(path)
  try {
    await file.read(head, 0, head.length, 0)
  } finally {
    await file.close()
  }
  if (head.readUInt32LE(0) === 0x04034b50) {
    const names = (await zipEntries(path)).map((entry) => basename(entry.name).toLowerCase())
    if (names.some((name) => name.startsWith('color.')) && names.some((name) => name.startsWith('alpha.'))) return { kind: 'bundle', path, matte }
    if (names.some((name) => name.endsWith('.png'))) return { kind: 'frames', path }
    throw new ValidationError(`${JSON.stringify(path)} is a zip, but neither a pro bundle nor a PNG sequence`, 'path')
  }
  if (head.toString('latin1').trimStart().startsWith('{')) return { kind: 'lottie', path }
  const info = await probe(path, signal)
  const look = info.alpha ? 'alpha' : await sampleFrame(path, info, signal)
  if (look === 'stacked') return { kind: 'stacked', path, matte }
  if (look === 'green') return { kind: 'greenScreen', path, key: GREEN_SCREEN }
  return { kind: 'video', path }
}

/** Looks at a mid-clip frame, shrunk to 32×32: a stacked video's bottom half is a grey mask; a green screen is mostly green. */
async function sampleFrame(path: string, info: MediaInfo, signal: AbortSignal | undefined): Promise<'stacked' | 'green' | 'other'> {
  const args = ['-v', 'error', '-ss', String((info.duration ?? 0) / 2), '-i', path, '-frames:v', '1']
  const rgb = await run('ffmpeg', [...args, '-vf', 'scale=32:32:flags=area,format=rgb24', '-f', 'rawvideo', 'pipe:1'], { signal })
  const pixels = Array.from({ length: rgb.length / 3 }, (_, i) => [rgb[3 * i] ?? 0, rgb[3 * i + 1] ?? 0, rgb[3 * i + 2] ?? 0] as const)
  const half = pixels.length / 2
  const grey = ([r, g, b]: readonly [number, number, number]) => Math.abs(r - g) <= 12 && Math.abs(g - b) <= 12
  const bottom = pixels.slice(half)
  if (bottom.every(grey) && !pixels.slice(0, half).every(grey)) return 'stacked'
  const green = pixels.filter(([r, g, b]) => g > 100 && g > 2 * Math.max(r, b)).length
  return green >= pixels.length / 4 ? 'green' : 'other'
}
