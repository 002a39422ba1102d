import { ValidationError } from '../../errors'
import type { Foreground } from '../../foreground'
import { hexColor, localFile } from './check'
import { checkPositive } from '../../validate'

/** How a greyscale mask becomes alpha. */
export interface MatteOptions {
  /** Use the mask's grey levels as alpha (soft edges). Default: threshold it at 50% (hard edges, no compression noise). */
  matte?: boolean
}

/** How a green-screen video is keyed. */
export interface GreenScreenOptions {
  /** The key colour, `#RRGGBB`. Default `#00FF00`. */
  color?: string
  /** How far from the key colour still counts as background, 0–1. Default 0.3. */
  similarity?: number
  /** Softness of the edge, 0–1. Default 0.1. */
  blend?: number
}

/** The key used for green screens, also when one is recognised by content. */
export const GREEN_SCREEN: Required<GreenScreenOptions> = { color: '00FF00', similarity: 0.3, blend: 0.1 }

/**
 * Where a cut-out's frames come from, as its `Cutout` factory recorded it (`cutout.source`); `kind` tells which
 * factory. Paths are absolute, of files that existed when the factory ran. `auto` is recognised by content when the
 * composition renders. `matte` is the factory's `MatteOptions.matte`: true keeps the mask's grey levels as alpha,
 * false thresholds it at 50%.
 */
export type CutoutSource =
  /** `Cutout.fromFile`: any output of the API, recognised by content at render time. */
  | {
      /** Always `auto`. */
      kind: 'auto'
      /** The file. */
      path: string
      /** Soft (grey-level) alpha from a mask, if the file turns out to carry one. */
      matte: boolean
    }
  /** `Cutout.fromWebmVp9` or `Cutout.fromMovProres`: a video with its own alpha. */
  | {
      /** Always `video`. */
      kind: 'video'
      /** The `.webm` or `.mov` file. */
      path: string
    }
  /** `Cutout.fromStackedVideo`: colour on top, greyscale mask below. */
  | {
      /** Always `stacked`. */
      kind: 'stacked'
      /** The `.mp4` file, twice the cut-out's height. */
      path: string
      /** Soft alpha from the mask's grey levels. */
      matte: boolean
    }
  /** `Cutout.fromVideoAndMask`: a colour video and a separate mask video. */
  | {
      /** Always `mask`. */
      kind: 'mask'
      /** The colour video's path. */
      color: string
      /** The greyscale mask video's path (white = the cut-out). */
      mask: string
      /** A separate audio file's path, if any. */
      audio?: string
      /** Soft alpha from the mask's grey levels. */
      matte: boolean
    }
  /** `Cutout.fromProBundleZip`: the `pro_bundle` zip. */
  | {
      /** Always `bundle`. */
      kind: 'bundle'
      /** The `.zip` file. */
      path: string
      /** Soft alpha from `alpha.mp4`'s grey levels. */
      matte: boolean
    }
  /** `Cutout.fromPngSequence`: the `png_sequence` zip. */
  | {
      /** Always `frames`. */
      kind: 'frames'
      /** The `.zip` file. */
      path: string
      /** Frames a second; undefined plays them at the composition's frame rate. */
      fps?: number
    }
  /** `Cutout.fromLottie`: the `lottie` output. */
  | {
      /** Always `lottie`. */
      kind: 'lottie'
      /** The Lottie `.json` file. */
      path: string
    }
  /** `Cutout.fromGreenScreen`: a video on a solid key colour. */
  | {
      /** Always `greenScreen`. */
      kind: 'greenScreen'
      /** The video file. */
      path: string
      /** The key, defaults filled in; `color` as `RRGGBB` without the `#`. */
      key: Required<GreenScreenOptions>
    }
  /** `Cutout.fromResult`: a `removeBackground` result, downloaded at render time. */
  | {
      /** Always `result`. */
      kind: 'result'
      /** The `Foreground` that `removeBackground` resolved to. */
      result: Foreground
      /** Soft alpha from a mask, if the output turns out to carry one. */
      matte: boolean
    }

