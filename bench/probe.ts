// Probe: probeContainer on a 1 GiB MP4 whose moov sits at the end, beside `ffprobe -show_format` on the same file
// in the same run. The file is sparse: ftyp, an mdat header claiming all but the end, and the real moov of a
// 10-minute ffmpeg encode (15,000 frames, so its sample tables are a realistic size) in the last bytes.
// Targets: ≤ 1 MiB read; faster than ffprobe.
import { spawnSync } from 'node:child_process'
import { openAsBlob } from 'node:fs'
import { mkdtemp, open, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { blobReader, probeContainer, type ByteReader } from '../src/probe/index'
import { exec, median, recordSection, spread } from './lib'

const SIZE = 1024 ** 3
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const MINUTES = 10

const be32 = (value: number) => new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255])

/** The top-level box of `type` in an MP4 held in memory. */
function topLevelBox(bytes: Uint8Array, type: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let at = 0; at + 8 <= bytes.length; at += view.getUint32(at)) {
    if (String.fromCharCode(...bytes.subarray(at + 4, at + 8)) === type) return bytes.subarray(at, at + view.getUint32(at))
  }
  throw new Error(`no ${type} box`)
}

const dir = await mkdtemp(join(tmpdir(), 'vbr-bench-probe-'))
try {
  const small = join(dir, 'small.mp4')
  await exec('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=size=64x64:rate=25`,
    '-t',
    String(MINUTES * 60),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '250',
    small,
  ])
  const encoded = new Uint8Array(await readFile(small))
  const ftyp = topLevelBox(encoded, 'ftyp')
  const moov = topLevelBox(encoded, 'moov')

  const path = join(dir, 'large.mp4')
  const file = await open(path, 'w')
  try {
    await file.truncate(SIZE) // a hole: nothing but the head and the moov takes disk space
    const mdatSize = SIZE - ftyp.length - moov.length
    await file.write(new Uint8Array([...ftyp, ...be32(mdatSize), ...new TextEncoder().encode('mdat')]), 0, ftyp.length + 8, 0)
    await file.write(moov, 0, moov.length, SIZE - moov.length)
  } finally {
    await file.close()
  }

  const ffprobeArgs = ['-v', 'error', '-show_format', path]
  const ffprobe = () => {
    const started = performance.now()
    const { status, stdout } = spawnSync('ffprobe', ffprobeArgs)
    const ms = performance.now() - started
    if (status !== 0) throw new Error(`ffprobe exited with ${status}`)
    return { ms, duration: Number(/^duration=(.*)$/m.exec(stdout.toString())?.[1]) }
  }
  const ours = async () => {
    let bytes = 0
    let reads = 0
    const started = performance.now()
    const inner = blobReader(await openAsBlob(path))
    const counted: ByteReader = {
      size: inner.size,
      read(offset, length) {
        bytes += length
        reads++
        return inner.read(offset, length)
      },
    }
    const result = await probeContainer(counted)
    return { ms: performance.now() - started, bytes, reads, result }
  }

  // What ffprobe itself reads, from libavformat's own statistics (a debug-level line, so not in the timed runs).
  const debug = spawnSync('ffprobe', ['-v', 'debug', '-show_format', path]).stderr.toString()
  const ffprobeBytes = Number(/Statistics: (\d+) bytes read/.exec(debug)?.[1] ?? NaN)

  const expected = ffprobe().duration
  const first = await ours()
  if (!(Math.abs(first.result.durationSeconds! - expected) <= 1 / 25)) {
    throw new Error(`probe says ${first.result.durationSeconds} s, ffprobe ${expected} s`)
  }
  const times = { ours: [] as number[], ffprobe: [] as number[] }
  const bytes: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? (['ours', 'ffprobe'] as const) : (['ffprobe', 'ours'] as const)
    for (const side of order) {
      if (side === 'ffprobe') times.ffprobe.push(ffprobe().ms)
      else {
        const run = await ours()
        times.ours.push(run.ms)
        bytes.push(run.bytes)
      }
    }
  }
  const kib = (value: number) => `${(value / 1024).toFixed(1)} KiB`
  const timeRatio = median(times.ours) / median(times.ffprobe)
  await recordSection(
    'Probe',
    'node --import tsx bench/probe.ts',
    [
      {
        benchmark: `probe a ${SIZE / 1024 ** 3} GiB MP4, moov (${kib(moov.length)}) at the end: bytes read`,
        ours: `${kib(Math.max(...bytes))} in ${first.reads} reads`,
        baseline: `ffprobe ${kib(ffprobeBytes)}`,
        ratio: `${(Math.max(...bytes) / ffprobeBytes).toFixed(2)}×`,
        target: '≤ 1024 KiB',
        pass: Math.max(...bytes) <= 1024 * 1024,
      },
      {
        benchmark: '… time',
        ours: `${median(times.ours).toFixed(2)} ms (${spread(times.ours)})`,
        baseline: `\`ffprobe -show_format\` ${median(times.ffprobe).toFixed(2)} ms (${spread(times.ffprobe)})`,
        ratio: `${timeRatio.toFixed(3)}×`,
        target: '< 1× ffprobe',
        pass: timeRatio < 1,
      },
    ],
    `Median of ${ROUNDS} rounds after a warm-up of each, alternating which side goes first; the file is a sparse ${SIZE / 1024 ** 3} GiB file in ${tmpdir()} (page-cached after the first run). Ours is \`probeContainer(blobReader(await openAsBlob(path)))\` in this process, timed from \`openAsBlob\`; ffprobe (\`-v error -show_format\`) is a whole process, so most of its time is its start-up, not its reading. Both report the same duration (${expected} s, checked). ffprobe's bytes are libavformat's own count (\`-v debug\` statistics), taken from a separate run.`,
  )
} finally {
  await rm(dir, { recursive: true, force: true })
}
