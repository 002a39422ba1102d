/**
 * `vbr compose` and `vbr remove --on`: the bundled CLI, spawned, with a real ffmpeg, against fake API servers in this
 * process, one test at a time (each runs several ffmpegs). Each run gets a TMPDIR of its own, so that a test can see
 * that the temporary files were removed.
 */
import { execFile, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { CLI, clientFor, envFor, json, SAMPLE, useCli, type Run, type RunOptions } from '../kit/cli'
import { Video } from '../../src/node/index'
import { RESULT_FILES } from '../../src/testing/fixtures/results'

const exec = promisify(execFile)
const { vbr: run, fake, dir: folder } = useCli()
let dir: string
/** In every frame of the fixture cut-out (64×64): inside the red square, and in a corner it never reaches. */
const PERSON = [24, 32] as const
const CORNER = [2, 2] as const
const RED = [255, 0, 0]
const BLUE = [0, 0, 255]
const GREEN = [0, 255, 0]

beforeAll(async () => {
  dir = folder()
  await writeFile(join(dir, 'cut.webm'), Buffer.from(RESULT_FILES['webm_vp9.webm'], 'base64'))
  await writeFile(join(dir, 'notes.txt'), 'not a picture')
  await ffmpeg(['-f', 'lavfi', '-i', 'color=c=blue:s=96x64', '-frames:v', '1', join(dir, 'beach.png')])
  await ffmpeg(['-f', 'lavfi', '-i', 'color=c=yellow:s=80x48:r=25:d=2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(dir, 'street.mp4')])
})

async function ffmpeg(args: string[]): Promise<Buffer> {
  return (await exec('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'buffer', maxBuffer: 64 << 20 })).stdout
}

/** `vbr args` with a TMPDIR of its own; `leftovers` lists what the run left in it. */
async function vbr(args: string[], options: RunOptions = {}): Promise<Run & { leftovers: string[] }> {
  const tmp = await mkdtemp(join(dir, 'tmp-'))
  const result = await run(args, { ...options, env: { TMPDIR: tmp, ...options.env } })
  return { ...result, leftovers: await readdir(tmp) }
}

/** What ffprobe says of a file's first video stream, and its duration in seconds. */
async function probe(file: string): Promise<{ codec_name: string; width: number; height: number; duration: number }> {
  const { stdout } = await exec('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,width,height:format=duration',
    '-of',
    'json',
    join(dir, file),
  ])
  const { streams, format } = JSON.parse(stdout) as {
    streams: { codec_name: string; width: number; height: number }[]
    format: { duration: string }
  }
  return { ...streams[0]!, duration: Number(format.duration) }
}

/** The RGB of pixel (x, y) of the first frame of `file`. */
async function pixel(file: string, [x, y]: readonly [number, number]): Promise<number[]> {
  const { width } = await probe(file)
  const rgb = await ffmpeg(['-i', join(dir, file), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'])
  return [...rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)]
}

/** Each channel within 24 of `expected` (H.264 and VP9 are lossy). */
function near(actual: number[], expected: number[]): boolean {
  return actual.length === 3 && actual.every((value, index) => Math.abs(value - (expected[index] ?? 0)) <= 24)
}

describe('vbr compose', () => {
  it('-o - streams a video that ffprobe, reading the pipe, sees at the cut-out’s size', async () => {
    const vbr = spawn(process.execPath, [CLI, 'compose', 'cut.webm', '--on', '#00ff00', '-o', '-'], { cwd: dir, env: envFor(undefined) })
    const ffprobe = spawn('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,height', '-of', 'json', '-'])
    // If ffprobe stops reading early, vbr's output is drained here rather than left blocking it.
    ffprobe.stdin.on('error', () => vbr.stdout.resume())
    vbr.stdout.pipe(ffprobe.stdin)
    let report = ''
    let stderr = ''
    ffprobe.stdout.on('data', (chunk) => (report += chunk))
    vbr.stderr.on('data', (chunk) => (stderr += chunk))
    const [vbrCode, ffprobeCode] = await Promise.all([
      new Promise((resolve) => vbr.on('close', resolve)),
      new Promise((resolve) => ffprobe.on('close', resolve)),
    ])
    expect(vbrCode, stderr).toBe(0)
    expect(ffprobeCode).toBe(0)
    expect(JSON.parse(report).streams).toEqual([{ codec_type: 'video', codec_name: 'h264', width: 64, height: 64 }])
    expect(stderr).toMatch(/^wrote [\d.]+ k?B of mp4 to stdout$/m)
  })

  it('onto an image, writes a file at the image’s size, named after both', async () => {
    const composed = await vbr(['compose', 'cut.webm', '--on', 'beach.png'])
    expect(composed.code, composed.stderr).toBe(0)
    expect(composed.stdout).toBe(`${join(dir, 'cut-on-beach.mp4')}\n`)
    expect(await probe('cut-on-beach.mp4')).toMatchObject({ codec_name: 'h264', width: 96, height: 64 })
    expect(near(await pixel('cut-on-beach.mp4', CORNER), BLUE)).toBe(true)
    expect(composed.leftovers).toEqual([])
  })

  it('onto a video, writes a file at the video’s size that lasts as long as the person', async () => {
    const composed = await vbr(['compose', 'cut.webm', '--on', 'street.mp4', '-o', 'street/', '--format', 'webm', '--json'])
    expect(composed.code, composed.stdout).toBe(0)
    expect(json(composed)).toMatchObject({
      output: join(dir, 'street/cut-on-street.webm'),
      outputFormat: 'webm',
      bytes: expect.any(Number),
    })
    const video = await probe('street/cut-on-street.webm')
    expect(video).toMatchObject({ codec_name: 'vp9', width: 80, height: 48 })
    expect(video.duration).toBeCloseTo(1, 1)
  })

  it('onto a colour, takes the cut-out’s size, and places the person with --size and --at', async () => {
    const composed = await vbr(['compose', 'cut.webm', '--on', '0000ff', '--size', '50%', '--at', 'bottom-right', '-o', 'placed.mp4'])
    expect(composed.code, composed.stderr).toBe(0)
    expect(await probe('placed.mp4')).toMatchObject({ width: 64, height: 64 })
    // Half size in the bottom-right quarter: the square's (24, 32) is now at (32 + 12, 32 + 16).
    expect(near(await pixel('placed.mp4', [44, 48]), RED)).toBe(true)
    expect(near(await pixel('placed.mp4', PERSON), BLUE)).toBe(true)
    expect(near(await pixel('placed.mp4', CORNER), BLUE)).toBe(true)
  })

  it('of a job id, downloads the job’s result first into a temporary file, removed at the end', async () => {
    const server = await fake()
    const client = clientFor(server)
    const { jobId } = await Video.open(SAMPLE).removeBackground({ client, options: { prefer: 'webm_vp9' }, pollSeconds: 0.05 })
    const composed = await vbr(['compose', jobId, '--on', '#00ff00', '-o', 'job.mp4'], { server })
    expect(composed.code, composed.stderr).toBe(0)
    expect(composed.stderr).toContain(`downloading ${jobId}.webm`)
    expect(server.api.requests.filter((entry) => entry.endpoint === 'download' && entry.jobId === jobId).length).toBeGreaterThan(0)
    expect(near(await pixel('job.mp4', PERSON), RED)).toBe(true)
    expect(near(await pixel('job.mp4', CORNER), GREEN)).toBe(true)
    expect(composed.leftovers).toEqual([])
  })

  it('on a terminal (script(1)), draws a progress bar over seconds of video, then the time it took', async () => {
    expect(spawnSync('script', ['--version']).status, 'script(1) from util-linux is needed for the pseudo-terminal test').toBe(0)
    const command = [process.execPath, CLI, 'compose', 'cut.webm', '--on', '#00ff00', '-o', 'tty.mp4'].map((part) => `'${part}'`).join(' ')
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: dir, env: envFor(undefined) })
      let stdout = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.on('error', reject)
      child.on('close', () => resolve(stdout))
    })
    expect(output).toContain('\r\x1b[2KComposing tty.mp4 [')
    expect(output).toMatch(/Composing tty\.mp4 \[[█░]+\] +\d+% {2}[\d.]+\/[\d.]+ s of video/)
    expect(output).toMatch(/✓ Composed tty\.mp4 \(1\.0 s of video\) in \d+\.\d s/)
  })
})

