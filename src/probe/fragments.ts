import { fourcc, uint32, uint64 } from './binary'
import { boxAt, boxesIn, childBoxes, type Box } from './boxes'
import type { SliceReader } from './reader'

/** What the moov says about a track that fragments extend. */
export interface FragmentTrack {
  /** Units per second of the track's times (`mdhd`). */
  timescale: number
  /** Length of the samples in the moov itself (`mdhd`), before the first fragment; 0 for an empty moov. */
  duration: number
  /** `trex` default, used when neither `tfhd` nor `trun` gives a sample's duration. */
  defaultSampleDuration?: number
}

// A fragment per second of a one-hour film is 3,600 moofs and as many mdats; past this we give up rather than
// walk further (the byte budget usually stops us first).
const FRAGMENT_BOXES = 20_000
const FRAGMENT_CHILDREN = 256
const INDEX_BOXES = 64

/**
 * Seconds up to the end of the last fragment, over all tracks; undefined when the fragments cannot be read whole
 * within the budget. Starts from the last fragment the `mfra` index points to, which reads only the file's tail;
 * a file without that index, or whose fragments lack `tfdt`, is summed from `from` (the end of the moov) onwards.
 */
export async function fragmentedDuration(reader: SliceReader, tracks: Map<number, FragmentTrack>, from: number) {
  const last = await lastIndexedFragment(reader, from)
  const fromLast = last === undefined ? undefined : await walkFragments(reader, tracks, last, false)
  return fromLast ?? walkFragments(reader, tracks, from, true)
}

/**
 * Track ends (in track units) after each `moof` from `from` to the end of the file. Without `tfdt` a fragment
 * continues where the track's previous one ended, which is only known when the walk began at the first fragment.
 */
async function walkFragments(reader: SliceReader, tracks: Map<number, FragmentTrack>, from: number, fromStart: boolean) {
  const ends = new Map<number, number>()
  if (fromStart) for (const [id, track] of tracks) ends.set(id, track.duration)
  let reached = from
  for await (const box of boxesIn(reader, from, reader.size, FRAGMENT_BOXES, 16)) {
    reached = box.end
    if (box.type !== 'moof') continue
    const moof = await reader.bytes(box.start, box.end - box.start)
    if (moof.length < box.end - box.start || !addFragment(moof, box, tracks, ends, fromStart)) return undefined
  }
  // Stopped early (the box cap, or a header that is not one): a partial sum would undercount. A file without any
  // moof (ffmpeg writes those when every sample fits in the moov) lasts as long as its moov's tracks say.
  if (reached < reader.size) return undefined
  let seconds: number | undefined
  for (const [id, end] of ends) {
    const track = tracks.get(id)
    if (track && end > 0) seconds = Math.max(seconds ?? 0, end / track.timescale)
  }
  return seconds
}

/** Adds one `moof` (whole, in `bytes`) to `ends`; false when a fragment cannot be placed in time. */
function addFragment(bytes: Uint8Array, moof: Box, tracks: Map<number, FragmentTrack>, ends: Map<number, number>, fromStart: boolean) {
  for (const traf of childBoxes(bytes, moof.start, moof.payload, moof.end, FRAGMENT_CHILDREN)) {
    if (traf.type !== 'traf') continue
    let id: number | undefined
    let defaultDuration: number | undefined
    let base: number | undefined
    const runs: Box[] = []
    for (const box of childBoxes(bytes, moof.start, traf.payload, traf.end, FRAGMENT_CHILDREN)) {
      const at = box.payload - moof.start
      const end = box.end - moof.start
      // A field past its box's end would be read from the next box: the fragment is malformed, so not placeable.
      if (box.type === 'tfhd') {
        if (at + 8 > end) return false
        const flags = uint32(bytes, at) & 0xffffff
        id = uint32(bytes, at + 4)
        // Optional fields in order: base-data-offset (8), sample-description-index (4), default-sample-duration.
        const field = at + 8 + (flags & 0x1 ? 8 : 0) + (flags & 0x2 ? 4 : 0)
        if (flags & 0x8 && field + 4 > end) return false
        if (flags & 0x8) defaultDuration = uint32(bytes, field)
      } else if (box.type === 'tfdt') {
        const v1 = bytes[at] === 1
        if (at + (v1 ? 12 : 8) > end) return false
        base = v1 ? uint64(bytes, at + 4) : uint32(bytes, at + 4)
      } else if (box.type === 'trun') {
        runs.push(box)
      }
    }
    const track = id === undefined ? undefined : tracks.get(id)
    if (id === undefined || !track) continue
    let total = 0
    for (const run of runs) {
      const length = runDuration(bytes, run.payload - moof.start, run.end - moof.start, defaultDuration ?? track.defaultSampleDuration)
      if (length === undefined) return false
      total += length
    }
    const start = base ?? (fromStart ? ends.get(id) : undefined)
    if (start === undefined) return false
    ends.set(id, Math.max(ends.get(id) ?? 0, start + total))
  }
  return true
}

