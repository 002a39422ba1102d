import { execFile } from 'node:child_process'
import { openAsBlob } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blobReader, creditsFor, PROBE_BUDGET, probeContainer, type ByteReader, type ProbeResult } from '../../src/probe/index'
import { MAX_READS } from '../../src/probe/reader'

const exec = promisify(execFile)
const FRAME = 1 / 25
const GIB = 1024 ** 3

// Two ffmpeg runs: one encode (H.264 + AAC, VP9 + Opus, and a WAV) and one remux (-c copy) into every other
// layout, each an output of the same process. The noise makes each H.264 file ~800 KB, larger than the probe's first
// read, so its jumps are real (a WebM's headers come first whatever its size; VP9 of noise would only cost CPU).
const INPUTS = ['-t', '2.4', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-t', '2.4', '-f', 'lavfi', '-i', 'sine=frequency=440']
const VIDEO = ['-vf', 'noise=alls=60:allf=t', '-pix_fmt', 'yuv420p']
const REMUXES: Record<string, string[]> = {
  'faststart.mp4': ['-movflags', '+faststart'],
  'moov-at-end.mp4': [],
  'fragmented.mp4': ['-movflags', 'frag_keyframe+empty_moov'],
  'fragmented-moof-base.mp4': ['-movflags', 'frag_keyframe+empty_moov+default_base_moof'],
  'fragmented-no-index.mp4': ['-movflags', 'frag_keyframe+empty_moov+default_base_moof+skip_trailer'],
  'fragmented-after-samples.mp4': ['-movflags', 'frag_keyframe'],
  'fragmented-never-flushed.mp4': ['-movflags', 'frag_custom'],
  'dash.mp4': ['-movflags', '+dash'],
  'clip.mov': [],
  'clip.m4v': [],
  'clip.mkv': [],
  // Live mode writes no Duration (as a recording in progress) and no Cues.
  'live.mkv': ['-live', '1'],
}

const CASES: Array<[string, string, ProbeResult['container']]> = [
  ['an MP4 with its moov first (faststart)', 'faststart.mp4', 'mp4'],
  ['an MP4 with its moov after the media data', 'moov-at-end.mp4', 'mp4'],
  ['a fragmented MP4 with an empty moov and an mfra index', 'fragmented.mp4', 'mp4'],
  ['a fragmented MP4 with default-base-is-moof fragments', 'fragmented-moof-base.mp4', 'mp4'],
  ['a fragmented MP4 without an mfra index', 'fragmented-no-index.mp4', 'mp4'],
  ['a fragmented MP4 whose moov holds the first samples', 'fragmented-after-samples.mp4', 'mp4'],
  ['a fragmented MP4 whose moov holds every sample (no fragment at all)', 'fragmented-never-flushed.mp4', 'mp4'],
  ['a DASH MP4 with sidx boxes', 'dash.mp4', 'mp4'],
  ['a QuickTime MOV', 'clip.mov', 'mov'],
  ['an M4V', 'clip.m4v', 'm4v'],
  ['a WebM', 'clip.webm', 'webm'],
  ['a Matroska file', 'clip.mkv', 'matroska'],
]

let dir: string
const ffprobeDuration: Record<string, number> = {}
const path = (name: string) => join(dir, name)
const bytesOf = (name: string) => readFile(path(name)).then((buffer) => new Uint8Array(buffer))
const ffmpeg = (...args: string[]) => exec('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'buffer', maxBuffer: 1 << 26 })

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-probe-'))
  await Promise.all([
    ffmpeg(
      ...INPUTS,
      ...VIDEO,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '10',
      '-c:a',
      'aac',
      path('source.mp4'),
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-c:a',
      'libopus',
      path('clip.webm'),
      '-map',
      '1',
      '-t',
      '0.5',
      path('sound.wav'),
    ),
    writeFile(path('notes.txt'), 'Not a video, though it mentions ftyp and moov.\n'.repeat(100)),
    writeFile(path('empty.mp4'), new Uint8Array(0)),
  ])
  await ffmpeg(
    '-i',
    path('source.mp4'),
    ...Object.entries(REMUXES).flatMap(([name, flags]) => ['-map', '0', '-c', 'copy', ...flags, path(name)]),
  )
  await Promise.all(
    [...CASES.map(([, name]) => name), 'live.mkv'].map(async (name) => {
      const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path(name)])
      ffprobeDuration[name] = Number(stdout)
    }),
  )
}, 120_000)
afterAll(() => rm(dir, { recursive: true, force: true }))

