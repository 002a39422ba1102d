import { fourcc } from './binary'
import { probeMatroska } from './matroska'
import { probeMp4 } from './mp4'
import { ReaderFailure, SliceReader, type ByteReader } from './reader'

export { blobReader, bytesReader, type ByteReader } from './reader'

/**
 * The container a probe recognised:
 * - `mp4`: ISO BMFF with any major brand not listed below (`isom`, `mp41`, `mp42`, `iso6`, `avc1`, `dash`, …);
 * - `mov`: QuickTime (`ftyp` brand `qt  `, or no `ftyp` at all, as in files older than the brand);
 * - `m4v`: Apple's `M4V ` family of brands (`M4V `, `M4VH`, `M4VP`);
 * - `webm` / `matroska`: an EBML file whose DocType is `webm` / `matroska`.
 */
export type ProbedContainer = 'mp4' | 'mov' | 'm4v' | 'webm' | 'matroska'

/** What a container's headers say about a video. Every field is absent when it could not be read cheaply. */
export interface ProbeResult {
  /** Seconds, from the container header (or, for a fragmented MP4 without `mehd`, from its fragments). */
  durationSeconds?: number
  /** The container recognised; see `ProbedContainer`. */
  container?: ProbedContainer
  /**
   * Pixels: the video track's size as stored (MP4 `tkhd`, rounded to whole pixels; Matroska PixelWidth/PixelHeight),
   * before any rotation the player applies. Both or neither.
   */
  width?: number
  /** Pixels, as `width`: the video track's stored height. */
  height?: number
  /** Credits the API would charge: the duration rounded up to whole seconds (1 credit per second); see `creditsFor`. */
  estimatedCredits?: number
}

/** Bytes a probe may read, whatever the file's size or layout. */
export const PROBE_BUDGET = 1024 * 1024

// The first read brings the start of the file in one go: for a short, fast-start file it holds everything needed.
const FIRST_READ = 64 * 1024

// Container durations are ratios (units / timescale) or floats, so 10 s may come out as 10.000000001: a
// microsecond is far below any frame duration yet far above such noise.
const CREDIT_TOLERANCE_SECONDS = 1e-6

/**
 * Credits for a video of `durationSeconds`: one per started second, so 10.2 s costs 11 and 0.5 s costs 1. A
 * duration within a microsecond above a whole second counts as that second (10.0000001 s costs 10), since that
 * much is rounding noise in the container's arithmetic, not video.
 */
export function creditsFor(durationSeconds: number): number {
  return Math.max(1, Math.ceil(durationSeconds - CREDIT_TOLERANCE_SECONDS))
}

/**
 * Finds a video's container, duration and size by reading a few small slices through `reader`: at most
 * `PROBE_BUDGET` bytes (1 MiB) in total, whatever the file's size or where its index sits. Never throws: a file it
 * does not recognise, or cannot read within the budget, gives the fields it found so far (often `{}`), and a reader
 * that rejects gives `{}`.
 */
export async function probeContainer(reader: ByteReader): Promise<ProbeResult> {
  const found: ProbeResult = {}
  try {
    const slices = new SliceReader(reader, PROBE_BUDGET)
    const head = await slices.bytes(0, 12, FIRST_READ)
    if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) await probeMatroska(slices, found)
    else if (ISO_FIRST_BOXES.has(fourcc(head, 4))) await probeMp4(slices, found)
  } catch (error) {
    // A reader that fails may have handed us anything before: trust none of it. Other stops (the budget, a field
    // past the end of a slice) keep what was found until then.
    if (error instanceof ReaderFailure) return {}
  }
  return finish(found)
}

/** Box types an ISO BMFF or QuickTime file starts with (QuickTime files from before `ftyp` start with any of these). */
const ISO_FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot'])

/** Keeps only plausible values, and adds the credit estimate. */
function finish(found: ProbeResult): ProbeResult {
  const result: ProbeResult = {}
  const { durationSeconds: duration, width, height } = found
  if (found.container) result.container = found.container
  if (duration !== undefined && Number.isFinite(duration) && duration > 0) {
    result.durationSeconds = duration
    result.estimatedCredits = creditsFor(duration)
  }
  if (
    width !== undefined &&
    height !== undefined &&
    width > 0 &&
    height > 0 &&
    Number.isSafeInteger(width) &&
    Number.isSafeInteger(height)
  ) {
    result.width = width
    result.height = height
  }
  return result
}