/** The summed sample durations of one `trun` whose payload is `bytes[at, end)`; undefined when not knowable. */
function runDuration(bytes: Uint8Array, at: number, end: number, defaultDuration: number | undefined) {
  if (at + 8 > end) return undefined
  const flags = uint32(bytes, at) & 0xffffff
  const count = uint32(bytes, at + 4)
  if (!(flags & 0x100)) return defaultDuration === undefined ? undefined : count * defaultDuration
  // Per-sample records hold up to four 32-bit fields (duration, size, flags, composition offset), in that order.
  const stride = 4 * ((flags & 0x100 ? 1 : 0) + (flags & 0x200 ? 1 : 0) + (flags & 0x400 ? 1 : 0) + (flags & 0x800 ? 1 : 0))
  const first = at + 8 + (flags & 0x1 ? 4 : 0) + (flags & 0x4 ? 4 : 0)
  // A count the box cannot hold is a lie: refuse it rather than loop over it.
  if (first + count * stride > end) return undefined
  let total = 0
  for (let i = 0; i < count; i++) total += uint32(bytes, first + i * stride)
  return total
}

/**
 * The earliest of each track's last indexed `moof` (from `mfra`/`tfra`, found through the `mfro` in the last 16
 * bytes), checked to be a `moof` after `from`; undefined without a usable index.
 */
async function lastIndexedFragment(reader: SliceReader, from: number): Promise<number | undefined> {
  const size = reader.size
  const tail = await reader.bytes(size - 16, 16)
  if (tail.length < 16 || fourcc(tail, 4) !== 'mfro') return undefined
  const mfra = await boxAt(reader, size - uint32(tail, 12), size, 16)
  if (mfra?.type !== 'mfra' || mfra.start < from) return undefined
  let earliest: number | undefined
  for await (const tfra of boxesIn(reader, mfra.payload, mfra.end, INDEX_BOXES, 16)) {
    if (tfra.type !== 'tfra') continue
    const head = await reader.bytes(tfra.payload, 16)
    if (head.length < 16) return undefined
    const v1 = head[0] === 1
    const sizes = uint32(head, 8)
    const entry = (v1 ? 16 : 8) + ((sizes >> 4) & 3) + ((sizes >> 2) & 3) + (sizes & 3) + 3
    const count = uint32(head, 12)
    if (count === 0) continue
    const lastEntry = tfra.payload + 16 + (count - 1) * entry
    if (lastEntry + entry > tfra.end) return undefined
    const record = await reader.bytes(lastEntry, entry)
    if (record.length < entry) return undefined
    const moof = v1 ? uint64(record, 8) : uint32(record, 4)
    earliest = Math.min(earliest ?? moof, moof)
  }
  if (earliest === undefined || earliest < from) return undefined
  const moof = await boxAt(reader, earliest, size, 16)
  return moof?.type === 'moof' ? earliest : undefined
}
