import { ValidationError } from '../../errors'
import { checkNonNegative, checkPositive } from '../../validate'

/** The encoder a profile uses; each has its factory on `EncoderProfile`. */
export type EncoderKind = 'h264' | 'vp9' | 'transparent_webm' | 'prores_4444' | 'png_sequence' | 'stacked_video' | 'y4m'

/** The settings a profile's factory took (`crf`: lower is better quality; `fps`: frames a second). */
export interface EncoderSettings {
  /** Constant rate factor: lower is better quality and a larger file (H.264 0–51, VP9 0–63). */
  readonly crf?: number
  /** The x264 preset (`ultrafast` … `veryslow`), for `h264()` and `stackedVideo()`. */
  readonly preset?: string
  /** Frames a second of a `pngSequence()`; undefined keeps the composition's. */
  readonly fps?: number
  /** Where a `stackedVideo()` puts the mask: below the colour (`vertical`) or right of it (`horizontal`). */
  readonly layout?: 'vertical' | 'horizontal'
}

/** How the composition is encoded. Transparent profiles keep the canvas's alpha. */
export class EncoderProfile {
  private constructor(
    /** Which encoder: the name of the factory that made the profile (`h264`, `transparent_webm`, …). */
    readonly kind: EncoderKind,
    /** The settings the factory took, its defaults filled in. */
    readonly settings: EncoderSettings = {},
  ) {}

  /** `.mp4` H.264 (yuv420p, AAC audio); `crf` 0–51, default 18; `preset` an x264 preset, default `medium`. */
  static h264({ crf = 18, preset = 'medium' }: { crf?: number; preset?: string } = {}): EncoderProfile {
    return new EncoderProfile('h264', { crf: checkNonNegative(crf, 'crf'), preset })
  }

  /** `.webm` VP9 without alpha (Opus audio); `crf` 0–63, default 32. */
  static vp9({ crf = 32 }: { crf?: number } = {}): EncoderProfile {
    return new EncoderProfile('vp9', { crf: checkNonNegative(crf, 'crf') })
  }

  /** `.webm` VP9 with alpha (yuva420p, Opus audio); `crf` 0–63, default 28. */
  static transparentWebm({ crf = 28 }: { crf?: number } = {}): EncoderProfile {
    return new EncoderProfile('transparent_webm', { crf: checkNonNegative(crf, 'crf') })
  }

  /** `.mov` ProRes 4444 with alpha (PCM audio). */
  static prores4444(): EncoderProfile {
    return new EncoderProfile('prores_4444')
  }

  /** RGBA PNG frames `frame_000001.png`… written into the directory given to `toFile`; no audio. */
  static pngSequence({ fps }: { fps?: number } = {}): EncoderProfile {
    return new EncoderProfile('png_sequence', { fps: fps === undefined ? undefined : checkPositive(fps, 'fps') })
  }

  /** `.mp4` H.264 holding the colour and, below it (or right of it), the alpha as a greyscale mask. */
  static stackedVideo({
    layout = 'vertical',
    crf = 18,
    preset = 'medium',
  }: { layout?: 'vertical' | 'horizontal'; crf?: number; preset?: string } = {}): EncoderProfile {
    if (layout !== 'vertical' && layout !== 'horizontal') throw new ValidationError("layout must be 'vertical' or 'horizontal'", 'layout')
    return new EncoderProfile('stacked_video', { layout, crf: checkNonNegative(crf, 'crf'), preset })
  }

  /**
   * `.y4m` YUV4MPEG2: uncompressed yuv420p frames with no audio, for piping into another encoder. Large (about
   * 1.4 MB a 720p frame), but it streams and costs almost no CPU.
   */
  static y4m(): EncoderProfile {
    return new EncoderProfile('y4m')
  }

  /** The output keeps transparency (as alpha, frames or a mask). */
  get transparent(): boolean {
    return this.kind === 'transparent_webm' || this.kind === 'prores_4444' || this.kind === 'png_sequence' || this.kind === 'stacked_video'
  }

  /** The output can carry audio (not PNG frames, not YUV4MPEG2). */
  get audio(): boolean {
    return this.kind !== 'png_sequence' && this.kind !== 'y4m'
  }
}

/** Filter text from the composited canvas to the frames the encoder takes. */
export function outputFilter({ kind, settings }: EncoderProfile): string {
  switch (kind) {
    case 'h264':
    case 'vp9':
    case 'y4m':
      return 'format=yuv420p'
    case 'transparent_webm':
      return 'format=yuva420p'
    case 'prores_4444':
      return 'format=yuva444p10le'
    case 'png_sequence':
      return 'format=rgba'
    case 'stacked_video': {
      const stack = settings.layout === 'horizontal' ? 'hstack' : 'vstack'
      return `format=rgba,split[sc][sa];[sa]alphaextract,format=yuv420p[sm];[sc]format=yuv420p[sy];[sy][sm]${stack}`
    }
  }
}

/** Encoder options, before the muxer's (see `muxerArgs`). */
export function encoderArgs({ kind, settings }: EncoderProfile, audio: boolean): string[] {
  const x264 = ['-c:v', 'libx264', '-crf', String(settings.crf), '-preset', settings.preset ?? 'medium']
  switch (kind) {
    case 'h264':
    case 'stacked_video':
      return [...x264, ...(audio ? ['-c:a', 'aac', '-b:a', '192k'] : [])]
    case 'vp9':
    case 'transparent_webm': {
      const vp9 = ['-c:v', 'libvpx-vp9', '-crf', String(settings.crf), '-b:v', '0', '-row-mt', '1']
      return [...vp9, ...(kind === 'transparent_webm' ? ['-auto-alt-ref', '0'] : []), ...(audio ? ['-c:a', 'libopus'] : [])]
    }
    case 'prores_4444':
      return ['-c:v', 'prores_ks', '-profile:v', '4444', '-vendor', 'apl0', ...(audio ? ['-c:a', 'pcm_s16le'] : [])]
    case 'png_sequence':
      return ['-c:v', 'png', ...(settings.fps === undefined ? [] : ['-r', String(settings.fps)])]
    case 'y4m':
      // The yuv4mpegpipe muxer takes frames as they are (its default codec, wrapped_avframe).
      return []
  }
}
