import { elementAt, elementsIn, readFloat, readText, readUint, type Element } from './ebml'
import type { ProbeResult } from './index'
import type { SliceReader } from './reader'

const EBML = 0x1a45dfa3
const DOC_TYPE = 0x4282
const SEGMENT = 0x18538067
const SEEK_HEAD = 0x114d9b74
const SEEK = 0x4dbb
const SEEK_ID = 0x53ab
const SEEK_POSITION = 0x53ac
const INFO = 0x1549a966
const TIMESTAMP_SCALE = 0x2ad7b1
const DURATION = 0x4489
const TRACKS = 0x1654ae6b
const TRACK_ENTRY = 0xae
const TRACK_TYPE = 0x83
const VIDEO = 0xe0
const PIXEL_WIDTH = 0xb0
const PIXEL_HEIGHT = 0xba
const CLUSTER = 0x1f43b675

/** Ids that only appear at the Segment's level or above: meeting one ends any element below it. */
const SEGMENT_LEVEL = new Set([EBML, SEGMENT, SEEK_HEAD, INFO, TRACKS, CLUSTER, 0x1c53bb6b, 0x1254c367, 0x1043a770, 0x1941a469])
const TOP_LEVEL = new Set([EBML, SEGMENT])

// Caps on elements visited. The Segment's children are a few headers then one Cluster per few seconds; the walk
// over Clusters only happens when no SeekHead says where Info and Tracks are.
const SEGMENT_CHILDREN = 4096
const CHILDREN = 128
// Info and Tracks are usually small: reading them whole at once saves a read per child.
const MASTER_PREFETCH = 4096

/**
 * Reads a Matroska or WebM file into `found`: the container from the EBML header's DocType, then the Segment's Info
 * (TimestampScale, default 1 ms, and Duration) and Tracks (the first video track's pixel size). Clusters are jumped
 * over by size, or skipped altogether through the SeekHead. A file without Duration (live recordings) has none.
 */
export async function probeMatroska(reader: SliceReader, found: ProbeResult): Promise<void> {
  const header = await elementAt(reader, 0, reader.size)
  if (header?.id !== EBML || header.unknownSize) return
  let docType = 'matroska' // the specification's default
  for await (const element of elementsIn(reader, header.data, header.end, CHILDREN)) {
    if (element.id === DOC_TYPE) docType = (await readText(reader, element, 64)) ?? ''
  }
  if (docType !== 'webm' && docType !== 'matroska') return
  found.container = docType

  let segment: Element | undefined
  for await (const element of elementsIn(reader, header.end, reader.size, 16)) {
    if (element.id === SEGMENT) segment = element
    if (element.id === SEGMENT || element.unknownSize) break
  }
  if (!segment) return

  const seen = { info: false, tracks: false }
  const positions = new Map<number, number>()
  const located = (id: number) => positions.has(id) || (id === INFO ? seen.info : seen.tracks)
  let offset = segment.data
  for (let visited = 0; visited < SEGMENT_CHILDREN && !(seen.info && seen.tracks); visited++) {
    const element = await elementAt(reader, offset, segment.end, 16)
    if (!element || TOP_LEVEL.has(element.id)) break
    // Info and Tracks precede the Clusters in practice. At a Cluster, follow the SeekHead when it says where they
    // are; otherwise jump over Clusters by size until they turn up (one of unknown size cannot be jumped over).
    if (element.id === CLUSTER && (element.unknownSize || (located(INFO) && located(TRACKS)))) break
    if (element.id === SEEK_HEAD) offset = await readSeekHead(reader, element, positions)
    else if (element.id === INFO) {
      offset = await readInfo(reader, element, found)
      seen.info = true
    } else if (element.id === TRACKS) {
      offset = await readTracks(reader, element, found)
      seen.tracks = true
    } else if (element.unknownSize) {
      break // nothing says where it ends
    } else {
      offset = element.end
    }
  }
  // Whatever the walk did not reach, the SeekHead may still point at (positions count from the Segment's data).
  for (const [id, read] of [
    [INFO, readInfo],
    [TRACKS, readTracks],
  ] as const) {
    const position = positions.get(id)
    if ((id === INFO ? seen.info : seen.tracks) || position === undefined) continue
    const element = await elementAt(reader, segment.data + position, segment.end, 16)
    if (element?.id === id) await read(reader, element, found)
  }
}

/** Reads a small master element's data in one go (Info, Tracks and SeekHead hold a few hundred bytes). */
const readAhead = (reader: SliceReader, master: Element) => reader.bytes(master.data, Math.min(master.end - master.data, MASTER_PREFETCH))

/**
 * The children of `master`, calling `visit` on each; resolves to where `master` ends: its size says, or, when
 * unknown, where its last child ends (the next element belongs to a level above).
 */
async function eachChild(reader: SliceReader, master: Element, visit: (child: Element) => Promise<unknown>): Promise<number> {
  await readAhead(reader, master)
  let reached = master.data
  for await (const child of elementsIn(reader, master.data, master.end, CHILDREN, SEGMENT_LEVEL)) {
    await visit(child)
    reached = child.end
  }
  return master.unknownSize ? reached : master.end
}

async function readSeekHead(reader: SliceReader, seekHead: Element, positions: Map<number, number>): Promise<number> {
  return eachChild(reader, seekHead, async (seek) => {
    if (seek.id !== SEEK) return
    let id: number | undefined
    let position: number | undefined
    for await (const field of elementsIn(reader, seek.data, seek.end, 8, SEGMENT_LEVEL)) {
      if (field.id === SEEK_ID) id = await readUint(reader, field)
      if (field.id === SEEK_POSITION) position = await readUint(reader, field)
    }
    if (id !== undefined && position !== undefined && !positions.has(id)) positions.set(id, position)
  })
}

/** Fills the duration from an Info element; resolves to where the element ends. */
async function readInfo(reader: SliceReader, info: Element, found: ProbeResult): Promise<number> {
  let scale: number | undefined = 1_000_000 // nanoseconds per timestamp unit: 1 ms unless the file says
  let duration: number | undefined
  const end = await eachChild(reader, info, async (element) => {
    if (element.id === TIMESTAMP_SCALE) scale = await readUint(reader, element)
    if (element.id === DURATION) duration = await readFloat(reader, element)
  })
  if (scale && duration !== undefined) found.durationSeconds = (duration * scale) / 1e9
  return end
}

/** Fills the size of the first video track that has one; resolves to where the element ends. */
async function readTracks(reader: SliceReader, tracks: Element, found: ProbeResult): Promise<number> {
  return eachChild(reader, tracks, async (entry) => {
    if (entry.id !== TRACK_ENTRY || found.width) return
    let type: number | undefined
    let width: number | undefined
    let height: number | undefined
    for await (const field of elementsIn(reader, entry.data, entry.end, CHILDREN, SEGMENT_LEVEL)) {
      if (field.id === TRACK_TYPE) type = await readUint(reader, field)
      if (field.id !== VIDEO) continue
      for await (const setting of elementsIn(reader, field.data, field.end, CHILDREN, SEGMENT_LEVEL)) {
        if (setting.id === PIXEL_WIDTH) width = await readUint(reader, setting)
        if (setting.id === PIXEL_HEIGHT) height = await readUint(reader, setting)
      }
    }
    // TrackType 1 is video; a track with Video settings but no type is taken as video too.
    if ((type === 1 || type === undefined) && width && height) {
      found.width = width
      found.height = height
    }
  })
}
