import type { JobBackground, ModelName, StartJobOptions, TransparentFormat } from './types'
import { TRANSPARENT_FORMATS, type TransparentName } from './formats'
import { checkKnownValue } from './validate'

/**
 * The type of `Prefer`: `AUTO` (`webm_vp9`) plus one upper-case key per transparent format, whose value is the
 * format's wire name (`WEBM_VP9: 'webm_vp9'`, `MOV_PRORES: 'mov_prores'`, …).
 */
export type PreferTable = {
  /** `webm_vp9`: the default, `.webm` VP9 with alpha. */
  readonly AUTO: 'webm_vp9'
} & { readonly [F in TransparentName as Uppercase<F>]: F }

/**
 * Every transparent output format, for `new RemoveBGOptions(Prefer.MOV_PRORES)`; `AUTO` is `webm_vp9`.
 *
 * - `WEBM_VP9`: `.webm` VP9 with alpha; plays in browsers (decoding the alpha elsewhere needs libvpx).
 * - `MOV_PRORES`: `.mov` ProRes 4444 with alpha, for editing software.
 * - `STACKED_VIDEO`: `.mp4` twice the height: colour on top, greyscale mask below.
 * - `PRO_BUNDLE`: `.zip` of `color.mp4`, `alpha.mp4`, maybe `audio.m4a`, and `manifest.json`.
 * - `PNG_SEQUENCE`: `.zip` of RGBA PNG frames.
 * - `GIF`, `WEBP`: animated images (GIF with 1-bit transparency).
 * - `LOTTIE`: a Lottie `.json` with WebP frames, for the Lottie players.
 * - `MASK_VIDEO_INVERTED`: a mask showing what was removed (undocumented by the vendor).
 */
export const Prefer: PreferTable = Object.freeze(
  Object.fromEntries([['AUTO', 'webm_vp9'], ...TRANSPARENT_FORMATS.map((format) => [format.toUpperCase(), format])]),
) as PreferTable

/** The four models, for `RemoveBGOptions.withModel(Model.HUMAN)`; any other string is sent as given. */
export const Model = {
  /** `videobgremover-original`: the API's default, for any subject. */
  ORIGINAL: 'videobgremover-original',
  /** `videobgremover-light`: a lighter model. */
  LIGHT: 'videobgremover-light',
  /** `videobgremover-pro`: for complex objects. */
  PRO: 'videobgremover-pro',
  /** `videobgremover-human`: fast matting for people and portraits. */
  HUMAN: 'videobgremover-human',
} as const

/** `RemoveBGOptions` as a plain object: `{ prefer, model, background }`, every field optional. */
export interface RemoveBGOptionsInit {
  /** The transparent output format, one of `Prefer` (default `webm_vp9`). Ignored when `background` is a colour or composition. */
  prefer?: TransparentFormat
  /** The model, one of `Model` (default: the API's, `videobgremover-original`). */
  model?: ModelName
  /** A `#RRGGBB` colour, or a full background (colour or server-side composition) instead of transparency. */
  background?: string | JobBackground
}

/** What to produce: a transparent format (default `webm_vp9`), a model, or a colour or composition background. */
export class RemoveBGOptions {
  /** The transparent output format (default `webm_vp9`). */
  readonly prefer: TransparentFormat
  /** The model; undefined leaves the choice to the API (`videobgremover-original`). */
  readonly model?: ModelName
  /** The background sent instead of transparency (a colour string becomes `{ type: 'color', color }`), if any. */
  readonly background?: JobBackground

  /**
   * @param prefer the transparent output format, one of `Prefer` (default `Prefer.AUTO`, `webm_vp9`).
   * @param model one of `Model`; default: the API's (`videobgremover-original`).
   * @param background a `#RRGGBB` colour or a `JobBackground`, instead of transparency (the output is then MP4).
   * @throws ValidationError when `prefer` or `model` is empty or a near-miss of a known value (`webm-vp9`); other
   *   unknown strings are sent as given. The colour is checked when the job starts.
   */
  constructor(prefer: TransparentFormat = Prefer.AUTO, model?: ModelName, background?: string | JobBackground) {
    this.prefer = checkKnownValue(prefer, TRANSPARENT_FORMATS, 'prefer')
    this.model = model === undefined ? undefined : checkKnownValue(model, Object.values(Model), 'model')
    if (typeof background === 'string') {
      this.background = { type: 'color', color: background }
    } else if (background?.type === 'transparent') {
      const format = checkKnownValue(background.transparent_format ?? this.prefer, TRANSPARENT_FORMATS, 'background.transparent_format')
      this.background = { ...background, transparent_format: format }
    } else {
      this.background = background
    }
  }

  /**
   * Options for a transparent output in `prefer`'s format, with the default model:
   * `RemoveBGOptions.withPrefer(Prefer.MOV_PRORES)`. The same as `new RemoveBGOptions(prefer)`.
   *
   * @param prefer one of `Prefer`, e.g. `Prefer.WEBM_VP9` (`.webm` with alpha) or `Prefer.STACKED_VIDEO`.
   * @throws ValidationError when `prefer` is empty or a near-miss of a known format (`webm-vp9`).
   */
  static withPrefer(prefer: TransparentFormat): RemoveBGOptions {
    return new RemoveBGOptions(prefer)
  }

  /**
   * Options for the default transparent format (`webm_vp9`) with another model:
   * `RemoveBGOptions.withModel(Model.HUMAN)`. The same as `new RemoveBGOptions(Prefer.AUTO, model)`.
   *
   * @param model one of `Model`; any other string is sent as given.
   * @throws ValidationError when `model` is empty or a near-miss of a known model (`videobgremover-humen`).
   */
  static withModel(model: ModelName): RemoveBGOptions {
    return new RemoveBGOptions(Prefer.AUTO, model)
  }

  /**
   * Whatever `removeBackground({ options })` accepts, as a `RemoveBGOptions`: an instance is returned as it is, a
   * plain `{ prefer, model, background }` object is checked like the constructor's arguments, and undefined gives
   * the defaults (`webm_vp9`, the API's model).
   *
   * @throws ValidationError as the constructor does.
   */
  static from(options: RemoveBGOptions | RemoveBGOptionsInit | undefined): RemoveBGOptions {
    if (options instanceof RemoveBGOptions) return options
    return new RemoveBGOptions(options?.prefer, options?.model, options?.background)
  }

  /**
   * The `startJob` body these options make, for the step-by-step client:
   * `client.startJob(id, options.toStartOptions(webhookUrl))`. A transparent background in `prefer`'s format unless
   * another background was given; unset fields are left out when sent.
   *
   * @param webhookUrl receives `job.started`, `job.completed` and `job.failed`; put an unguessable token in its query.
   */
  toStartOptions(webhookUrl?: string): StartJobOptions {
    return {
      background: this.background ?? { type: 'transparent', transparent_format: this.prefer },
      model: this.model,
      webhook_url: webhookUrl,
    }
  }

  /** The format of the main output file: the transparent format, or `mp4` when a colour or composition replaces it. */
  get format(): string {
    if (this.background?.type === 'transparent') return this.background.transparent_format ?? this.prefer
    return this.background ? 'mp4' : this.prefer
  }
}
