import { ValidationError } from '../../errors'
import { checkNonNegative, checkNonNegativeInteger, checkPositive, checkPositiveInteger } from '../../validate'
import type { Cutout } from './cutout'

/** Where a layer sits on the canvas; `dx`, `dy` of `LayerHandle.at` move it from there. */
export const Anchor = {
  /** The layer's centre on the canvas's centre (the default). */
  CENTER: 'center',
  /** The layer's top-left corner on the canvas's. */
  TOP_LEFT: 'top-left',
  /** Centred along the top edge. */
  TOP_CENTER: 'top-center',
  /** The layer's top-right corner on the canvas's. */
  TOP_RIGHT: 'top-right',
  /** Centred along the left edge. */
  CENTER_LEFT: 'center-left',
  /** Centred along the right edge. */
  CENTER_RIGHT: 'center-right',
  /** The layer's bottom-left corner on the canvas's. */
  BOTTOM_LEFT: 'bottom-left',
  /** Centred along the bottom edge. */
  BOTTOM_CENTER: 'bottom-center',
  /** The layer's bottom-right corner on the canvas's; use negative `dx`, `dy` to move it in from the edges. */
  BOTTOM_RIGHT: 'bottom-right',
} as const
/** One of the `Anchor` values. */
export type Anchor = (typeof Anchor)[keyof typeof Anchor]

/** How a layer is sized against the canvas (see `LayerHandle.size`). */
export const SizeMode = {
  /** Fit inside the canvas, keeping the aspect ratio (the default). */
  CONTAIN: 'contain',
  /** Cover the canvas, keeping the aspect ratio; the overflow is cut off. */
  COVER: 'cover',
  /** Fit inside `width`×`height` pixels, or set one of them and keep the aspect ratio. */
  PX: 'px',
  /** Fit inside `percent` % of the canvas (or `width` % × `height` %). */
  CANVAS_PERCENT: 'canvas_percent',
  /** As wide as the canvas, keeping the aspect ratio. */
  FIT_WIDTH: 'fit_width',
  /** As high as the canvas, keeping the aspect ratio. */
  FIT_HEIGHT: 'fit_height',
  /** Multiply the size by `scale` (or by `width` and `height` separately). */
  SCALE: 'scale',
} as const
/** One of the `SizeMode` values. */
export type SizeMode = (typeof SizeMode)[keyof typeof SizeMode]

/** The numbers a `SizeMode` reads: pixels for `px`, percent for `canvas_percent`, factors for `scale`. */
export interface SizeOptions {
  /** Pixels for `px`, percent of the canvas width for `canvas_percent`, a width factor for `scale`. */
  width?: number
  /** Pixels for `px`, percent of the canvas height for `canvas_percent`, a height factor for `scale`. */
  height?: number
  /** `canvas_percent`: fit inside this percentage of the canvas (35 = 35%). */
  percent?: number
  /** `scale`: multiply both sides by this factor (0.5 = half size). */
  scale?: number
}

