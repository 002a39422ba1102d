/**
 * Regression tests for what a red-team pass found in compose: user text injecting filter-graph syntax, and small
 * files (a Lottie, a zip) that made compose write unbounded data. Each test fails without its fix.
 */
import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateRawSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors'
import { Background, Composition, Cutout, EncoderProfile, FFmpegError, SizeMode } from '../../src/node/compose/index'
import { filterValue } from '../../src/node/compose/filter-text'
import { LOTTIE_LIMITS, lottieFrames } from '../../src/node/compose/lottie'
import { extractZipEntry, ZIP_LIMITS, zipEntries } from '../../src/node/compose/zip'
import { RESULT_FILES } from '../../src/testing/fixtures/results'
import { rejection } from '../kit'

let dir: string
let webm: string
let count = 0
/** A new empty directory for one test. */
async function folder(): Promise<string> {
  const path = join(dir, String(count++))
  await mkdir(path)
  return path
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-compose-security-'))
  webm = join(dir, 'cut.webm')
  await writeFile(webm, Buffer.from(RESULT_FILES['webm_vp9.webm'], 'base64'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** A 64×64 composition of the fixture cut-out, 8×8 pixels, placed by `x` and `y`. */
function placed(x: string, y: string): Composition {
  const composition = new Composition(Background.fromColor('#0000FF', 64, 64, 10)).setDuration(0.1)
  composition.add(Cutout.fromWebmVp9(webm)).size(SizeMode.PX, { width: 8, height: 8 }).xy(x, y)
  return composition
}

const graphOf = (argv: string[]) => argv[argv.indexOf('-filter_complex') + 1] ?? ''

/** Every character that means something to ffmpeg's filter-graph parsers, alone and in combination. */
const HOSTILE = [
  '0:enable=0',
  "it's",
  'back\\slash',
  'x,y;z',
  '[in][out]',
  "'\\''",
  '  spaced  ',
  'a=b',
  "\\'",
  'tab\there',
  "1'[x];[y]nullsink,split:",
]

describe('user text in the filter graph', () => {
  it('keeps an xy expression with ":enable=0" inside the value of x', async () => {
    const argv = await placed('0:enable=0', '0').dryRun()
    expect(graphOf(argv)).toContain(`overlay=x='0\\:enable\\=0':y='0':eof_action=pass`)
  })

  it.each([
    ['an injected option', '0:enable=0'],
    ['every metacharacter', HOSTILE.join('')],
  ])('makes ffmpeg read an xy expression holding %s whole, as the expression of x', async (_, x) => {
    const error = await rejection(placed(x, '0').toFile(join(await folder(), 'out.mov'), EncoderProfile.prores4444()))
    expect(error).toBeInstanceOf(FFmpegError)
    expect((error as FFmpegError).stderr).toContain(`Error when evaluating the expression '${x}' for x`)
  })

  it('brings text holding every filter-graph metacharacter to an ffmpeg option as its literal value', () => {
    // The metadata filter stores a string option and prints it back: a faithful witness of what ffmpeg parsed.
    const chain = [
      ...HOSTILE.map((text, index) => `metadata=mode=add:key=k${index}:value=${filterValue(text)}`),
      'metadata=mode=print',
    ].join(',')
    const args = ['-hide_banner', '-v', 'info', '-f', 'lavfi', '-i', 'nullsrc=s=16x16:d=0.04', '-vf', chain, '-f', 'null', '-']
    const { stderr, status } = spawnSync('ffmpeg', args, { encoding: 'utf8' })
    expect(status, stderr).toBe(0)
    const printed = new Map([...stderr.matchAll(/\] (k\d+)=(.*)$/gm)].map((match) => [match[1], match[2]]))
    expect(HOSTILE.map((_, index) => printed.get(`k${index}`))).toEqual(HOSTILE)
  })

  it('refuses an opacity or a key that is not a number, which could carry filter text in its toString', () => {
    const sneaky = { valueOf: () => 0.5, toString: () => '1:enable=0' } as unknown as number
    const layer = placed('0', '0').layers[0]!
    expect(() => layer.opacity(sneaky)).toThrow(ValidationError)
    expect(() => Cutout.fromGreenScreen(webm, { similarity: sneaky })).toThrow(ValidationError)
    expect(() => Cutout.fromGreenScreen(webm, { blend: sneaky })).toThrow(ValidationError)
  })
})

/** A Lottie of image layers, as the API writes them, with the layers' `ip`/`op` given. */
async function lottie(fr: number, layers: { ip?: unknown; op?: unknown }[]): Promise<string> {
  const path = join(await folder(), 'animation.json')
  const animation = {
    fr,
    assets: [{ id: 'i', p: 'data:image/png;base64,AAAA' }],
    layers: layers.map((layer) => ({ ty: 2, refId: 'i', ...layer })),
  }
  await writeFile(path, JSON.stringify(animation))
  return path
}

describe('Lottie frame limits', () => {
  it('refuses a 100,000-frame Lottie of a few hundred bytes before writing a frame', async () => {
    const path = await lottie(30, [{ ip: 0, op: 100_000 }])
    expect((await stat(path)).size).toBeLessThan(300)
    const frames = await folder()
    const error = await rejection(lottieFrames(path, frames))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toMatch(/asks for 100000 frames at 30 fps; compose plays Lottie files of at most 36000 frames and 10 minutes/)
    expect(await readdir(frames)).toEqual([])
  })

  it('refuses a Lottie under 10 minutes that still holds more than the frame limit', async () => {
    const path = await lottie(1000, [{ ip: 0, op: LOTTIE_LIMITS.maxFrames + 1 }])
    const frames = await folder()
    expect(await rejection(lottieFrames(path, frames))).toBeInstanceOf(ValidationError)
    expect(await readdir(frames)).toEqual([])
  })

  it('refuses a Lottie whose layer times are not numbers', async () => {
    const frames = await folder()
    const error = await rejection(lottieFrames(await lottie(30, [{ ip: 0, op: '100000' }]), frames))
    expect(error.message).toMatch(/numeric ip and op/)
    expect(await readdir(frames)).toEqual([])
  })

  it('refuses an oversized Lottie through the public API too', async () => {
    const composition = new Composition(Background.fromColor('#000000', 64, 64, 10))
    composition.add(Cutout.fromLottie(await lottie(30, [{ ip: 0, op: 100_000 }])))
    await expect(composition.dryRun()).rejects.toThrow(/compose plays Lottie files of at most/)
  })
})

interface ZipFile {
  name: string
  data?: Buffer
  /** Deflate `data` (default: store it). */
  deflate?: boolean
  /** The uncompressed size to declare, true or not (default: the real one). */
  declaredSize?: number
}

/** A zip archive, written by hand so that its headers can lie. CRCs are left at 0: compose does not check them. */
function zip(files: ZipFile[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const { name, data = Buffer.alloc(0), deflate = false, declaredSize = data.length } of files) {
    const body = deflate ? deflateRawSync(data) : data
    const nameBytes = Buffer.from(name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(deflate ? 8 : 0, 8)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(declaredSize, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(deflate ? 8 : 0, 10)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(declaredSize, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, body)
    centrals.push(central, nameBytes)
    offset += 30 + nameBytes.length + body.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(files.length, 8)
  end.writeUInt16LE(files.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

async function zipFile(files: ZipFile[]): Promise<string> {
  const path = join(await folder(), 'archive.zip')
  await writeFile(path, zip(files))
  return path
}

/** dryRun of a composition of `cutout`: resolving it extracts what it needs. */
function resolve(cutout: Cutout): Promise<string[]> {
  const composition = new Composition(Background.fromColor('#000000', 64, 64, 10))
  composition.add(cutout)
  return composition.dryRun()
}

describe('zip limits', () => {
  it('refuses a zip of more entries than the limit before extracting any', async () => {
    const files = Array.from({ length: ZIP_LIMITS.maxEntries + 1 }, (_, index) => ({ name: `f/${index}.png` }))
    const error = await rejection(resolve(Cutout.fromPngSequence(await zipFile(files))))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toMatch(/beyond compose's zip limits: it holds 36001 entries, and compose reads at most 36000/)
  })

  it('refuses an entry that declares more than the limit for one entry, before inflating it', async () => {
    const path = await zipFile([
      { name: 'color.mp4', data: Buffer.from('tiny'), deflate: true, declaredSize: ZIP_LIMITS.maxEntryBytes + 1 },
      { name: 'alpha.mp4', data: Buffer.from('tiny') },
    ])
    const error = await rejection(resolve(Cutout.fromProBundleZip(path)))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toMatch(/color\.mp4 inflates to 2147483649 bytes, and compose takes at most 2147483648 an entry/)
  })

  it('refuses entries that together declare more than the total limit, before inflating any', async () => {
    const large = Math.floor(ZIP_LIMITS.maxEntryBytes * 0.9)
    const path = await zipFile(
      ['color.mp4', 'alpha.mp4', 'audio.m4a'].map((name) => ({ name, data: Buffer.from('x'), deflate: true, declaredSize: large })),
    )
    const error = await rejection(resolve(Cutout.fromProBundleZip(path)))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toMatch(/inflate to more than 4294967296 bytes in all/)
  })

  it('stops inflating an entry at its declared size when its header lies', async () => {
    const path = await zipFile([{ name: 'color.mp4', data: Buffer.alloc(32 << 20), deflate: true, declaredSize: 1000 }])
    expect((await stat(path)).size).toBeLessThan(64 << 10)
    const [entry] = await zipEntries(path)
    const target = join(await folder(), 'color.mp4')
    const error = await rejection(extractZipEntry(path, entry!, target))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toMatch(/color\.mp4 inflates to more than the 1000 bytes it declares/)
    expect((await stat(target)).size).toBeLessThanOrEqual(1000)
  })

  it('refuses a lying pro bundle through the public API too', async () => {
    const path = await zipFile([
      { name: 'color.mp4', data: Buffer.alloc(8 << 20), deflate: true, declaredSize: 1000 },
      { name: 'alpha.mp4', data: Buffer.from('x') },
    ])
    await expect(resolve(Cutout.fromProBundleZip(path))).rejects.toThrow(/inflates to more than the 1000 bytes it declares/)
  })
})

describe('what ffmpeg is allowed to read', () => {
  it('a cut-out that is a playlist dressed as a .webm is refused, and the file it names is never read', async () => {
    const secret = join(dir, 'private.mp4')
    spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=10', '-t', '1', '-y', secret])
    const evil = join(dir, 'evil.webm')
    await writeFile(evil, `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n${secret}\n#EXT-X-ENDLIST\n`)
    const composition = new Composition(Background.fromColor('#000000', 64, 64, 10))
    composition.add(Cutout.fromFile(evil))
    const output = join(dir, 'playlist.mp4')
    const error = await rejection(composition.toFile(output, EncoderProfile.h264()))
    expect(error).toBeInstanceOf(FFmpegError)
    expect(error.message).toContain('Format not on whitelist')
    expect((await readdir(dir)).filter((name) => name.startsWith('playlist'))).toEqual([])
  })
})
