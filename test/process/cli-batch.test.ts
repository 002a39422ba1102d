import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeVideos } from '../kit/batch'
import { useCli } from '../kit/cli'

const { vbr, fake, dir } = useCli()

/** A directory of `count` distinct 4-second videos (4 credits each), inside the CLI's directory. */
async function videos(name: string, count: number): Promise<string> {
  await makeVideos(join(dir(), name), count)
  return name
}

const starts = (server: Awaited<ReturnType<typeof fake>>) => server.api.requests.filter((entry) => entry.endpoint === 'startJob')

describe('vbr batch', () => {
  it('processes the videos of a directory into -o, a line per result on a pipe, a summary, exit 0', async () => {
    const server = await fake({ resultSize: 2048 })
    const run = await vbr(['batch', await videos('three', 3), '-o', 'three-out'], { server })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('3 inputs: 3 to start')
    expect(run.stderr).toContain('estimated 12 credits')
    expect(run.stderr.match(/^✓ .+video-\d\.mp4: done → .+-nobg\.webm$/gm)).toHaveLength(3)
    expect(run.stderr).toMatch(/^done {5}3$/m)
    expect((await readdir(join(dir(), 'three-out'))).filter((file) => !file.startsWith('.')).sort()).toEqual([
      'video-1-nobg.webm',
      'video-2-nobg.webm',
      'video-3-nobg.webm',
    ])
  })

  it('--json prints one JSON line per input, then a summary line', async () => {
    const server = await fake({ resultSize: 2048 })
    const run = await vbr(['batch', await videos('json', 2), '-o', 'json-out', '--json'], { server })
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.slice(0, 2).map((line) => line.state)).toEqual(['done', 'done'])
    expect(lines[2].summary).toMatchObject({ inputs: 2, done: 2, failed: 0, exitCode: 0 })
  })

  it('--dry-run prints the plan (inputs, credits, time the start limit implies) and creates nothing', async () => {
    const server = await fake()
    const run = await vbr(['batch', await videos('dry', 7), '-o', 'dry-out', '--dry-run'], { server })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('7 inputs: 7 to start')
    expect(run.stdout).toContain('estimated 28 credits; 1000 left')
    expect(run.stdout).toContain('the start limit (3 per 1m00s) alone takes 2m00s')
    expect(server.api.requests.map((entry) => entry.endpoint)).toEqual(['credits'])
  })

  it('--max-credits refuses the batch before any upload, with exit code 4', async () => {
    const server = await fake()
    const run = await vbr(['batch', await videos('max', 3), '-o', 'max-out', '--max-credits', '10'], { server })
    expect(run.code).toBe(4)
    expect(run.stderr).toContain('need 12 credits')
    expect(server.api.requests).toEqual([])
  })

  it('exits 10 when an input failed, having done the others, and names it in the summary', async () => {
    await mkdir(join(dir(), 'mixed'), { recursive: true })
    await writeFile(join(dir(), 'mixed', 'broken.mp4'), 'not a video, and the fake fails it')
    await makeVideos(join(dir(), 'mixed'), 1)
    const run = await vbr(['batch', 'mixed', '-o', 'mixed-out'])
    expect(run.code, run.stderr).toBe(10)
    expect(run.stderr).toMatch(/^failed {3}1$/m)
    expect(run.stderr).toMatch(/^✗ .+broken\.mp4: Could not decode the video/m)
  })

  it('Ctrl-C leaves the journal consistent and prints the command that resumes; that command finishes with no second start', async () => {
    // The fake's clock stands still while the batch is interrupted: the jobs are processing, not done.
    let clock = Date.now()
    const server = await fake({ resultSize: 2048, processingMs: 1_000, now: () => clock })
    const folder = await videos('stop', 3)
    const first = await vbr(['batch', folder, '-o', 'stop-out'], { server, interruptWhen: () => starts(server).length === 3 })
    expect(first.code).toBe(130)
    const resume = /resume with:\n {2}(vbr .+)$/m.exec(first.stderr)?.[1]
    expect(resume).toBe(`vbr batch ${folder} -o stop-out`)
    clock += 2_000
    const second = await vbr(resume!.split(' ').slice(1), { server })
    expect(second.code, second.stderr).toBe(0)
    expect(starts(server)).toHaveLength(3)
    expect(new Set(starts(server).map((entry) => entry.jobId)).size).toBe(3)
  })

  it('needs -o (usage, exit code 2)', async () => {
    const run = await vbr(['batch', 'nothing'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('vbr batch needs -o <dir>')
  })
})