/** Everything set on one layer, as `LayerHandle` records it. */
export interface LayerSettings {
  /** The name given to `Composition.add` (default `layer0`, `layer1`, …), used in error messages. */
  readonly name: string
  /** What the layer shows. */
  readonly cutout: Cutout
  /** Where the layer sits (default `center`); see `at()`. */
  readonly anchor: Anchor
  /** Pixels right of the anchor (negative: left). */
  readonly dx: number
  /** Pixels below the anchor (negative: above). */
  readonly dy: number
  /** ffmpeg overlay expression for the left edge, set by `xy()`; it replaces the anchor. */
  readonly x?: string
  /** ffmpeg overlay expression for the top edge, set by `xy()`; it replaces the anchor. */
  readonly y?: string
  /** How the layer is sized (default `contain`), with the numbers its mode reads. */
  readonly size: SizeOptions & {
    /** The `SizeMode`. */
    readonly mode: SizeMode
  }
  /** 0 to 1. */
  readonly opacity: number
  /** Clockwise degrees. */
  readonly rotate: number
  /** A rectangle in the cut-out's own pixels, kept before sizing. */
  readonly crop?: {
    /** Left edge, in pixels from the cut-out's left. */
    readonly x: number
    /** Top edge, in pixels from the cut-out's top. */
    readonly y: number
    /** Width in pixels. */
    readonly width: number
    /** Height in pixels. */
    readonly height: number
  }
  /** When the layer appears, in seconds on the composition's timeline (default 0). */
  readonly start: number
  /** When it disappears, in seconds on the composition's timeline; set by `end()`, cleared by `duration()`. */
  readonly end?: number
  /** How long it shows, in seconds; set by `duration()`, cleared by `end()`. */
  readonly duration?: number
  /** Seconds of the cut-out's own timeline to use. */
  readonly subclip?: {
    /** Where in the cut-out to begin, in seconds. */
    readonly start: number
    /** Where to stop, in seconds; undefined plays to the cut-out's end. */
    readonly end?: number
  }
  /** Whether the cut-out's own audio is mixed in (default true). */
  readonly audio: boolean
  /** 1 = unchanged. */
  readonly volume: number
  /** Stacking order: higher is nearer the viewer (default: the order of `add`). */
  readonly z: number
  /** False places the cut-out opaque, ignoring its alpha (default true). */
  readonly alpha: boolean
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const ANCHORS = new Set<string>(Object.values(Anchor))
const SIZE_MODES = new Set<string>(Object.values(SizeMode))

/** One cut-out on the composition. Every setter returns the layer, for chaining, and throws `ValidationError` on bad input. */
export class LayerHandle {
  readonly #settings: Mutable<LayerSettings>

  /** Made by `Composition.add`; `z` is its initial stacking order. */
  constructor(cutout: Cutout, name: string, z: number) {
    this.#settings = {
      name,
      cutout,
      anchor: Anchor.CENTER,
      dx: 0,
      dy: 0,
      size: { mode: SizeMode.CONTAIN },
      opacity: 1,
      rotate: 0,
      start: 0,
      audio: true,
      volume: 1,
      z,
      alpha: true,
    }
  }

  /** The layer's settings so far (a live view, not a copy). */
  get settings(): LayerSettings {
    return this.#settings
  }

  /** Places the layer at an anchor of the canvas (default centre), moved by `dx`, `dy` pixels. */
  at(anchor: Anchor = Anchor.CENTER, dx = 0, dy = 0): this {
    if (!ANCHORS.has(anchor)) throw new ValidationError(`Unknown anchor ${JSON.stringify(anchor)}`, 'anchor')
    return this.set({ anchor, dx: finite(dx, 'dx'), dy: finite(dy, 'dy'), x: undefined, y: undefined })
  }

  /** Places the layer's top-left corner with ffmpeg overlay expressions (`W`, `H`: canvas; `w`, `h`: layer; `t`: time). */
  xy(x: string | number, y: string | number): this {
    return this.set({ x: expression(x, 'x'), y: expression(y, 'y') })
  }

  /** Sizes the layer (default `contain`); `px`, `canvas_percent` and `scale` need one of their numbers. */
  size(mode: SizeMode, options: SizeOptions = {}): this {
    if (!SIZE_MODES.has(mode)) throw new ValidationError(`Unknown size mode ${JSON.stringify(mode)}`, 'mode')
    for (const [field, value] of Object.entries(options)) if (value !== undefined) checkPositive(value, field)
    const needs = { px: ['width', 'height'], canvas_percent: ['percent', 'width', 'height'], scale: ['scale', 'width', 'height'] }[
      mode as string
    ]
    if (needs !== undefined && !needs.some((field) => options[field as keyof SizeOptions] !== undefined)) {
      throw new ValidationError(`Size mode ${mode} needs one of ${needs.join(', ')}`, 'size')
    }
    return this.set({ size: { ...options, mode } })
  }

