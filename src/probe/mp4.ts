import { fourcc, uint32, uint64 } from './binary'
import { boxesIn, type Box } from './boxes'
import { fragmentedDuration, type FragmentTrack } from './fragments'
import type { ProbeResult } from './index'
import type { SliceReader } from './reader'

// Caps on boxes visited. A real file has a handful of top-level boxes (hundreds when fragmented, and those are
// walked in fragments.ts); a moov holds a few tracks. Past these, the input is not a video we can read cheaply.
const TOP_LEVEL_BOXES = 10_000
const MOVIE_BOXES = 256
const TRACK_BOXES = 64

// Box headers are read with this much ahead, so small boxes (mvhd, tkhd, mdhd, hdlr) arrive with their header and
// a track's first boxes come in one read. The moov is never read whole: a long film's sample tables run to
// megabytes, and only the few small boxes before them matter here.
const HEADER_PREFETCH = 256

/** What a moov says about one track. */
interface Track extends FragmentTrack {
  id?: number
  handler?: string
  width?: number
  height?: number
}

/** Durations in a moov (`mvhd`, `mehd`) are in the movie timescale, each track's (`mdhd`) in its own. */
interface Movie {
  timescale?: number
  duration?: number
  fragmented: boolean
  fragmentDuration?: number
  tracks: Track[]
  trackDefaults: Map<number, number>
}

/** The container name an `ftyp` major brand stands for. A file without `ftyp` is classic QuickTime. */
function containerOf(brand: string | undefined): ProbeResult['container'] {
  if (brand === undefined || brand === 'qt  ') return 'mov'
  if (brand.startsWith('M4V')) return 'm4v'
  return 'mp4'
}

/**
 * Reads an ISO BMFF or QuickTime file into `found`: the container from `ftyp`, then the `moov` wherever it is
 * (top-level box headers are walked, so an `mdat` of any size is jumped over unread), its `mvhd` duration and the
 * video track's `tkhd` size. A fragmented file's duration comes from `mehd`, else from its fragments.
 */
export async function probeMp4(reader: SliceReader, found: ProbeResult): Promise<void> {
  let brand: string | undefined
  let moov: Box | undefined
  for await (const box of boxesIn(reader, 0, reader.size, TOP_LEVEL_BOXES, 16)) {
    if (box.type === 'ftyp' && brand === undefined) {
      brand = fourcc(await reader.bytes(box.payload, 4), 0)
      found.container = containerOf(brand)
    }
    if (box.type === 'moov') {
      moov = box
      break
    }
  }
  found.container ??= containerOf(brand)
  if (!moov) return

  const movie = await readMovie(reader, moov)
  const video = movie.tracks.find((t) => t.handler === 'vide' && t.width && t.height) ?? movie.tracks.find((t) => t.width && t.height)
  found.width = video?.width
  found.height = video?.height

  const timescale = movie.timescale
  if (!timescale) return
  if (!movie.fragmented) {
    found.durationSeconds = movie.duration === undefined ? undefined : movie.duration / timescale
  } else if (movie.fragmentDuration) {
    found.durationSeconds = movie.fragmentDuration / timescale
  } else {
    // Without mehd the moov only knows the samples before the first fragment: the fragments must be read.
    const tracks = new Map<number, FragmentTrack>()
    for (const track of movie.tracks) {
      if (track.id === undefined || !track.timescale) continue
      tracks.set(track.id, { ...track, defaultSampleDuration: movie.trackDefaults.get(track.id) })
    }
    found.durationSeconds = await fragmentedDuration(reader, tracks, moov.end)
  }
}

/** A duration field, unless it is the all-ones "unknown" value or zero. */
const known = (value: number, version: number) => (value > 0 && value !== (version === 1 ? 2 ** 64 - 1 : 2 ** 32 - 1) ? value : undefined)

/** The first `length` bytes of a box's payload, or undefined when the box (or the file) is shorter. */
async function payloadOf(reader: SliceReader, box: Box, length: number): Promise<Uint8Array | undefined> {
  if (box.end - box.payload < length) return undefined
  const bytes = await reader.bytes(box.payload, length, HEADER_PREFETCH)
  return bytes.length === length ? bytes : undefined
}

async function readMovie(reader: SliceReader, moov: Box): Promise<Movie> {
  const movie: Movie = { fragmented: false, tracks: [], trackDefaults: new Map() }
  for await (const box of boxesIn(reader, moov.payload, moov.end, MOVIE_BOXES, HEADER_PREFETCH)) {
    if (box.type === 'mvhd') {
      const version = (await payloadOf(reader, box, 1))?.[0]
      const p = await payloadOf(reader, box, version === 1 ? 32 : 20)
      if (!p) continue
      movie.timescale = uint32(p, version === 1 ? 20 : 12) || undefined
      movie.duration = version === 1 ? known(uint64(p, 24), 1) : known(uint32(p, 16), 0)
    } else if (box.type === 'trak') {
      movie.tracks.push(await readTrack(reader, box))
    } else if (box.type === 'mvex') {
      movie.fragmented = true
      await readMovieExtends(reader, box, movie)
    }
  }
  return movie
}

async function readTrack(reader: SliceReader, trak: Box): Promise<Track> {
  const track: Track = { timescale: 0, duration: 0 }
  for await (const box of boxesIn(reader, trak.payload, trak.end, TRACK_BOXES, HEADER_PREFETCH)) {
    if (box.type === 'tkhd') {
      const v1 = (await payloadOf(reader, box, 1))?.[0] === 1
      const p = await payloadOf(reader, box, v1 ? 96 : 84)
      if (!p) continue
      track.id = uint32(p, v1 ? 20 : 12)
      // 16.16 fixed point; rounded, as a presentation size is a whole number of pixels.
      track.width = Math.round(uint32(p, v1 ? 88 : 76) / 65536)
      track.height = Math.round(uint32(p, v1 ? 92 : 80) / 65536)
    } else if (box.type === 'mdia') {
      for await (const child of boxesIn(reader, box.payload, box.end, TRACK_BOXES, HEADER_PREFETCH)) {
        if (child.type === 'mdhd') {
          const v1 = (await payloadOf(reader, child, 1))?.[0] === 1
          const p = await payloadOf(reader, child, v1 ? 32 : 20)
          if (!p) continue
          track.timescale = uint32(p, v1 ? 20 : 12)
          track.duration = (v1 ? known(uint64(p, 24), 1) : known(uint32(p, 16), 0)) ?? 0
        } else if (child.type === 'hdlr') {
          const p = await payloadOf(reader, child, 12)
          if (p) track.handler = fourcc(p, 8)
        }
      }
    }
  }
  return track
}

async function readMovieExtends(reader: SliceReader, mvex: Box, movie: Movie): Promise<void> {
  for await (const box of boxesIn(reader, mvex.payload, mvex.end, TRACK_BOXES, HEADER_PREFETCH)) {
    if (box.type === 'mehd') {
      const v1 = (await payloadOf(reader, box, 1))?.[0] === 1
      const p = await payloadOf(reader, box, v1 ? 12 : 8)
      if (!p) continue
      movie.fragmentDuration = v1 ? known(uint64(p, 4), 1) : known(uint32(p, 4), 0)
    } else if (box.type === 'trex') {
      const p = await payloadOf(reader, box, 16)
      if (p) movie.trackDefaults.set(uint32(p, 4), uint32(p, 12))
    }
  }
}
