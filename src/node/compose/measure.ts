import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ValidationError } from '../../errors'
import type { Cutout } from './cutout'
import { inputArgs, run } from './ffmpeg'
import { resolveCutout } from './resolve-cutout'

/** What a cut-out's frames are, as a canvas fitted to it needs them. */
export interface CutoutFrames {
  /** Pixels. */
  readonly width: number
  /** Pixels. */
  readonly height: number
  /** Frames a second. */
  readonly fps: number
  /** Seconds, when known. */
  readonly duration?: number
}

/** The frame rate a PNG sequence without its own plays at here: that of `Background.fromImage`. */
const SEQUENCE_FPS = 30

/**
 * Resolves `cutout` as a composition would (downloading or extracting into a temporary directory, removed before it
 * returns) and decodes its first frame, to read the size and frame rate of the frames it shows: a stacked video's
 * top half, a bundle's colour video, a PNG sequence's images. Throws `ValidationError` for a file that is not what
 * it claims or a missing ffmpeg, `FFmpegError` when ffmpeg or ffprobe fails, `AbortError` when `signal` fires.
 */
export async function measureCutout(cutout: Cutout, signal?: AbortSignal): Promise<CutoutFrames> {
  const work = await mkdtemp(join(tmpdir(), 'vbr-measure-'))
  try {
    const resolved = await resolveCutout(cutout.source, { dir: work, fps: SEQUENCE_FPS, signal })
    const pads = resolved.inputs.map((_, index) => `[${index}:v]`)
    // YUV4MPEG2 states the size and frame rate in its first line, ahead of the one frame decoded.
    let header = ''
    await run(
      'ffmpeg',
      [
        ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
        ...resolved.inputs.flatMap(inputArgs),
        ...['-filter_complex', `${resolved.video(pads, 'm')},format=yuv444p[m]`, '-map', '[m]', '-frames:v', '1'],
        ...['-f', 'yuv4mpegpipe', 'pipe:1'],
      ],
      { signal, onLine: (line) => (header ||= line) },
    )
    const field = (key: string) => new RegExp(` ${key}(\\d+)(?::(\\d+))?`).exec(header)
    const [width, height, rate] = [field('W'), field('H'), field('F')]
    const fps = Number(rate?.[1]) / Number(rate?.[2] ?? 1)
    if (!width || !height || !(fps > 0)) throw new ValidationError(`Cannot read the size of the cut-out's frames: ${header}`, 'cutout')
    return { width: Number(width[1]), height: Number(height[1]), fps, duration: resolved.duration }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
