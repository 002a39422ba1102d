import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, rename, rm, rmdir, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { ValidationError } from '../../errors'
import type { Foreground as RemovedBackground } from '../../foreground'
import { Background, resolveBackground, type ResolvedBackground } from './background'
import { dimension, nonNegative, positive } from './check'
import { encoderArgs, EncoderProfile, outputFilter } from './encoder'
import { run, toolPath } from './ffmpeg'
import { Foreground, resolveForeground, type Input, type ResolvedForeground } from './foreground'

export const Anchor = {
  CENTER: 'center',
  TOP_LEFT: 'top-left',
  TOP_CENTER: 'top-center',
  TOP_RIGHT: 'top-right',
  CENTER_LEFT: 'center-left',
  CENTER_RIGHT: 'center-right',
  BOTTOM_LEFT: 'bottom-left',
  BOTTOM_CENTER: 'bottom-center',
  BOTTOM_RIGHT: 'bottom-right',
} as const
export type Anchor = (typeof Anchor)[keyof typeof Anchor]

export const SizeMode = {
  /** Fit inside the canvas, keeping the aspect ratio (the default). */
  CONTAIN: 'contain',
  /** Cover the canvas, keeping the aspect ratio; the overflow is cut off. */
  COVER: 'cover',
  /** Fit inside `width`×`height` pixels, or set one of them and keep the aspect ratio. */
  PX: 'px',
  /** Fit inside `percent` % of the canvas (or `width` % × `height` %). */
  CANVAS_PERCENT: 'canvas_percent',
  FIT_WIDTH: 'fit_width',
  FIT_HEIGHT: 'fit_height',
  /** Multiply the size by `scale` (or by `width` and `height` separately). */
  SCALE: 'scale',
} as const
export type SizeMode = (typeof SizeMode)[keyof typeof SizeMode]

export interface SizeOptions {
  width?: number
  height?: number
  percent?: number
  scale?: number
}

export interface LayerSettings {
  readonly name: string
  readonly foreground: Foreground
  readonly anchor: Anchor
  readonly dx: number
  readonly dy: number
  /** ffmpeg overlay expressions set by `xy()`; they replace the anchor. */
  readonly x?: string
  readonly y?: string
  readonly size: SizeOptions & { readonly mode: SizeMode }
  readonly opacity: number
  readonly rotate: number
  readonly crop?: { readonly x: number; readonly y: number; readonly width: number; readonly height: number }
  /** Seconds on the composition's timeline. */
  readonly start: number
  readonly end?: number
  readonly duration?: number
  /** Seconds of the foreground's own timeline to use. */
  readonly subclip?: { readonly start: number; readonly end?: number }
  readonly audio: boolean
  readonly volume: number
  readonly z: number
  readonly alpha: boolean
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const ANCHORS = new Set<string>(Object.values(Anchor))
const SIZE_MODES = new Set<string>(Object.values(SizeMode))

/** One foreground on the composition. Every setter returns the layer, for chaining. */
export class LayerHandle {
  readonly #settings: Mutable<LayerSettings>

  constructor(foreground: Foreground, name: string, z: number) {
    this.#settings = { name, foreground, anchor: Anchor.CENTER, dx: 0, dy: 0, size: { mode: SizeMode.CONTAIN }, opacity: 1, rotate: 0, start: 0, audio: true, volume: 1, z, alpha: true }
  }

  get settings(): LayerSettings {
    return this.#settings
  }

  /** Places the layer at an anchor of the canvas, moved by `dx`, `dy` pixels. */
  at(anchor: Anchor = Anchor.CENTER, dx = 0, dy = 0): this {
    if (!ANCHORS.has(anchor)) throw new ValidationError(`Unknown anchor ${JSON.stringify(anchor)}`, 'anchor')
    return this.set({ anchor, dx: finite(dx, 'dx'), dy: finite(dy, 'dy'), x: undefined, y: undefined })
  }

  /** Places the layer's top-left corner with ffmpeg overlay expressions (`W`, `H`: canvas; `w`, `h`: layer; `t`: time). */
  xy(x: string | number, y: string | number): this {
    return this.set({ x: String(x), y: String(y) })
  }