/** A reader that records every read it is asked for. */
function counted(inner: ByteReader) {
  const reads: Array<{ offset: number; length: number }> = []
  const reader: ByteReader = {
    size: inner.size,
    read(offset, length) {
      reads.push({ offset, length })
      return inner.read(offset, length)
    },
  }
  return { reader, reads, bytes: () => reads.reduce((sum, read) => sum + read.length, 0) }
}

const memoryReader = (bytes: Uint8Array): ByteReader => ({
  size: bytes.length,
  read: async (offset, length) => bytes.subarray(offset, offset + length),
})
const fileReader = async (name: string) => blobReader(await openAsBlob(path(name)))

/** A reader over `parts` end to end; a number stands for that many zero bytes, never allocated. */
function virtualFile(parts: Array<Uint8Array | number>): ByteReader {
  const starts: number[] = []
  let size = 0
  for (const part of parts) {
    starts.push(size)
    size += typeof part === 'number' ? part : part.length
  }
  return {
    size,
    async read(offset, length) {
      const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)))
      let low = 0
      let high = parts.length - 1
      while (low < high) {
        const middle = (low + high + 1) >> 1
        if (starts[middle]! <= offset) low = middle
        else high = middle - 1
      }
      for (let i = low; i < parts.length && starts[i]! < offset + out.length; i++) {
        const part = parts[i]!
        if (typeof part !== 'number')
          out.set(part.subarray(Math.max(0, offset - starts[i]!), offset + out.length - starts[i]!), Math.max(0, starts[i]! - offset))
      }
      return out
    },
  }
}

const be32 = (value: number) => new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255])
const be64 = (value: number) => new Uint8Array([...be32(Math.floor(value / 2 ** 32)), ...be32(value >>> 0)])
const concat = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((part) => [...part]))
const ascii = (text: string) => new Uint8Array([...text].map((c) => c.charCodeAt(0)))
const box = (type: string, ...payload: Uint8Array[]) => {
  const body = concat(...payload)
  return concat(be32(8 + body.length), ascii(type), body)
}

/** The top-level boxes of an MP4 in memory, as slices. */
function topLevel(bytes: Uint8Array) {
  const boxes: Array<{ type: string; start: number; bytes: Uint8Array }> = []
  for (let at = 0; at + 8 <= bytes.length;) {
    const size = new DataView(bytes.buffer, bytes.byteOffset + at).getUint32(0)
    boxes.push({ type: String.fromCharCode(...bytes.subarray(at + 4, at + 8)), start: at, bytes: bytes.subarray(at, at + size) })
    at += size
  }
  return boxes
}

