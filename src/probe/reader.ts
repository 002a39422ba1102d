/** Reads `length` bytes at `offset` (fewer at the end of the data). */
export interface ByteReader {
  /** Total length of the data, in bytes. */
  readonly size: number
  /** Resolves to at most `length` bytes starting at `offset`; fewer (or none) past the end. May reject. */
  read(offset: number, length: number): Promise<Uint8Array>
}

/** A `ByteReader` over a `Blob` or `File`: each read is a `blob.slice(a, b).arrayBuffer()`, nothing more is loaded. */
export function blobReader(blob: Blob): ByteReader {
  return {
    size: blob.size,
    async read(offset, length) {
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer())
    },
  }
}

/** A `ByteReader` over bytes already in memory: each read is a view (`subarray`), nothing is copied. */
export function bytesReader(bytes: Uint8Array): ByteReader {
  return {
    size: bytes.byteLength,
    async read(offset, length) {
      return bytes.subarray(offset, offset + length)
    },
  }
}

/** The caller's reader rejected or returned something that is not bytes: nothing read is to be trusted. */
export class ReaderFailure extends Error {
  override name = 'ReaderFailure'
}

/** The probe spent its budget of bytes or reads: stop where we are and keep what was already found. */
export class OverBudget extends Error {
  override name = 'OverBudget'
}

interface Window {
  offset: number
  data: Uint8Array
}

/**
 * Reads a probe may make. Bytes alone do not bound the time a hostile file costs (many tiny reads), and a real file
 * needs a few dozen; a fragmented one about three per fragment.
 */
export const MAX_READS = 30_000

/** Recent windows kept: enough for a box header, its parent's window and the first read of the file. */
const CACHED_WINDOWS = 4

/**
 * A `ByteReader` seen through a byte budget and a small cache. Readers ask for exactly what they need plus an
 * optional `prefetch`, so one read of a small header box usually brings its children too. The budget bounds what
 * is asked of the source (`bytesRead`, `reads`), whether or not it delivers that much.
 */
export class SliceReader {
  /** Where the data ends: the source's size, lowered when a read comes back short (the source had less). */
  size: number
  /** Bytes requested from the source so far. */
  bytesRead = 0
  /** Reads made so far. */
  reads = 0
  private windows: Window[] = []

  constructor(
    private readonly source: ByteReader,
    private readonly budget: number,
  ) {
    const size = source.size
    this.size = Number.isSafeInteger(size) && size > 0 ? size : 0
  }

  /**
   * Bytes `[offset, offset + length)`, shorter at the end of the data. Reads `max(length, prefetch)` bytes when
   * they are not cached. Throws `OverBudget` or `ReaderFailure`.
   */
  async bytes(offset: number, length: number, prefetch = 0): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.size || !(length > 0)) return new Uint8Array(0)
    const wanted = Math.min(length, this.size - offset)
    for (const window of this.windows) {
      const start = offset - window.offset
      if (start >= 0 && start + wanted <= window.data.length) return window.data.subarray(start, start + wanted)
    }
    const count = Math.min(Math.max(wanted, prefetch), this.size - offset)
    if (this.bytesRead + count > this.budget || this.reads >= MAX_READS) throw new OverBudget('probe budget spent')
    this.bytesRead += count
    this.reads++
    let data: unknown
    try {
      data = await this.source.read(offset, count)
    } catch (error) {
      throw new ReaderFailure('the byte reader failed', { cause: error })
    }
    if (!(data instanceof Uint8Array)) throw new ReaderFailure('the byte reader returned something other than a Uint8Array')
    // A short read means the data ends there, whatever `size` claimed: later reads stop at the same place.
    if (data.length < count) this.size = offset + data.length
    const window = { offset, data: data.length > count ? data.subarray(0, count) : data }
    this.windows.unshift(window)
    this.windows.length = Math.min(this.windows.length, CACHED_WINDOWS)
    return window.data.subarray(0, wanted)
  }
}
