import { fourcc, uint32, uint64 } from './binary'
import type { SliceReader } from './reader'

/** An ISO BMFF / QuickTime box: its four-character `type`, where it `start`s, its `payload` and its `end`. */
export interface Box {
  type: string
  start: number
  /** Offset of the first byte after the header (8 bytes, or 16 with a 64-bit `largesize`). */
  payload: number
  /** Offset just past the box, never beyond its parent: a box that claims more is cut to what holds it. */
  end: number
}

/**
 * The box whose header begins `head`, which sits at `offset` inside a parent ending at `limit`; undefined when the
 * header cannot be a box (too short, or a size smaller than its own header).
 */
export function parseBox(head: Uint8Array, offset: number, limit: number): Box | undefined {
  if (head.length < 8) return undefined
  let size = uint32(head, 0)
  let payload = offset + 8
  if (size === 1) {
    if (head.length < 16) return undefined
    size = uint64(head, 8)
    payload = offset + 16
  } else if (size === 0) {
    // Size 0: the box runs to the end of what holds it (the file, at top level).
    size = limit - offset
  }
  if (!(size >= payload - offset) || payload > limit) return undefined
  return { type: fourcc(head, 4), start: offset, payload, end: Math.min(offset + size, limit) }
}

/** The box at `offset` (end clipped to `limit`), read through `reader` with `prefetch` bytes read ahead. */
export async function boxAt(reader: SliceReader, offset: number, limit: number, prefetch = 0): Promise<Box | undefined> {
  if (offset + 8 > limit) return undefined
  return parseBox(await reader.bytes(offset, 16, prefetch), offset, limit)
}

/**
 * The boxes laid end to end in `[from, to)`, at most `limit` of them. Stops at the first header that is not a
 * box. Every box is at least 8 bytes long, so the walk always moves forwards.
 */
export async function* boxesIn(reader: SliceReader, from: number, to: number, limit: number, prefetch = 0): AsyncGenerator<Box> {
  let offset = from
  for (let visited = 0; visited < limit; visited++) {
    const box = await boxAt(reader, offset, to, prefetch)
    if (!box) return
    yield box
    offset = box.end
  }
}

/** The same walk over bytes already in memory: `bytes[0]` is at file offset `base`. */
export function* childBoxes(bytes: Uint8Array, base: number, from: number, to: number, limit: number): Generator<Box> {
  let offset = from
  for (let visited = 0; visited < limit; visited++) {
    const at = offset - base
    const box = at >= 0 && at < bytes.length ? parseBox(bytes.subarray(at, at + 16), offset, to) : undefined
    if (!box) return
    yield box
    offset = box.end
  }
}
