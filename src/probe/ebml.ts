import { uintN } from './binary'
import type { SliceReader } from './reader'

/** An EBML element: its `id` (marker bits kept, as specifications write them), where its `data` starts and ends. */
export interface Element {
  id: number
  start: number
  data: number
  /** Just past the element, clipped to its parent; the parent's end when the size is unknown. */
  end: number
  /** The size field was all ones: the element runs until something that cannot be its child. */
  unknownSize: boolean
}

/** Leading zero bits of a byte + 1: how many bytes a variable-length integer that starts with it takes. */
const vintLength = (first: number) => Math.clz32(first) - 23

/** The element whose header begins `head`, at `offset` inside a parent ending at `limit`; undefined if malformed. */
export function parseElement(head: Uint8Array, offset: number, limit: number): Element | undefined {
  const first = head[0]
  if (!first) return undefined
  const idLength = vintLength(first)
  // IDs are at most 4 bytes long, sizes at most 8: anything else is not EBML (or not an EBML we can read).
  if (idLength > 4 || head.length < idLength + 1) return undefined
  const sizeFirst = head[idLength]!
  if (!sizeFirst) return undefined
  const sizeLength = vintLength(sizeFirst)
  if (head.length < idLength + sizeLength) return undefined
  const valueMask = 0xff >> sizeLength
  let unknownSize = (sizeFirst & valueMask) === valueMask
  let size = sizeFirst & valueMask
  for (let i = 1; i < sizeLength; i++) {
    const byte = head[idLength + i]!
    unknownSize &&= byte === 0xff
    size = size * 256 + byte
  }
  const data = offset + idLength + sizeLength
  if (data > limit) return undefined
  return { id: uintN(head, 0, idLength), start: offset, data, end: unknownSize ? limit : Math.min(data + size, limit), unknownSize }
}

/** The element at `offset` inside a parent ending at `limit`. */
export async function elementAt(reader: SliceReader, offset: number, limit: number, prefetch = 0) {
  if (offset >= limit) return undefined
  return parseElement(await reader.bytes(offset, 12, prefetch), offset, limit)
}

/**
 * The elements laid end to end in `[from, to)`, at most `limit` of them. After an element of unknown size the walk
 * can only go on inside it, so it stops there. An id in `parentLevel` ends the walk too: it belongs to a level
 * above, which is how a parent of unknown size ends.
 */
export async function* elementsIn(
  reader: SliceReader,
  from: number,
  to: number,
  limit: number,
  parentLevel: ReadonlySet<number> = new Set(),
  prefetch = 0,
): AsyncGenerator<Element> {
  let offset = from
  for (let visited = 0; visited < limit; visited++) {
    const element = await elementAt(reader, offset, to, prefetch)
    if (!element || parentLevel.has(element.id)) return
    yield element
    // An element's header is at least 2 bytes, so even an empty one moves the walk forwards.
    if (element.unknownSize) return
    offset = element.end
  }
}

/** The unsigned integer in an element (0–8 bytes), or undefined when it is longer or cut short. */
export async function readUint(reader: SliceReader, element: Element): Promise<number | undefined> {
  const length = element.end - element.data
  if (length > 8 || element.unknownSize) return undefined
  if (length === 0) return 0
  const bytes = await reader.bytes(element.data, length)
  return bytes.length === length ? uintN(bytes, 0, length) : undefined
}

/** The float in an element (0, 4 or 8 bytes, as EBML allows), or undefined. */
export async function readFloat(reader: SliceReader, element: Element): Promise<number | undefined> {
  const length = element.end - element.data
  if (length === 0) return 0
  if ((length !== 4 && length !== 8) || element.unknownSize) return undefined
  const bytes = await reader.bytes(element.data, length)
  if (bytes.length !== length) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, length)
  return length === 4 ? view.getFloat32(0) : view.getFloat64(0)
}

/** An ASCII string element, up to `max` bytes, without its trailing zero padding. */
export async function readText(reader: SliceReader, element: Element, max: number): Promise<string | undefined> {
  const length = element.end - element.data
  if (length > max || element.unknownSize) return undefined
  const bytes = await reader.bytes(element.data, length)
  return String.fromCharCode(...bytes).replace(/\0+$/, '')
}