/**
 * A cut-out video to place on a composition: built from a file in any of the API's output formats, or from a
 * `removeBackground` result. The factories check that the files exist (`ValidationError` otherwise); the content is
 * read when the composition renders.
 */
export class Cutout {
  private constructor(
    /** What the factory recorded: which kind of input, and its files. Read by the composition when it renders. */
    readonly source: CutoutSource,
  ) {}

  /**
   * Any output of the API, recognised by its content when the composition renders: a pro bundle or PNG sequence zip,
   * Lottie, a video with alpha, a stacked video, a green screen; any other video is placed opaque.
   */
  static fromFile(path: string, options: MatteOptions = {}): Cutout {
    return new Cutout({ kind: 'auto', path: localFile(path), matte: options.matte ?? false })
  }

  /** `.webm` VP9 with alpha, decoded with libvpx-vp9 so the alpha survives. */
  static fromWebmVp9(path: string): Cutout {
    return new Cutout({ kind: 'video', path: localFile(path) })
  }

  /** `.mov` ProRes 4444 with alpha. */
  static fromMovProres(path: string): Cutout {
    return new Cutout({ kind: 'video', path: localFile(path) })
  }

  /** `.mp4` twice the source height: colour on top, greyscale mask below. */
  static fromStackedVideo(path: string, options: MatteOptions = {}): Cutout {
    return new Cutout({ kind: 'stacked', path: localFile(path), matte: options.matte ?? false })
  }

  /** A colour video and a greyscale mask video (white = the cut-out), with an optional separate audio file. */
  static fromVideoAndMask(videoPath: string, maskPath: string, audioPath?: string, options: MatteOptions = {}): Cutout {
    const audio = audioPath === undefined ? undefined : localFile(audioPath)
    return new Cutout({ kind: 'mask', color: localFile(videoPath), mask: localFile(maskPath), audio, matte: options.matte ?? false })
  }

  /** The `pro_bundle` zip: `color.mp4`, `alpha.mp4` and optionally `audio.m4a`. */
  static fromProBundleZip(path: string, options: MatteOptions = {}): Cutout {
    return new Cutout({ kind: 'bundle', path: localFile(path), matte: options.matte ?? false })
  }

  /** The `png_sequence` zip of RGBA frames, played at `fps` (default: the composition's frame rate). */
  static fromPngSequence(path: string, options: { fps?: number } = {}): Cutout {
    if (options.fps !== undefined) checkPositive(options.fps, 'fps')
    return new Cutout({ kind: 'frames', path: localFile(path), fps: options.fps })
  }

  /** The `lottie` output: a Lottie `.json` whose frames are embedded images. */
  static fromLottie(path: string): Cutout {
    return new Cutout({ kind: 'lottie', path: localFile(path) })
  }

  /** A video on a solid key colour, such as the API's default green-screen output. */
  static fromGreenScreen(path: string, options: GreenScreenOptions = {}): Cutout {
    const { color = GREEN_SCREEN.color, similarity = GREEN_SCREEN.similarity, blend = GREEN_SCREEN.blend } = options
    const key = { color: hexColor(color), similarity, blend }
    if (!(typeof key.similarity === 'number' && key.similarity > 0 && key.similarity <= 1))
      throw new ValidationError('similarity must be in (0, 1]', 'similarity')
    if (!(typeof key.blend === 'number' && key.blend >= 0 && key.blend <= 1)) throw new ValidationError('blend must be in [0, 1]', 'blend')
    return new Cutout({ kind: 'greenScreen', path: localFile(path), key })
  }

  /** The result of `video.removeBackground()` (a `Foreground`); its output is downloaded when the composition renders. */
  static fromResult(result: Foreground, options: MatteOptions = {}): Cutout {
    return new Cutout({ kind: 'result', result, matte: options.matte ?? false })
  }
}