describe('probing real files', () => {
  it.each(CASES)('%s gives ffprobe’s duration within a frame, 160×120 and its container', async (_, name, container) => {
    const result = await probeContainer(await fileReader(name))
    expect(result.container).toBe(container)
    expect(Math.abs(result.durationSeconds! - ffprobeDuration[name]!)).toBeLessThanOrEqual(FRAME)
    expect([result.width, result.height]).toEqual([160, 120])
  })

  it('a 2.4 s video is estimated at 3 credits', async () => {
    expect((await probeContainer(await fileReader('faststart.mp4'))).estimatedCredits).toBe(3)
  })

  it('a live Matroska recording without a Duration gives its size and no duration, as ffprobe does', async () => {
    expect(ffprobeDuration['live.mkv']).toBeNaN() // ffprobe prints N/A
    expect(await probeContainer(await fileReader('live.mkv'))).toEqual({ container: 'matroska', width: 160, height: 120 })
  })

  it('an MP4 cut before its moov gives only its container', async () => {
    const bytes = await bytesOf('moov-at-end.mp4')
    expect(await probeContainer(memoryReader(bytes.subarray(0, bytes.length >> 1)))).toEqual({ container: 'mp4' })
  })

  it('a WebM cut short after its headers still gives its duration and size', async () => {
    const result = await probeContainer(memoryReader((await bytesOf('clip.webm')).subarray(0, 4096)))
    expect(result).toMatchObject({ container: 'webm', width: 160, height: 120 })
    expect(result.durationSeconds).toBeGreaterThan(2.4 - FRAME)
  })

  it.each(['sound.wav', 'notes.txt', 'empty.mp4'])('%s, which is not a video, gives {}', async (name) => {
    expect(await probeContainer(await fileReader(name))).toEqual({})
  })
})

describe('reading little', () => {
  it('a 1 GiB MP4 with its moov at the end is probed reading under 1 MiB', async () => {
    const boxes = topLevel(await bytesOf('moov-at-end.mp4'))
    const moov = boxes.find((b) => b.type === 'moov')!.bytes
    // A 64-bit largesize, as a real file over 4 GiB has.
    const file = counted(virtualFile([boxes[0]!.bytes, concat(be32(1), ascii('mdat'), be64(16 + GIB)), GIB, moov]))
    const result = await probeContainer(file.reader)
    expect(Math.abs(result.durationSeconds! - ffprobeDuration['moov-at-end.mp4']!)).toBeLessThanOrEqual(FRAME)
    expect(file.bytes()).toBeLessThanOrEqual(1024 * 1024)
  })
})

/** `mfra` with each `tfra` entry's moof offset moved by `delta`, as when `delta` bytes are inserted before the fragments. */
function shiftIndex(mfra: Uint8Array, delta: number): Uint8Array {
  const copy = mfra.slice()
  const view = new DataView(copy.buffer)
  for (let at = 8; at + 8 <= copy.length; at += view.getUint32(at)) {
    if (String.fromCharCode(...copy.subarray(at + 4, at + 8)) !== 'tfra') continue
    const v1 = copy[at + 8] === 1
    const sizes = view.getUint32(at + 16)
    const entry = (v1 ? 16 : 8) + ((sizes >> 4) & 3) + ((sizes >> 2) & 3) + (sizes & 3) + 3
    for (let i = 0, e = at + 24; i < view.getUint32(at + 20); i++, e += entry) {
      if (v1) view.setBigUint64(e + 8, view.getBigUint64(e + 8) + BigInt(delta))
      else view.setUint32(e + 4, view.getUint32(e + 4) + delta)
    }
  }
  return copy
}

/** A fragmented file with a 1 GiB `free` box between its moov and its first fragment. */
async function spreadFragments(name: string) {
  const boxes = topLevel(await bytesOf(name))
  const firstFragment = boxes.findIndex((b) => b.type === 'moof')
  const gap = concat(be32(8 + GIB), ascii('free'))
  const head = boxes.slice(0, firstFragment).map((b) => b.bytes)
  const tail = boxes.slice(firstFragment).map((b) => (b.type === 'mfra' ? shiftIndex(b.bytes, 8 + GIB) : b.bytes))
  const moofAt = boxes[firstFragment]!.start + 8 + GIB
  return { file: counted(virtualFile([...head, gap, GIB, ...tail])), moofAt }
}