  size(mode: SizeMode, options: SizeOptions = {}): this {
    if (!SIZE_MODES.has(mode)) throw new ValidationError(`Unknown size mode ${JSON.stringify(mode)}`, 'mode')
    for (const [field, value] of Object.entries(options)) if (value !== undefined) positive(value, field)
    const needs = { px: ['width', 'height'], canvas_percent: ['percent', 'width', 'height'], scale: ['scale', 'width', 'height'] }[mode as string]
    if (needs !== undefined && !needs.some((field) => options[field as keyof SizeOptions] !== undefined)) {
      throw new ValidationError(`Size mode ${mode} needs one of ${needs.join(', ')}`, 'size')
    }
    return this.set({ size: { ...options, mode } })
  }

  /** 0 (invisible) to 1 (opaque). */
  opacity(value: number): this {
    if (!(value >= 0 && value <= 1)) throw new ValidationError(`opacity must be between 0 and 1, not ${value}`, 'opacity')
    return this.set({ opacity: value })
  }

  /** Clockwise, in degrees; the layer grows to hold the rotated frame. */
  rotate(degrees: number): this {
    return this.set({ rotate: finite(degrees, 'degrees') })
  }

  /** Keeps a rectangle of the foreground, in its own pixels, before sizing. */
  crop(x: number, y: number, width: number, height: number): this {
    const crop = { x: whole(x, 'x'), y: whole(y, 'y'), width: dimension(width, 'width'), height: dimension(height, 'height') }
    return this.set({ crop })
  }

  /** When the layer appears, in seconds on the composition's timeline. */
  start(seconds: number): this {
    return this.set({ start: nonNegative(seconds, 'start') })
  }

  /** When the layer disappears, in seconds on the composition's timeline (replaces `duration`). */
  end(seconds: number): this {
    return this.set({ end: positive(seconds, 'end'), duration: undefined })
  }

  /** How long the layer shows, in seconds (replaces `end`). */
  duration(seconds: number): this {
    return this.set({ duration: positive(seconds, 'duration'), end: undefined })
  }

  /** Uses only seconds `start` to `end` of the foreground itself. */
  subclip(start: number, end?: number): this {
    nonNegative(start, 'start')
    if (end !== undefined && !(end > start)) throw new ValidationError('subclip end must be after its start', 'end')
    return this.set({ subclip: { start, end } })
  }

  /** The foreground's own audio, mixed in at `volume` (1 = unchanged). */
  audio(enabled = true, volume = 1): this {
    return this.set({ audio: enabled, volume: nonNegative(volume, 'volume') })
  }

  /** Stacking order: higher is nearer the viewer; equal values keep the order of `add`. */
  z(index: number): this {
    return this.set({ z: finite(index, 'z') })
  }

  /** With `false` the foreground is placed opaque, ignoring its alpha. */
  alpha(enabled = true): this {
    return this.set({ alpha: enabled })
  }

  private set(changes: Partial<Mutable<LayerSettings>>): this {
    Object.assign(this.#settings, changes)
    return this
  }
}

export interface CompositionProgress {
  /** Seconds of output written. */
  seconds: number
  /** Seconds the output will last. */
  duration: number
  /** `seconds / duration`, 0 to 1. */
  ratio: number
  frame: number
  /** Encoding speed relative to real time, when ffmpeg reports it. */
  speed?: number
}

export interface RenderOptions {
  onProgress?: (progress: CompositionProgress) => void
  /** Aborting kills ffmpeg and removes the partial output. */
  signal?: AbortSignal
}

interface PlannedLayer {
  readonly settings: LayerSettings
  readonly foreground: ResolvedForeground
  /** Seconds it shows for, when known. */
  readonly length?: number
}

interface Plan {
  readonly background: ResolvedBackground
  readonly layers: readonly PlannedLayer[]
  readonly duration: number
}

/** Foregrounds layered on a background and encoded by a local ffmpeg. Uses no API credits. */
export class Composition {
  readonly #layers: LayerHandle[] = []
  #duration?: number