describe('vbr remove --on', () => {
  it('removes the background, then composes: one progress view, the background where the mask is transparent', async () => {
    const server = await fake()
    const removed = await vbr(['remove', 'sample.mp4', '--on', 'beach.png', '--poll', '0.05'], { server })
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toBe(`${join(dir, 'sample-on-beach.mp4')}\n`)
    const stages = [
      /^uploading sample\.mp4/m,
      /: completed \(/,
      /^downloading sample-nobg\.webm$/m,
      /^composing sample-on-beach\.mp4$/m,
      /^composed 1\.0 s of video/m,
    ]
    const at = stages.map((stage) => removed.stderr.search(stage))
    expect(
      at.every((index) => index >= 0),
      removed.stderr,
    ).toBe(true)
    expect(at).toEqual([...at].sort((a, b) => a - b))
    expect(server.api.requests.find((entry) => entry.endpoint === 'startJob')?.body).toMatchObject({
      background: { type: 'transparent', transparent_format: 'webm_vp9' },
    })
    // The 64×64 person, contained in the 96×64 image and standing on its bottom edge, centred: 16 px in.
    expect(near(await pixel('sample-on-beach.mp4', [PERSON[0] + 16, PERSON[1]]), RED)).toBe(true)
    expect(near(await pixel('sample-on-beach.mp4', CORNER), BLUE)).toBe(true)
    expect(near(await pixel('sample-on-beach.mp4', [93, 60]), BLUE)).toBe(true)
    expect(removed.leftovers).toEqual([])
    expect(await readdir(dir)).not.toContain('sample-nobg.webm')
  })

  it('with --keep, keeps the cut-out beside the output and names it in the JSON', async () => {
    const server = await fake()
    const removed = await vbr(['remove', 'sample.mp4', '--on', '#0000ff', '--keep', '-o', 'kept/', '--json', '--poll', '0.05'], { server })
    expect(removed.code, removed.stdout).toBe(0)
    expect(json(removed)).toMatchObject({
      jobId: expect.any(String),
      format: 'webm_vp9',
      cutout: join(dir, 'kept/sample-nobg.webm'),
      output: join(dir, 'kept/sample-on-0000ff.mp4'),
      outputFormat: 'mp4',
    })
    expect(await readdir(join(dir, 'kept'))).toEqual(['sample-nobg.webm', 'sample-on-0000ff.mp4'])
  })

  it('without ffmpeg (FFMPEG_PATH pointing nowhere), says how to install it and exits 2 before the API is asked', async () => {
    const server = await fake()
    const env = { FFMPEG_PATH: join(dir, 'nowhere', 'ffmpeg') }
    const [removed, composed] = await Promise.all([
      vbr(['remove', 'sample.mp4', '--on', '#00ff00'], { server, env }),
      vbr(['compose', 'cut.webm', '--on', '#00ff00', '--json'], { server, env }),
    ])
    expect(removed.code).toBe(2)
    expect(removed.stderr).toContain(`Composing needs ffmpeg and ffprobe: FFMPEG_PATH is set to "${env.FFMPEG_PATH}"`)
    expect(removed.stderr).toContain('apt-get install ffmpeg')
    expect(removed.stderr).toContain('brew install ffmpeg')
    expect(json(composed).error).toMatchObject({ exitCode: 2, message: expect.stringContaining('apt-get install ffmpeg') })
    expect(server.api.requests).toHaveLength(0)
  })

  it('refuses a bad --on, --size or --at with exit code 2 before the API is asked', async () => {
    const server = await fake()
    const runs = await Promise.all(
      [
        ['--on', '#12345'],
        ['--on', 'missing.jpg'],
        ['--on', 'notes.txt'],
        ['--on', 'beach.png', '--size', 'big'],
        ['--on', 'beach.png', '--at', 'somewhere'],
      ].map((flags) => vbr(['remove', 'sample.mp4', ...flags], { server })),
    )
    for (const refused of runs) expect(refused.code, refused.stderr).toBe(2)
    expect(runs[1]!.stderr).toBe('vbr: --on missing.jpg does not exist: --on takes a #RRGGBB colour, or an image or video file or URL.\n')
    expect(runs[2]!.stderr).toContain('--on notes.txt is neither an image nor a video ffmpeg can read')
    expect(server.api.requests).toHaveLength(0)
    for (const refused of runs) expect(refused.stderr).not.toContain('undefined')
  })
})