describe('reading little from a 1 GiB fragmented MP4', () => {
  it('with an mfra index, reads the last fragments only, under 1 MiB', async () => {
    const { file, moofAt } = await spreadFragments('fragmented.mp4')
    const result = await probeContainer(file.reader)
    expect(Math.abs(result.durationSeconds! - ffprobeDuration['fragmented.mp4']!)).toBeLessThanOrEqual(FRAME)
    expect(file.reads.some((read) => read.offset <= moofAt && moofAt < read.offset + read.length)).toBe(false)
    expect(file.bytes()).toBeLessThanOrEqual(1024 * 1024)
  })

  it('without an index, sums every fragment, under 1 MiB', async () => {
    const { file } = await spreadFragments('fragmented-no-index.mp4')
    const result = await probeContainer(file.reader)
    expect(Math.abs(result.durationSeconds! - ffprobeDuration['fragmented-no-index.mp4']!)).toBeLessThanOrEqual(FRAME)
    expect(file.bytes()).toBeLessThanOrEqual(1024 * 1024)
  })

  it('with more fragments than the budget can read, gives no duration rather than a partial sum', async () => {
    const boxes = topLevel(await bytesOf('fragmented-no-index.mp4'))
    const moof = boxes.find((b) => b.type === 'moof')!.bytes
    const mdat = concat(be32(8 + 100_000), ascii('mdat'))
    const fragments = Array.from({ length: 10_000 }, () => [moof, mdat, 100_000]).flat()
    const file = counted(virtualFile([...boxes.slice(0, 2).map((b) => b.bytes), ...fragments]))
    expect(await probeContainer(file.reader)).toEqual({ container: 'mp4', width: 160, height: 120 })
    expect(file.bytes()).toBeLessThanOrEqual(PROBE_BUDGET)
    expect(file.reads.length).toBeLessThanOrEqual(MAX_READS)
  })
})

// Hand-built files, for what ffmpeg never writes. Only the fields the probe reads are filled; the rest is zeros.
const fields = (...values: number[]) => concat(...values.map(be32))
const zeros = (length: number) => new Uint8Array(length)
const FTYP = box('ftyp', ascii('isom'), fields(0), ascii('isom'))
const trak = (id: number, timescale: number) =>
  box(
    'trak',
    box('tkhd', fields(0, 0, 0, id, 0, 0), zeros(52), fields(160 * 65536, 120 * 65536)),
    box('mdia', box('mdhd', fields(0, 0, 0, timescale, 0, 0)), box('hdlr', fields(0, 0), ascii('vide'), zeros(13))),
  )
/** A moov of one 1000-units-a-second video track, fragmented: `mvex` holds `mehd` when given, and `trex` with a default sample duration of 40. */
const fragmentedMoov = (mehd?: number) =>
  box(
    'moov',
    box('mvhd', fields(0, 0, 0, 1000, 0), zeros(80)),
    trak(1, 1000),
    box('mvex', ...(mehd ? [box('mehd', fields(0, mehd))] : []), box('trex', fields(0, 1, 1, 40, 0, 0))),
  )
/** A fragment of `count` samples with the trex default duration (no tfdt: it follows the previous one). */
const fragment = (count: number) => concat(box('moof', box('traf', box('tfhd', fields(0, 1)), box('trun', fields(0, count)))), box('mdat'))

