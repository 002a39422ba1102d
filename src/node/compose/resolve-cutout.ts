import { open } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { ValidationError } from '../../errors'
import { outputExtension, type OutputFormat } from '../../formats'
import { type MediaInfo, inputArgs, probe, run } from './ffmpeg'
import { GREEN_SCREEN, type CutoutSource } from './cutout'
import { lottieFrames } from './lottie'
import { frameName, imageSequence } from './sequence'
import { extractZipEntry, zipEntries, type ZipEntry } from './zip'

/** One ffmpeg input: options placed before its `-i`, and the path. */
export interface Input {
  readonly options: readonly string[]
  readonly path: string
}

/** A cut-out made ready for ffmpeg: its inputs, the filter chain turning them into RGBA frames, and facts for timing. */
export interface ResolvedCutout {
  readonly inputs: readonly Input[]
  /** Filter text from the inputs' video pads (`[3:v]`…) to RGBA frames; `label` prefixes its internal pads. Ends open. */
  readonly video: (pads: readonly string[], label: string) => string
  /** Index in `inputs` of the audio, when there is some. */
  readonly audio?: number
  /** Seconds, when known. */
  readonly duration?: number
}

/** Where and for what a cut-out is resolved. */
export interface ResolveContext {
  /** An empty directory for downloads and extracted files. */
  readonly dir: string
  /** The composition's frame rate. */
  readonly fps: number
  readonly signal?: AbortSignal
}

/**
 * Probes, downloads or extracts what `source` needs into `context.dir` and says how ffmpeg reads it. Throws
 * `ValidationError` for a file that is not what it claims, `FFmpegError` when ffprobe fails.
 */
export async function resolveCutout(source: CutoutSource, context: ResolveContext): Promise<ResolvedCutout> {
  const { dir, signal } = context
  switch (source.kind) {
    case 'auto':
      return resolveCutout(await detect(source.path, source.matte, signal), context)
    case 'video':
      return video(source.path, await probe(source.path, signal), (pad) => `${pad}format=rgba`)
    case 'stacked': {
      const info = await probe(source.path, signal)
      return video(
        source.path,
        info,
        (pad, label) =>
          `${pad}format=rgba,split[${label}c][${label}m];[${label}m]crop=iw:ih/2:0:ih/2,${maskFilter(source.matte)}[${label}a];` +
          `[${label}c]crop=iw:ih/2:0:0[${label}rgb];[${label}rgb][${label}a]alphamerge,format=rgba`,
      )
    }
    case 'greenScreen': {
      const info = await probe(source.path, signal)
      const { color, similarity, blend } = source.key
      return video(source.path, info, (pad) => `${pad}format=rgba,colorkey=0x${color}:${similarity}:${blend}`)
    }
    case 'mask': {
      const info = await probe(source.color, signal)
      const inputs: Input[] = [
        { options: decoderOptions(info), path: source.color },
        { options: [], path: source.mask },
      ]
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
      return resolveCutout({ kind: 'mask', color: colorPath, mask: maskPath, audio: audioPath, matte: source.matte }, context)
    }
    case 'frames': {
      const frames = (await zipEntries(source.path))
        .filter((entry) => /\.png$/i.test(entry.name))
        .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))
      if (frames.length === 0) throw new ValidationError(`${JSON.stringify(source.path)} holds no PNG frames`, 'path')
      for (const [index, entry] of frames.entries()) await extractZipEntry(source.path, entry, join(dir, frameName(index, 'png')), signal)
      return imageSequence(dir, 'png', frames.length, source.fps ?? context.fps)
    }
    case 'lottie':
      return lottieFrames(source.path, dir)
    case 'result': {
      const { format } = source.result
      const file = await source.result.save(join(dir, `result.${outputExtension(format)}`), { signal })
      const read = Object.hasOwn(RESULT_KINDS, format) ? RESULT_KINDS[format as OutputFormat] : undefined
      return resolveCutout(read?.(file, source.matte) ?? { kind: 'auto', path: file, matte: source.matte }, context)
    }
  }
}

/**
 * How compose reads each output format back once saved (its file extension comes from `OUTPUT_FORMATS`); the others
 * (green screen, colour, composition, formats this SDK does not know yet) are recognised by content.
 */
const RESULT_KINDS: Readonly<Partial<Record<OutputFormat, (path: string, matte: boolean) => CutoutSource>>> = {
  webm_vp9: (path) => ({ kind: 'video', path }),
  mov_prores: (path) => ({ kind: 'video', path }),
  gif: (path) => ({ kind: 'video', path }),
  webp: (path) => ({ kind: 'video', path }),
  stacked_video: (path, matte) => ({ kind: 'stacked', path, matte }),
  pro_bundle: (path, matte) => ({ kind: 'bundle', path, matte }),
  png_sequence: (path) => ({ kind: 'frames', path }),
  lottie: (path) => ({ kind: 'lottie', path }),
}

function video(path: string, info: MediaInfo, filter: (pad: string, label: string) => string): ResolvedCutout {
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

/** Picks the kind of a file from its content. */
async function detect(path: string, matte: boolean, signal: AbortSignal | undefined): Promise<CutoutSource> {
  const head = Buffer.alloc(64)
  const file = await open(path)
  try {
    await file.read(head, 0, head.length, 0)
  } finally {
    await file.close()
  }
  if (head.readUInt32LE(0) === 0x04034b50) {
    const names = (await zipEntries(path)).map((entry) => basename(entry.name).toLowerCase())
    if (names.some((name) => name.startsWith('color.')) && names.some((name) => name.startsWith('alpha.')))
      return { kind: 'bundle', path, matte }
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
  const args = ['-v', 'error', '-ss', String((info.duration ?? 0) / 2), ...inputArgs({ options: [], path }), '-frames:v', '1']
  const rgb = await run('ffmpeg', [...args, '-vf', 'scale=32:32:flags=area,format=rgb24', '-f', 'rawvideo', 'pipe:1'], { signal })
  const pixels = Array.from({ length: rgb.length / 3 }, (_, i) => [rgb[3 * i] ?? 0, rgb[3 * i + 1] ?? 0, rgb[3 * i + 2] ?? 0] as const)
  const half = pixels.length / 2
  const grey = ([r, g, b]: readonly [number, number, number]) => Math.abs(r - g) <= 12 && Math.abs(g - b) <= 12
  const bottom = pixels.slice(half)
  if (bottom.every(grey) && !pixels.slice(0, half).every(grey)) return 'stacked'
  const green = pixels.filter(([r, g, b]) => g > 100 && g > 2 * Math.max(r, b)).length
  return green >= pixels.length / 4 ? 'green' : 'other'
}