  /** 0 (invisible) to 1 (opaque, the default). */
  opacity(value: number): this {
    if (!(typeof value === 'number' && value >= 0 && value <= 1))
      throw new ValidationError(`opacity must be between 0 and 1, not ${value}`, 'opacity')
    return this.set({ opacity: value })
  }

  /** Clockwise, in degrees; the layer grows to hold the rotated frame. */
  rotate(degrees: number): this {
    return this.set({ rotate: finite(degrees, 'degrees') })
  }

  /** Keeps a rectangle of the cut-out, in its own pixels, before sizing. */
  crop(x: number, y: number, width: number, height: number): this {
    const crop = {
      x: checkNonNegativeInteger(x, 'x'),
      y: checkNonNegativeInteger(y, 'y'),
      width: checkPositiveInteger(width, 'width'),
      height: checkPositiveInteger(height, 'height'),
    }
    return this.set({ crop })
  }

  /** When the layer appears, in seconds on the composition's timeline (default 0). */
  start(seconds: number): this {
    return this.set({ start: checkNonNegative(seconds, 'start') })
  }

  /** When the layer disappears, in seconds on the composition's timeline (replaces `duration`). */
  end(seconds: number): this {
    return this.set({ end: checkPositive(seconds, 'end'), duration: undefined })
  }

  /** How long the layer shows, in seconds (replaces `end`). */
  duration(seconds: number): this {
    return this.set({ duration: checkPositive(seconds, 'duration'), end: undefined })
  }

  /** Uses only seconds `start` to `end` of the cut-out itself. */
  subclip(start: number, end?: number): this {
    checkNonNegative(start, 'start')
    if (end !== undefined && !(typeof end === 'number' && end > start))
      throw new ValidationError('subclip end must be after its start', 'end')
    return this.set({ subclip: { start, end } })
  }

  /** The cut-out's own audio (on by default), mixed in at `volume` (1 = unchanged). */
  audio(enabled = true, volume = 1): this {
    return this.set({ audio: enabled, volume: checkNonNegative(volume, 'volume') })
  }

  /** Stacking order: higher is nearer the viewer; equal values keep the order of `add`. */
  z(index: number): this {
    return this.set({ z: finite(index, 'z') })
  }

  /** With `false` the cut-out is placed opaque, ignoring its alpha. */
  alpha(enabled = true): this {
    return this.set({ alpha: enabled })
  }

  private set(changes: Partial<Mutable<LayerSettings>>): this {
    Object.assign(this.#settings, changes)
    return this
  }
}

/**
 * Seconds the layer shows for: its clip of `clipSeconds` (after `subclip`), cut short by `end`/`duration`; undefined
 * when nothing bounds it. Throws `ValidationError` when the settings leave nothing to show.
 */
export function visibleLength(settings: LayerSettings, clipSeconds: number | undefined): number | undefined {
  const { start, end, duration, subclip } = settings
  const from = subclip?.start ?? 0
  const lengths = [
    subclip?.end === undefined ? undefined : subclip.end - from,
    clipSeconds === undefined ? undefined : clipSeconds - from,
    duration ?? (end === undefined ? undefined : end - start),
  ].filter((length) => length !== undefined)
  const length = lengths.length === 0 ? undefined : Math.min(...lengths)
  if (length !== undefined && length <= 0) {
    throw new ValidationError(`Layer ${settings.name} would never show: check its start, end, duration and subclip`, 'layer')
  }
  return length
}

/** An overlay expression as text; NUL cannot travel in an argv. The filter graph escapes the rest (see `filterValue`). */
function expression(value: string | number, field: string): string {
  const text = String(value)
  if (text.includes('\0')) throw new ValidationError(`${field} must not contain a NUL character`, field)
  return text
}

function finite(value: number, field: string): number {
  if (!Number.isFinite(value)) throw new ValidationError(`${field} must be a finite number, not ${value}`, field)
  return value
}