describe('hand-built MP4s', () => {
  it('a fragmented MP4 with mehd takes its duration from it', async () => {
    expect(await probeContainer(memoryReader(concat(FTYP, fragmentedMoov(5_000), fragment(1))))).toMatchObject({ durationSeconds: 5 })
  })

  it('fragments without tfdt or durations of their own are summed with the trex default', async () => {
    const result = await probeContainer(memoryReader(concat(FTYP, fragmentedMoov(), fragment(25), fragment(25))))
    expect(result).toEqual({ container: 'mp4', durationSeconds: 2, estimatedCredits: 2, width: 160, height: 120 })
  })

  it('a trun that claims more samples than it holds gives no duration', async () => {
    const lying = box('moof', box('traf', box('tfhd', fields(0, 1)), box('trun', fields(0x100, 0xffffffff, 40, 40))))
    expect(await probeContainer(memoryReader(concat(FTYP, fragmentedMoov(), lying)))).toEqual({ container: 'mp4', width: 160, height: 120 })
  })

  it('an mfra index that points at anything but a fragment is ignored', async () => {
    const file = concat(FTYP, fragmentedMoov(), fragment(25))
    for (const target of [0, file.length]) {
      const tfra = box('tfra', fields(0, 1, 0, 1, 0, target), zeros(3))
      const mfra = box('mfra', tfra, box('mfro', fields(0, 8 + tfra.length + 16)))
      expect(await probeContainer(memoryReader(concat(file, mfra)))).toMatchObject({ durationSeconds: 1 })
    }
  })

  it('a 64-bit box size of 2^64 − 1 is cut to the end of the file', async () => {
    const endless = concat(be32(1), ascii('mdat'), be32(0xffffffff), be32(0xffffffff))
    expect(await probeContainer(memoryReader(concat(FTYP, endless, fragmentedMoov(5_000))))).toEqual({ container: 'mp4' })
  })
})

const ebmlId = (id: number) => be32(id).subarray(Math.floor(Math.clz32(id) / 8))
/** An EBML element with an 8-byte size field; `size` overrides the payload's length (for virtual payloads). */
const element = (id: number, payload: Uint8Array, size = payload.length) =>
  concat(ebmlId(id), new Uint8Array([0x01]), be64(size).subarray(1), payload)
const EBML_HEADER = (docType: string) => element(0x1a45dfa3, element(0x4282, ascii(docType)))
const INFO = element(
  0x1549a966,
  concat(element(0x2ad7b1, be32(1_000_000)), element(0x4489, new Uint8Array(new Float64Array([7_500]).buffer).reverse())),
)
const TRACKS = element(
  0x1654ae6b,
  element(0xae, concat(element(0x83, new Uint8Array([1])), element(0xe0, concat(element(0xb0, be32(640)), element(0xba, be32(360)))))),
)

describe('hand-built Matroska files', () => {
  it('a WebM whose Info and Tracks follow a 1 GiB Cluster is read through its SeekHead, under 1 MiB', async () => {
    const seek = (id: number, position: number) => element(0x4dbb, concat(element(0x53ab, be32(id)), element(0x53ac, be64(position))))
    const seekHeadLength = element(0x114d9b74, concat(seek(0, 0), seek(0, 0))).length
    const cluster = element(0x1f43b675, new Uint8Array(0), GIB)
    const infoAt = seekHeadLength + cluster.length + GIB
    const seekHead = element(0x114d9b74, concat(seek(0x1549a966, infoAt), seek(0x1654ae6b, infoAt + INFO.length)))
    const segment = element(0x18538067, new Uint8Array(0), seekHead.length + cluster.length + GIB + INFO.length + TRACKS.length)
    const file = counted(virtualFile([EBML_HEADER('webm'), segment, seekHead, cluster, GIB, INFO, TRACKS]))
    expect(await probeContainer(file.reader)).toEqual({
      container: 'webm',
      durationSeconds: 7.5,
      estimatedCredits: 8,
      width: 640,
      height: 360,
    })
    expect(file.bytes()).toBeLessThanOrEqual(1024 * 1024)
  })

  it('a live WebM with a Segment, Info and Cluster of unknown size is read up to the Cluster', async () => {
    const unknown = (id: number, payload: Uint8Array) =>
      concat(ebmlId(id), new Uint8Array([0x01, 255, 255, 255, 255, 255, 255, 255]), payload)
    const info = unknown(0x1549a966, INFO.subarray(12))
    const cluster = unknown(0x1f43b675, element(0xe7, new Uint8Array([0])))
    const file = concat(EBML_HEADER('webm'), unknown(0x18538067, concat(info, TRACKS, cluster, info)))
    expect(await probeContainer(memoryReader(file))).toEqual({
      container: 'webm',
      durationSeconds: 7.5,
      estimatedCredits: 8,
      width: 640,
      height: 360,
    })
  })

  it('an EBML file of another DocType gives {}', async () => {
    expect(await probeContainer(memoryReader(concat(EBML_HEADER('notavideo'), element(0x18538067, concat(INFO, TRACKS)))))).toEqual({})
  })
})