  constructor(readonly background: Background) {
    if (!(background instanceof Background)) throw new ValidationError('new Composition(background) needs a Background', 'background')
  }

  /** A composition on a transparent canvas. */
  static canvas(width: number, height: number, fps: number): Composition {
    return new Composition(Background.empty(width, height, fps))
  }

  /** Adds a foreground (or a `removeBackground` result, downloaded at render time) above the layers added before. */
  add(foreground: Foreground | RemovedBackground, name = `layer${this.#layers.length}`): LayerHandle {
    const layer = new LayerHandle(foreground instanceof Foreground ? foreground : Foreground.fromResult(foreground), name, this.#layers.length)
    this.#layers.push(layer)
    return layer
  }

  get layers(): readonly LayerHandle[] {
    return this.#layers
  }

  /** Fixes the output's length. Otherwise a video background sets it, else the last layer to end. */
  setDuration(seconds: number): this {
    this.#duration = positive(seconds, 'seconds')
    return this
  }

  /** Renders to `path` (a directory for `pngSequence`), through a temporary name so that no partial output is left. */
  async toFile(path: string, profile: EncoderProfile = EncoderProfile.h264(), { onProgress, signal }: RenderOptions = {}): Promise<string> {
    const target = await outputPath(path, profile)
    const partial = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial${extname(target)}`)
    const work = await mkdtemp(join(tmpdir(), 'vbr-compose-'))
    try {
      const plan = await this.plan(work, signal)
      if (profile.kind === 'png_sequence') await mkdir(partial)
      const onLine = onProgress ? progressParser(plan.duration, onProgress) : () => {}
      await run('ffmpeg', this.args(plan, profile, outputTarget(partial, profile)), { signal, onLine })
      if (profile.kind === 'png_sequence') await rmdir(target).catch(() => {})
      await rename(partial, target)
      return target
    } catch (error) {
      await rm(partial, { recursive: true, force: true })
      throw error
    } finally {
      await rm(work, { recursive: true, force: true })
    }
  }

  /**
   * The ffmpeg argv `toFile(path, profile)` would run (argv[0] is the executable). It probes the inputs, so it needs
   * ffprobe; files it downloads or extracts for that are deleted before it returns.
   */
  async dryRun(path = 'output.mp4', profile: EncoderProfile = EncoderProfile.h264(), { signal }: { signal?: AbortSignal } = {}): Promise<string[]> {
    const work = await mkdtemp(join(tmpdir(), 'vbr-compose-'))
    try {
      return [toolPath('ffmpeg'), ...this.args(await this.plan(work, signal), profile, outputTarget(resolve(path), profile))]
    } finally {
      await rm(work, { recursive: true, force: true })
    }
  }

  private async plan(work: string, signal: AbortSignal | undefined): Promise<Plan> {
    const background = await resolveBackground(this.background, signal)
    const ordered = [...this.#layers].map((layer) => layer.settings).sort((a, b) => a.z - b.z)
    const layers = await Promise.all(
      ordered.map(async (settings, index): Promise<PlannedLayer> => {
        const dir = join(work, String(index))
        await mkdir(dir)
        const foreground = await resolveForeground(settings.foreground.source, { dir, fps: background.fps, signal })
        return { settings, foreground, length: visibleLength(settings, foreground) }
      }),
    )
    const ends = layers.map(({ settings, length }) => settings.start + (length ?? NaN))
    const duration = this.#duration ?? background.duration ?? (ends.length > 0 ? Math.max(...ends) : NaN)
    if (!(duration > 0)) {
      throw new ValidationError('Cannot tell how long the composition lasts: call setDuration(seconds)', 'duration')
    }
    return { background, layers, duration }
  }

  private args({ background, layers, duration }: Plan, profile: EncoderProfile, output: string): string[] {
    const inputs: Input[] = [background.input]
    const graph = [`[0:v]${background.filter}[bg]`]
    const audio: string[] = []
    if (background.audio) audio.push(`[0:a]volume=${this.background.audioVolume}`)
    let canvas = 'bg'
    for (const [index, { settings, foreground, length }] of layers.entries()) {
      const first = inputs.length
      const from = settings.subclip?.start ?? 0
      const timing = [...(from > 0 ? ['-ss', seconds(from)] : []), ...(length === undefined ? [] : ['-t', seconds(length)])]
      inputs.push(...foreground.inputs.map((input) => ({ ...input, options: [...timing, ...input.options] })))
      const pads = foreground.inputs.map((_, offset) => `[${first + offset}:v]`)
      graph.push(`${foreground.video(pads, `l${index}`)},${layerFilters(settings, background).join(',')}[l${index}]`)
      graph.push(`[${canvas}][l${index}]overlay=${position(settings)}:eof_action=pass:format=auto[c${index}]`)
      canvas = `c${index}`
      if (settings.audio && foreground.audio !== undefined) {
        const delay = Math.round(settings.start * 1000)
        audio.push(`[${first + foreground.audio}:a]${delay > 0 ? `adelay=${delay}:all=1,` : ''}volume=${settings.volume}`)
      }
    }
    graph.push(`[${canvas}]${outputFilter(profile)}[vout]`)
    const withAudio = audio.length > 0 && profile.kind !== 'png_sequence'
    if (withAudio) {
      graph.push(...audio.map((chain, index) => `${chain}[a${index}]`))
      graph.push(`${audio.map((_, index) => `[a${index}]`).join('')}amix=inputs=${audio.length}:duration=longest:normalize=0[aout]`)
    }
    return [
      ...['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1'],
      ...inputs.flatMap((input) => [...input.options, '-i', input.path]),
      ...['-filter_complex', graph.join(';'), '-map', '[vout]'],
      ...(withAudio ? ['-map', '[aout]'] : ['-an']),
      ...['-t', seconds(duration)],
      ...encoderArgs(profile, withAudio),
      output,
    ]
  }
}

/** Seconds the layer shows for: its clip (after `subclip`), cut short by `end`/`duration`; undefined when unknown. */
function visibleLength(settings: LayerSettings, foreground: ResolvedForeground): number | undefined {
  const { start, end, duration, subclip } = settings
  const from = subclip?.start ?? 0
  const lengths = [
    subclip?.end === undefined ? undefined : subclip.end - from,
    foreground.duration === undefined ? undefined : foreground.duration - from,
    duration ?? (end === undefined ? undefined : end - start),
  ].filter((length) => length !== undefined)
  const length = lengths.length === 0 ? undefined : Math.min(...lengths)
  if (length !== undefined && length <= 0) {
    throw new ValidationError(`Layer ${settings.name} would never show: check its start, end, duration and subclip`, 'layer')
  }
  return length
}

function layerFilters(settings: LayerSettings, canvas: ResolvedBackground): string[] {
  const { alpha, start, crop, size, rotate, opacity } = settings
  const radians = (rotate * Math.PI) / 180
  return [
    ...(alpha ? [] : ['lutrgb=a=255']),
    `setpts=PTS-STARTPTS+${seconds(start)}/TB`,
    ...(crop ? [`crop=${crop.width}:${crop.height}:${crop.x}:${crop.y}`] : []),
    ...scale(size, canvas),
    ...(rotate === 0 ? [] : [`rotate=${radians}:ow=rotw(${radians}):oh=roth(${radians}):c=none`]),
    ...(opacity === 1 ? [] : [`colorchannelmixer=aa=${opacity}`]),
  ]
}

function scale({ mode, width, height, percent, scale }: LayerSettings['size'], { width: W, height: H }: ResolvedBackground): string[] {
  const fit = (w: number, h: number) => `scale=${Math.round(w)}:${Math.round(h)}:force_original_aspect_ratio=decrease`
  const either = (w: number | undefined, h: number | undefined) => `scale=${w === undefined ? -1 : Math.round(w)}:${h === undefined ? -1 : Math.round(h)}`
  switch (mode) {
    case 'contain':
      return [fit(W, H)]
    case 'cover':
      return [`scale=${W}:${H}:force_original_aspect_ratio=increase`]
    case 'px':
      return [width !== undefined && height !== undefined ? fit(width, height) : either(width, height)]
    case 'canvas_percent': {
      const [w, h] = percent !== undefined ? [percent, percent] : [width, height]
      const box = [w === undefined ? undefined : (W * w) / 100, h === undefined ? undefined : (H * h) / 100] as const
      return [box[0] !== undefined && box[1] !== undefined ? fit(box[0], box[1]) : either(...box)]
    }
    case 'fit_width':
      return [either(W, undefined)]
    case 'fit_height':
      return [either(undefined, H)]
    case 'scale':
      return [`scale=iw*${width ?? scale ?? height}:ih*${height ?? scale ?? width}`]
  }
}

function position({ x, y, anchor, dx, dy }: LayerSettings): string {
  if (x !== undefined && y !== undefined) return `x=${quote(x)}:y=${quote(y)}`
  const [vertical, horizontal] = anchor === 'center' ? ['center', 'center'] : anchor.split('-')
  const left = { left: '0', center: '(W-w)/2', right: 'W-w' }[horizontal ?? 'center'] ?? '0'
  const top = { top: '0', center: '(H-h)/2', bottom: 'H-h' }[vertical ?? 'center'] ?? '0'
  return `x=${left}${offset(dx)}:y=${top}${offset(dy)}`
}

function offset(pixels: number): string {
  return pixels === 0 ? '' : pixels > 0 ? `+${pixels}` : `${pixels}`
}

/** Quotes a user expression for the filtergraph, so commas and colons stay inside it. */
function quote(expression: string): string {
  return `'${expression.replaceAll('\\', '\\\\').replaceAll("'", "'\\''")}'`
}

function seconds(value: number): string {
  return String(Math.round(value * 1e6) / 1e6)
}

function finite(value: number, field: string): number {
  if (!Number.isFinite(value)) throw new ValidationError(`${field} must be a finite number, not ${value}`, field)
  return value
}

function whole(value: number, field: string): number {
  if (!(Number.isInteger(value) && value >= 0)) throw new ValidationError(`${field} must be a whole number of pixels, not ${value}`, field)
  return value
}

async function outputPath(path: string, profile: EncoderProfile): Promise<string> {
  if (typeof path !== 'string' || path === '') throw new ValidationError('toFile(path) needs the path to write', 'path')
  const target = resolve(path)
  if (!(await stat(dirname(target)).catch(() => undefined))?.isDirectory()) {
    throw new ValidationError(`Cannot write ${JSON.stringify(path)}: its directory does not exist`, 'path')
  }
  const existing = await stat(target).catch(() => undefined)
  if (profile.kind === 'png_sequence' && existing && (!existing.isDirectory() || (await readdir(target)).length > 0)) {
    throw new ValidationError(`${JSON.stringify(path)} already exists: a PNG sequence needs a new or empty directory`, 'path')
  }
  if (profile.kind !== 'png_sequence' && existing?.isDirectory()) {
    throw new ValidationError(`${JSON.stringify(path)} is a directory: toFile(path) needs the path of the file to write`, 'path')
  }
  return target
}

function outputTarget(path: string, profile: EncoderProfile): string {
  return profile.kind === 'png_sequence' ? join(path.replaceAll('%', '%%'), 'frame_%06d.png') : path
}

/** Turns ffmpeg's `-progress` key=value lines into a progress report at each `progress=` line. */
function progressParser(duration: number, onProgress: (progress: CompositionProgress) => void): (line: string) => void {
  const fields = new Map<string, string>()
  return (line) => {
    const [key = '', value = ''] = line.split('=', 2)
    fields.set(key, value.trim())
    if (key !== 'progress') return
    const micros = Number(fields.get('out_time_us') ?? fields.get('out_time_ms'))
    const seconds = Number.isFinite(micros) ? Math.max(0, micros / 1e6) : 0
    const done = value === 'end'
    const speed = Number.parseFloat(fields.get('speed') ?? '')
    onProgress({
      seconds: done ? duration : Math.min(seconds, duration),
      duration,
      ratio: done ? 1 : Math.min(1, seconds / duration),
      frame: Number(fields.get('frame') ?? 0),
      ...(Number.isFinite(speed) && { speed }),
    })
  }
}
