import { createReadStream, createWriteStream } from 'node:fs'
import { open, writeFile } from 'node:fs/promises'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createInflateRaw } from 'node:zlib'
import { ValidationError } from '../../errors'

/** One file in a zip archive, as its central directory describes it. */
export interface ZipEntry {
  readonly name: string
  readonly method: number
  readonly compressedSize: number
  /** Bytes once inflated, as declared; extraction stops with an error past it. */
  readonly size: number
  readonly localHeaderOffset: number
}

/** Caps on what compose reads from a zip (a pro bundle or a PNG sequence). */
export interface ZipLimits {
  /** Entries, directories included. */
  readonly maxEntries: number
  /** Bytes one entry may inflate to. */
  readonly maxEntryBytes: number
  /** Bytes all entries together may inflate to. */
  readonly maxTotalBytes: number
}

/**
 * The defaults: 36,000 entries (10 minutes of frames at 60 fps), 2 GiB an entry, 4 GiB in all. A zip declares its
 * sizes, but a few kilobytes of deflate can inflate to gigabytes, so the declared sizes are checked before anything
 * is inflated and the inflated bytes are counted against them as they come.
 */
export const ZIP_LIMITS: ZipLimits = { maxEntries: 36_000, maxEntryBytes: 2 * 1024 ** 3, maxTotalBytes: 4 * 1024 ** 3 }

const END_OF_CENTRAL_DIRECTORY = Buffer.from([0x50, 0x4b, 0x05, 0x06])
const CENTRAL_HEADER = 0x02014b50
const LOCAL_HEADER = 0x04034b50
const STORED = 0
const DEFLATED = 8
const ZIP64_MARKER = 0xffffffff

/**
 * The file entries of a zip archive (stored or deflated; no zip64, no encryption), read from its central directory.
 * Throws `ValidationError` for an archive it cannot read or one beyond `limits`, before anything is inflated.
 */
export async function zipEntries(path: string, limits: ZipLimits = ZIP_LIMITS): Promise<ZipEntry[]> {
  const file = await open(path)
  try {
    const { size } = await file.stat()
    const tail = Buffer.alloc(Math.min(size, 22 + 0xffff))
    await file.read(tail, 0, tail.length, size - tail.length)
    const end = tail.lastIndexOf(END_OF_CENTRAL_DIRECTORY)
    if (end < 0 || end + 22 > tail.length) throw invalid(path, 'no end of central directory')
    const count = tail.readUInt16LE(end + 10)
    const [directorySize, offset] = [tail.readUInt32LE(end + 12), tail.readUInt32LE(end + 16)]
    if (count === 0xffff || offset === ZIP64_MARKER) throw invalid(path, 'zip64 archives are not supported')
    if (count > limits.maxEntries) throw beyond(path, `it holds ${count} entries, and compose reads at most ${limits.maxEntries}`)
    if (offset + directorySize > size) throw invalid(path, 'the central directory lies outside the file')
    const directory = Buffer.alloc(directorySize)
    await file.read(directory, 0, directory.length, offset)
    const entries: ZipEntry[] = []
    let total = 0
    for (let at = 0, index = 0; index < count; index++) {
      if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_HEADER) throw invalid(path, 'corrupt central directory')
      const nameLength = directory.readUInt16LE(at + 28)
      const name = directory.toString('utf8', at + 46, at + 46 + nameLength)
      if (directory.readUInt16LE(at + 8) & 1) throw invalid(path, `${name} is encrypted`)
      const entry = {
        name,
        method: directory.readUInt16LE(at + 10),
        compressedSize: directory.readUInt32LE(at + 20),
        size: directory.readUInt32LE(at + 24),
        localHeaderOffset: directory.readUInt32LE(at + 42),
      }
      if ([entry.compressedSize, entry.size, entry.localHeaderOffset].includes(ZIP64_MARKER))
        throw invalid(path, 'zip64 archives are not supported')
      if (entry.size > limits.maxEntryBytes)
        throw beyond(path, `${name} inflates to ${entry.size} bytes, and compose takes at most ${limits.maxEntryBytes} an entry`)
      total += entry.size
      if (total > limits.maxTotalBytes)
        throw beyond(path, `its entries inflate to more than ${limits.maxTotalBytes} bytes in all, compose's limit`)
      if (!name.endsWith('/')) entries.push(entry)
      at += 46 + nameLength + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32)
    }
    return entries
  } finally {
    await file.close()
  }
}

/**
 * Streams one entry out of the archive to `target`, inflating it when deflated. Throws `ValidationError` when the
 * entry inflates to more than its declared `size` (it stops inflating there), `AbortError` when `signal` fires.
 */
export async function extractZipEntry(path: string, entry: ZipEntry, target: string, signal?: AbortSignal): Promise<void> {
  if (entry.method !== STORED && entry.method !== DEFLATED) {
    throw invalid(path, `${entry.name} uses compression method ${entry.method}; only stored and deflated entries are supported`)
  }
  if (entry.method === STORED && entry.compressedSize !== entry.size) throw invalid(path, `${entry.name} is stored but declares two sizes`)
  const header = Buffer.alloc(30)
  const file = await open(path)
  try {
    await file.read(header, 0, 30, entry.localHeaderOffset)
  } finally {
    await file.close()
  }
  if (header.readUInt32LE(0) !== LOCAL_HEADER) throw invalid(path, `corrupt local header for ${entry.name}`)
  if (entry.compressedSize === 0) return writeFile(target, '')
  const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28)
  const source = createReadStream(path, { start, end: start + entry.compressedSize - 1 })
  const sink = createWriteStream(target)
  const limit = atMost(entry.size, () => beyond(path, `${entry.name} inflates to more than the ${entry.size} bytes it declares`))
  if (entry.method === STORED) await pipeline(source, limit, sink, { signal })
  else await pipeline(source, createInflateRaw(), limit, sink, { signal })
}

/** Passes bytes through until more than `bytes` have come, then fails, which stops the inflater feeding it. */
function atMost(bytes: number, failure: () => Error): Transform {
  let seen = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length
      if (seen > bytes) done(failure())
      else done(null, chunk)
    },
  })
}

function invalid(path: string, reason: string): ValidationError {
  return new ValidationError(`${JSON.stringify(path)} is not a readable zip archive: ${reason}`, 'path')
}

function beyond(path: string, reason: string): ValidationError {
  return new ValidationError(`${JSON.stringify(path)} is beyond compose's zip limits: ${reason}`, 'path')
}
