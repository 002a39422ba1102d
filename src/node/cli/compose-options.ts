/** The flags of local compositing (`vbr compose`, `vbr remove --on`), read before anything runs. */
import { ValidationError } from '../../errors'
import { checkHexColor } from '../../validate'
import { EncoderProfile } from '../compose/encoder'
import { Anchor, SizeMode, type SizeOptions } from '../compose/layer'
import { streamContainer } from '../compose/output'
import type { CommandOptions } from './args'

/** What compose writes, by `--format`: each an `EncoderProfile`, with its file extension. */
export const COMPOSE_FORMATS = {
  mp4: { extension: 'mp4', label: 'H.264', profile: () => EncoderProfile.h264() },
  webm: { extension: 'webm', label: 'VP9', profile: () => EncoderProfile.vp9() },
  mov: { extension: 'mov', label: 'ProRes 4444', profile: () => EncoderProfile.prores4444() },
} as const
/** A `--format` of compose: `mp4`, `webm` or `mov`. */
export type ComposeFormat = keyof typeof COMPOSE_FORMATS
/** The compose formats, in the table's order. */
export const COMPOSE_FORMAT_NAMES = Object.keys(COMPOSE_FORMATS) as ComposeFormat[]

/** What `--on` names: a colour (`#rrggbb`), or an image or video, as a path or URL to look at when the command runs. */
export type Backdrop = { kind: 'color'; color: string } | { kind: 'media'; source: string }

/** `--size`: how the person is sized on the background, as a layer's `size(mode, options)` takes it. */
export interface Sizing {
  /** The layer's size mode. */
  mode: SizeMode
  /** The numbers the mode reads. */
  options: SizeOptions
}

/** `--at`: where the person sits, as a layer's `at(anchor, dx, dy)` takes it (`dx`, `dy` in pixels). */
export interface Placement {
  /** The anchor on the background. */
  anchor: Anchor
  /** Pixels right of the anchor (negative: left). */
  dx: number
  /** Pixels below the anchor (negative: above). */
  dy: number
}

/** The compose flags, read: what `CommandOptions` holds of them. */
export type ComposeFlags = Pick<CommandOptions, 'on' | 'size' | 'at' | 'keep'>

/** Where the person sits without `--at`: standing on the bottom edge, centred. */
export const DEFAULT_PLACEMENT: Placement = { anchor: Anchor.BOTTOM_CENTER, dx: 0, dy: 0 }

const ANCHOR_ALIASES: Readonly<Record<string, Anchor>> = {
  top: Anchor.TOP_CENTER,
  bottom: Anchor.BOTTOM_CENTER,
  left: Anchor.CENTER_LEFT,
  right: Anchor.CENTER_RIGHT,
}
const ANCHORS = new Set<string>(Object.values(Anchor))

/**
 * `--on`: a colour in the one colour grammar (`#RRGGBB`, the `#` optional: a shell reads an unquoted `#` as a
 * comment), else a path or URL; undefined for a `#` that starts no colour, or nothing.
 */
export function parseBackdrop(value: string): Backdrop | undefined {
  let color: string | undefined
  try {
    color = checkHexColor(value, '--on').toLowerCase()
  } catch {}
  if (color !== undefined) return { kind: 'color', color }
  return value.startsWith('#') || value.trim() === '' ? undefined : { kind: 'media', source: value }
}

/**
 * `--size`: `35%` (fit inside 35% of the background), `640x360` (fit inside that many pixels), `640x` or `x360` (one
 * side, keeping the aspect ratio), `contain` (fit inside the background) or `cover` (fill it); undefined otherwise.
 */
export function parseSizing(value: string): Sizing | undefined {
  const text = value.trim().toLowerCase()
  if (text === 'contain' || text === 'cover') return { mode: text, options: {} }
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text)
  if (percent) return Number(percent[1]) > 0 ? { mode: SizeMode.CANVAS_PERCENT, options: { percent: Number(percent[1]) } } : undefined
  const [, width, height] = /^(\d*)x(\d*)$/.exec(text) ?? []
  const side = (digits = '') => (digits === '' ? undefined : Number(digits))
  const box = { width: side(width), height: side(height) }
  const sides = Object.values(box).filter((pixels) => pixels !== undefined)
  return sides.length > 0 && sides.every((pixels) => pixels > 0) ? { mode: SizeMode.PX, options: box } : undefined
}

/**
 * `--at`: an anchor (`center`, `top-left`, `bottom-right`, …, or `top`, `bottom`, `left`, `right` for the middle of
 * an edge), optionally followed by pixel offsets `±DX±DY`: `bottom-right-40-40` sits 40 px in from both edges.
 * Undefined for anything else.
 */
export function parsePlacement(value: string): Placement | undefined {
  const match = /^([a-z-]+?)(?:([+-]\d+)([+-]\d+))?$/.exec(value.trim().toLowerCase())
  const name = match?.[1] ?? ''
  const anchor = ANCHOR_ALIASES[name] ?? (ANCHORS.has(name) ? (name as Anchor) : undefined)
  return anchor === undefined ? undefined : { anchor, dx: Number(match?.[2] ?? 0), dy: Number(match?.[3] ?? 0) }
}