describe('readers', () => {
  it('a reader that rejects gives {}', async () => {
    expect(await probeContainer({ size: 1000, read: () => Promise.reject(new Error('disk on fire')) })).toEqual({})
  })

  it('a reader that fails after the first read gives {}, not what it read before', async () => {
    const inner = await fileReader('moov-at-end.mp4')
    let reads = 0
    const reader: ByteReader = {
      size: inner.size,
      read: (offset, length) => (reads++ ? Promise.reject(new Error('gone')) : inner.read(offset, length)),
    }
    expect(await probeContainer(reader)).toEqual({})
  })

  it('a reader that resolves to something other than bytes gives {}', async () => {
    expect(await probeContainer({ size: 1000, read: async () => 'ftyp' as unknown as Uint8Array })).toEqual({})
  })

  it('blobReader reads the slice asked for, and less at the end', async () => {
    const reader = blobReader(new Blob([ascii('0123456789')]))
    expect(reader.size).toBe(10)
    expect(await reader.read(2, 3)).toEqual(ascii('234'))
    expect(await reader.read(8, 5)).toEqual(ascii('89'))
  })
})

describe('credits', () => {
  it('every started second costs a credit', () => {
    expect([creditsFor(0.3), creditsFor(2.4), creditsFor(10), creditsFor(10.2)]).toEqual([1, 3, 10, 11])
  })

  it('float noise just above a whole second is not charged', () => {
    expect(creditsFor(10.0000001)).toBe(10)
  })
})

describe('hostile input', () => {
  const withinBudget = async (bytes: Uint8Array) => {
    const file = counted(memoryReader(bytes))
    const result = await probeContainer(file.reader)
    expect(file.bytes()).toBeLessThanOrEqual(PROBE_BUDGET)
    expect(file.reads.length).toBeLessThanOrEqual(MAX_READS)
    if (result.durationSeconds !== undefined) expect(result.durationSeconds).toBeGreaterThan(0)
    if (result.estimatedCredits !== undefined) expect(Number.isInteger(result.estimatedCredits)).toBe(true)
  }

  it('random bytes after a container signature never throw and stay within the budgets', async () => {
    const signatures = [new Uint8Array(0), box('ftyp', ascii('isom')), new Uint8Array([0x1a, 0x45, 0xdf, 0xa3])]
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...signatures), fc.uint8Array({ maxLength: 2048 }), (signature, rest) =>
        withinBudget(concat(signature, rest)),
      ),
      { numRuns: 300 },
    )
  })

  it('real files with garbled header bytes or cut short never throw and stay within the budgets', async () => {
    const files = await Promise.all(['moov-at-end.mp4', 'fragmented.mp4', 'fragmented-no-index.mp4', 'clip.webm', 'live.mkv'].map(bytesOf))
    const edit = fc.tuple(
      fc.oneof(
        fc.nat(4095),
        fc.nat(4095).map((n) => -1 - n),
        fc.double({ min: 0, max: 1, noNaN: true }),
      ),
      fc.constantFrom(0, 1, 0xff, 0x7f, 0x80),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files),
        fc.array(edit, { maxLength: 16 }),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
        (original, edits, cut) => {
          const bytes = original.slice(0, cut === null ? undefined : Math.floor(original.length * cut))
          for (const [where, value] of edits) {
            const at = Number.isInteger(where) ? (where < 0 ? bytes.length + where : where) : Math.floor(where * bytes.length)
            if (at >= 0 && at < bytes.length) bytes[at] = value
          }
          return withinBudget(bytes)
        },
      ),
      { numRuns: 300 },
    )
  })
})
