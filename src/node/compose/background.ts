import { hexColor, pathOrUrl } from './check'
import { checkNonNegative, checkPositive, checkPositiveInteger } from '../../validate'
import { probe } from './ffmpeg'
import type { Input } from './resolve-cutout'

/**
 * What a background is made of, as its `Background` factory recorded it (`background.source`); `kind` tells which
 * factory. Image and video sizes are read when the composition renders.
 */
export type BackgroundSource =
  /** `Background.fromColor`: a solid colour canvas. */
  | {
      /** Always `color`. */
      kind: 'color'
      /** `RRGGBB`, upper case, without the `#`. */
      color: string
      /** Canvas width in pixels. */
      width: number
      /** Canvas height in pixels. */
      height: number
      /** Frames a second. */
      fps: number
    }
  /** `Background.empty`: a transparent canvas. */
  | {
      /** Always `empty`. */
      kind: 'empty'
      /** Canvas width in pixels. */
      width: number
      /** Canvas height in pixels. */
      height: number
      /** Frames a second. */
      fps: number
    }
  /** `Background.fromImage`: a still image, at its own size. */
  | {
      /** Always `image`. */
      kind: 'image'
      /** An absolute local path, or an http(s) URL that ffmpeg reads. */
      path: string
      /** Frames a second of the canvas (default 30). */
      fps: number
    }
  /** `Background.fromVideo`: a video, at its own size, frame rate and length. */
  | {
      /** Always `video`. */
      kind: 'video'
      /** An absolute local path, or an http(s) URL that ffmpeg reads. */
      path: string
    }

/** The bottom of a composition; it sets the canvas size and frame rate (and, for a video, the duration). */
export class Background {
  private constructor(
    /** What the factory recorded: a colour, an empty canvas, an image or a video. */
    readonly source: BackgroundSource,
    /** A video background's own audio is mixed in unless disabled (default true); see `audio()`. */
    readonly audioEnabled = true,
    /** The background audio's volume: 1 (the default) leaves it unchanged, 0.5 halves it. */
    readonly audioVolume = 1,
  ) {}

  /** A solid colour, `#RRGGBB`. */
  static fromColor(hex: string, width: number, height: number, fps: number): Background {
    return new Background({ kind: 'color', color: hexColor(hex), ...canvas(width, height, fps) })
  }

  /** A still image (local path or http(s) URL), at its own size. */
  static fromImage(pathOrUrlValue: string, fps = 30): Background {
    return new Background({ kind: 'image', path: pathOrUrl(pathOrUrlValue), fps: checkPositive(fps, 'fps') })
  }

  /** A video (local path or http(s) URL), at its own size and frame rate; it sets the composition's duration. */
  static fromVideo(pathOrUrlValue: string): Background {
    return new Background({ kind: 'video', path: pathOrUrl(pathOrUrlValue) })
  }

  /** A transparent canvas, for transparent outputs. */
  static empty(width: number, height: number, fps: number): Background {
    return new Background({ kind: 'empty', ...canvas(width, height, fps) })
  }

  /** A copy with the background video's audio enabled or not, at `volume` (1 = unchanged). */
  audio(enabled = true, volume = 1): Background {
    return new Background(this.source, enabled, checkNonNegative(volume, 'volume'))
  }
}

function canvas(width: number, height: number, fps: number) {
  return { width: checkPositiveInteger(width, 'width'), height: checkPositiveInteger(height, 'height'), fps: checkPositive(fps, 'fps') }
}

/** A background made ready for ffmpeg: its input, its filter, and the canvas it sets. */
export interface ResolvedBackground {
  readonly input: Input
  /** Filter text after the background's video pad, producing the canvas frames. */
  readonly filter: string
  readonly width: number
  readonly height: number
  readonly fps: number
  /** Seconds, for a video. */
  readonly duration?: number
  /** The input's audio is mixed in, at `volume` (1 = unchanged). */
  readonly audio: boolean
  readonly volume: number
}

/** Probes an image or video background for its size. Throws `FFmpegError` when ffprobe fails, `ValidationError` when it finds no video. */
export async function resolveBackground(
  { source, audioEnabled, audioVolume: volume }: Background,
  signal?: AbortSignal,
): Promise<ResolvedBackground> {
  switch (source.kind) {
    case 'color':
    case 'empty': {
      const { width, height, fps } = source
      const [color, format] = source.kind === 'color' ? [`0x${source.color}`, 'rgb24'] : ['black@0', 'rgba']
      const input = { options: ['-f', 'lavfi'], path: `color=c=${color}:s=${width}x${height}:r=${fps},format=${format}` }
      return { input, filter: 'setsar=1', width, height, fps, audio: false, volume }
    }
    case 'image': {
      const { width, height } = await probe(source.path, signal)
      const filter = `loop=loop=-1:size=1,fps=${source.fps},setsar=1`
      return { input: { options: [], path: source.path }, filter, width, height, fps: source.fps, audio: false, volume }
    }
    case 'video': {
      const info = await probe(source.path, signal)
      const input = { options: info.decoder === undefined ? [] : ['-c:v', info.decoder], path: source.path }
      const { width, height, fps, duration } = info
      return { input, filter: 'setsar=1', width, height, fps, duration, audio: audioEnabled && info.hasAudio, volume }
    }
  }
}