/** The compose flags as typed, read. Throws `ValidationError`, in the CLI's words, for a value they do not take. */
export function readComposeFlags(values: { on?: string; size?: string; at?: string; keep?: boolean }): ComposeFlags {
  const read = <T>(value: string | undefined, parse: (value: string) => T | undefined, rule: string): T | undefined => {
    if (value === undefined) return undefined
    const parsed = parse(value)
    if (parsed === undefined) throw new ValidationError(`${rule}; got ${JSON.stringify(value)}.`, 'argv')
    return parsed
  }
  return {
    on: read(values.on, parseBackdrop, '--on takes a #RRGGBB colour, or an image or video file or URL'),
    size: read(values.size, parseSizing, '--size must be a share of the background (35%), pixels (640x360, 640x, x360), contain or cover'),
    at: read(
      values.at,
      parsePlacement,
      '--at must be an anchor (center, top-left, top, …, bottom-right), with pixel offsets if you like (bottom-right-40-40)',
    ),
    keep: values.keep || undefined,
  }
}

/**
 * The compose flags together, for `command`: `vbr compose` needs `--on`, and the others go with it; the format must
 * be one the output can hold, and stdout (`-o -`) takes only a format that streams, and no `--json`. Throws
 * `ValidationError`, in the CLI's words.
 */
export function checkComposeFlags(command: string, options: CommandOptions, json: boolean | undefined): void {
  const refuse = (message: string) => new ValidationError(message, 'argv')
  if (options.on === undefined) {
    if (command === 'compose') throw refuse('vbr compose needs --on <#RRGGBB|image|video>: the background to put the person on.')
    const stray = (['size', 'at', 'keep'] as const).find((key) => options[key] !== undefined)
    if (stray !== undefined) throw refuse(`--${stray} goes with --on.`)
    return
  }
  if (options.color !== undefined) {
    throw refuse('--color (a background the API paints) and --on (one composed here) exclude each other; for a colour, use --on #RRGGBB.')
  }
  const format = composeFormat(options.format, options.output)
  if (options.output !== '-') return
  if (json) throw refuse('-o - writes the video to stdout, where --json would write its answer: choose one.')
  if (!streams(format))
    throw refuse(`--format ${format} cannot be written to stdout (it needs seeking): give -o a file, or stream mp4 or webm.`)
}

/**
 * The compose format asked for: `--format`, else the one `-o`'s extension names, else `mp4`. Throws
 * `ValidationError` for an unknown `--format`, and for an `-o` extension that names another format.
 */
export function composeFormat(format: string | undefined, output: string | undefined): ComposeFormat {
  if (format !== undefined && !COMPOSE_FORMAT_NAMES.includes(format as ComposeFormat)) {
    throw new ValidationError(`Unknown --format "${format}"; to compose, use one of ${COMPOSE_FORMAT_NAMES.join(', ')}.`, '--format')
  }
  const extension = /\.([^./\\]+)$/.exec(output ?? '')?.[1]?.toLowerCase()
  const named = COMPOSE_FORMAT_NAMES.find((name) => COMPOSE_FORMATS[name].extension === extension)
  if (format !== undefined && named !== undefined && named !== format) {
    throw new ValidationError(
      `-o ${output} names a .${extension} file, but --format ${format} writes .${COMPOSE_FORMATS[format as ComposeFormat].extension}.`,
      '--format',
    )
  }
  return (format as ComposeFormat | undefined) ?? named ?? 'mp4'
}

/** Whether `format` can be written to stdout (`-o -`): `toStream` says, for the profile behind it. */
export function streams(format: ComposeFormat): boolean {
  try {
    streamContainer(COMPOSE_FORMATS[format].profile())
    return true
  } catch {
    return false
  }
}

/** The compose flags' lines of `--help`, under `--format`. */
export const COMPOSE_HELP = `                        compose and remove --on: the composed video, ${COMPOSE_FORMAT_NAMES.map((name) => `${name} (${COMPOSE_FORMATS[name].label})`).join(', ')};
                        default: the one -o's extension names, else mp4
      --on <bg>         the background to put the person on: a colour (#RRGGBB; quote it, or leave out the #), or
                        an image or video file or URL. A colour takes the cut-out's size, an image or a video gives
                        its own; the output lasts as long as the person, with the person's sound. -o - writes it to
                        stdout (mp4 or webm). remove --on asks the API for webm_vp9 and composes that
      --size <s>        the person's size: 35% (of the background), 640x360, 640x or x360 (pixels), contain (the
                        default: as large as fits) or cover (fill the background)
      --at <anchor>     where the person sits: center, top-left, top, top-right, left, right, bottom-left, bottom
                        (the default), bottom-right; add pixel offsets ±X±Y, e.g. bottom-right-40-40
      --keep            remove --on: also keep the cut-out, as <input name>-nobg.webm beside the output
                        (otherwise it is a temporary file, deleted at the end)`
