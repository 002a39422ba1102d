import { createReadStream, createWriteStream } from 'node:fs'
import { open, writeFile } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { createInflateRaw } from 'node:zlib'
import { ValidationError } from '../../errors'

export interface ZipEntry {
  readonly name: string
  readonly method: number
  readonly compressedSize: number
  readonly localHeaderOffset: number
}

const END_OF_CENTRAL_DIRECTORY = Buffer.from([0x50, 0x4b, 0x05, 0x06])
const CENTRAL_HEADER = 0x02014b50
const LOCAL_HEADER = 0x04034b50
const STORED = 0
const DEFLATED = 8

/** The file entries of a zip archive (stored or deflated; no zip64, no encryption), read from its central directory. */
export async function zipEntries(path: string): Promise<ZipEntry[]> {
  const file = await open(path)
  try {
    const { size } = await file.stat()
    const tail = Buffer.alloc(Math.min(size, 22 + 0xffff))
    await file.read(tail, 0, tail.length, size - tail.length)
    const end = tail.lastIndexOf(END_OF_CENTRAL_DIRECTORY)
    if (end < 0 || end + 22 > tail.length) throw invalid(path, 'no end of central directory')
    const count = tail.readUInt16LE(end + 10)
    const directory = Buffer.alloc(tail.readUInt32LE(end + 12))
    const offset = tail.readUInt32LE(end + 16)
    if (count === 0xffff || offset === 0xffffffff) throw invalid(path, 'zip64 archives are not supported')
    await file.read(directory, 0, directory.length, offset)
    const entries: ZipEntry[] = []
    for (let at = 0, index = 0; index < count; index++) {
      if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_HEADER) throw invalid(path, 'corrupt central directory')
      const nameLength = directory.readUInt16LE(at + 28)
      const name = directory.toString('utf8', at + 46, at + 46 + nameLength)
      if (directory.readUInt16LE(at + 8) & 1) throw invalid(path, `${name} is encrypted`)
      if (!name.endsWith('/')) {
        entries.push({
          name,
          method: directory.readUInt16LE(at + 10),
          compressedSize: directory.readUInt32LE(at + 20),
          localHeaderOffset: directory.readUInt32LE(at + 42),
        })
      }
      at += 46 + nameLength + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32)
    }
    return entries
  } finally {
    await file.close()
  }
}

/** Streams one entry out of the archive to `target`, inflating it when deflated. */
export async function extractZipEntry(path: string, entry: ZipEntry, target: string, signal?: AbortSignal): Promise<void> {
  if (entry.method !== STORED && entry.method !== DEFLATED) {
    throw invalid(path, `${entry.name} uses compression method ${entry.method}; only stored and deflated entries are supported`)
  }
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
  if (entry.method === STORED) await pipeline(source, sink, { signal })
  else await pipeline(source, createInflateRaw(), sink, { signal })
}

function invalid(path: string, reason: string): ValidationError {
  return new ValidationError(`${JSON.stringify(path)} is not a readable zip archive: ${reason}`, 'path')
}
