import { inputArgs } from './ffmpeg'
import type { ResolvedBackground } from './background'
import { encoderArgs, type EncoderProfile, outputFilter } from './encoder'
import { filterValue } from './filter-text'
import type { LayerSettings } from './layer'
import { muxerArgs, type Output } from './output'
import type { Input, ResolvedCutout } from './resolve-cutout'

/** A layer whose cut-out is resolved into ffmpeg inputs. */
export interface PlannedLayer {
  readonly settings: LayerSettings
  readonly cutout: ResolvedCutout
  /** Seconds it shows for, when known. */
  readonly length?: number
}

/** Everything the argv is built from: resolved inputs, layers in stacking order, and the output's length in seconds. */
export interface Plan {
  readonly background: ResolvedBackground
  readonly layers: readonly PlannedLayer[]
  readonly duration: number
}

/**
 * The ffmpeg argv (without the executable) that composites `plan` and encodes it with `profile` to `output`: a file,
 * with progress on stdout, or stdout itself, with progress on file descriptor 3. Pure: it reads no file and runs
 * nothing, so every filter it writes can be checked without ffmpeg.
 */
export function composeArgs({ background, layers, duration }: Plan, profile: EncoderProfile, output: Output): string[] {
  const inputs: Input[] = [background.input]
  const graph = [`[0:v]${background.filter}[bg]`]
  const audio: string[] = []
  if (background.audio) audio.push(`[0:a]volume=${background.volume}`)
  let canvas = 'bg'
  for (const [index, { settings, cutout, length }] of layers.entries()) {
    const first = inputs.length
    const from = settings.subclip?.start ?? 0
    const timing = [...(from > 0 ? ['-ss', seconds(from)] : []), ...(length === undefined ? [] : ['-t', seconds(length)])]
    inputs.push(...cutout.inputs.map((input) => ({ ...input, options: [...timing, ...input.options] })))
    const pads = cutout.inputs.map((_, offset) => `[${first + offset}:v]`)
    graph.push(`${cutout.video(pads, `l${index}`)},${layerFilters(settings, background).join(',')}[l${index}]`)
    graph.push(`[${canvas}][l${index}]overlay=${position(settings)}:eof_action=pass:format=auto[c${index}]`)
    canvas = `c${index}`
    if (settings.audio && cutout.audio !== undefined) {
      const delay = Math.round(settings.start * 1000)
      audio.push(`[${first + cutout.audio}:a]${delay > 0 ? `adelay=${delay}:all=1,` : ''}volume=${settings.volume}`)
    }
  }
  graph.push(`[${canvas}]${outputFilter(profile)}[vout]`)
  const withAudio = audio.length > 0 && profile.audio
  if (withAudio) {
    graph.push(...audio.map((chain, index) => `${chain}[a${index}]`))
    graph.push(`${audio.map((_, index) => `[a${index}]`).join('')}amix=inputs=${audio.length}:duration=longest:normalize=0[aout]`)
  }
  return [
    ...['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-nostats', '-progress', 'path' in output ? 'pipe:1' : 'pipe:3'],
    ...inputs.flatMap(inputArgs),
    ...['-filter_complex', graph.join(';'), '-map', '[vout]'],
    ...(withAudio ? ['-map', '[aout]'] : ['-an']),
    ...['-t', seconds(duration)],
    ...encoderArgs(profile, withAudio),
    ...muxerArgs(profile, output),
    'path' in output ? output.path : 'pipe:1',
  ]
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
  const either = (w: number | undefined, h: number | undefined) =>
    `scale=${w === undefined ? -1 : Math.round(w)}:${h === undefined ? -1 : Math.round(h)}`
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
  if (x !== undefined && y !== undefined) return `x=${filterValue(x)}:y=${filterValue(y)}`
  const [vertical, horizontal] = anchor === 'center' ? ['center', 'center'] : anchor.split('-')
  const left = { left: '0', center: '(W-w)/2', right: 'W-w' }[horizontal ?? 'center'] ?? '0'
  const top = { top: '0', center: '(H-h)/2', bottom: 'H-h' }[vertical ?? 'center'] ?? '0'
  return `x=${left}${offset(dx)}:y=${top}${offset(dy)}`
}

function offset(pixels: number): string {
  return pixels === 0 ? '' : pixels > 0 ? `+${pixels}` : `${pixels}`
}

/** Seconds as ffmpeg reads them, rounded to the microsecond. */
export function seconds(value: number): string {
  return String(Math.round(value * 1e6) / 1e6)
}
