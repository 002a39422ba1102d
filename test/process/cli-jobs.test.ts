/** `vbr probe`, `vbr resume`, and what `vbr remove` does for jobs that survive (the job's id at once, the preflight). */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { until } from '../kit'
import { clientFor, json, SAMPLE, useCli, UUID } from '../kit/cli'
import { Video } from '../../src/node/index'

const { vbr, fake, dir: folder } = useCli()
let dir: string
beforeAll(() => {
  dir = folder()
})

describe.concurrent('vbr and jobs that survive', () => {
  it('remove names the job on stderr as soon as it exists, before the upload', async () => {
    const run = await vbr(['remove', 'sample.mp4', '-o', 'named.webm', '--poll', '0.05'])
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stderr.split('\n')
    expect(lines[0]).toMatch(new RegExp(`^job ${UUID.source} created$`))
    expect(lines[1]).toMatch(/^uploading sample\.mp4/)
  })

  it('probe: duration, container, size, credits and balance; JSON with --json; no key needed for the file', async () => {
    const server = await fake({ credits: 3 })
    const [plain, asJson, keyless] = await Promise.all([
      vbr(['probe', 'sample.mp4'], { server }),
      vbr(['probe', 'sample.mp4', '--json'], { server }),
      vbr(['probe', 'sample.mp4'], { env: { VIDEOBGREMOVER_API_KEY: undefined, VIDEOBGREMOVER_BASE_URL: undefined } }),
    ])
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).toBe(
      'file:      sample.mp4\ncontainer: mp4\nduration:  4.00 s\nsize:      320×240\ncredits:   4 (1 per started second)\nleft:      3 credits (not enough for this video)\n',
    )
    expect(json(asJson)).toEqual({
      file: join(dir, 'sample.mp4'),
      container: 'mp4',
      durationSeconds: 4,
      width: 320,
      height: 240,
      estimatedCredits: 4,
      remainingCredits: 3,
      enoughCredits: false,
    })
    expect(keyless.code, keyless.stderr).toBe(0)
    expect(keyless.stdout).toContain('credits:   4 (1 per started second)')
    expect(keyless.stdout).not.toContain('left:')
    expect(server.api.requests.map((entry) => entry.endpoint)).toEqual(['credits', 'credits'])
  })

  it('resume finishes a job interrupted while waiting, without a second create or start', async () => {
    let clock = Date.now()
    const server = await fake({ now: () => clock, processingMs: 1_000 })
    const statusReads = () => server.api.requests.filter((entry) => entry.endpoint === 'status').length
    const interrupted = await vbr(['remove', 'sample.mp4', '-o', 'resumed.webm', '--poll', '0.05'], {
      server,
      interruptWhen: () => statusReads() >= 2,
    })
    expect(interrupted.code).toBe(130)
    const jobId = new RegExp(`^job (${UUID.source}) created$`, 'm').exec(interrupted.stderr)![1]!
    expect(interrupted.stderr).toContain(`Finish it: vbr resume ${jobId} <video> -o <file>`)

    const before = statusReads()
    const resumed = vbr(['resume', jobId, '-o', 'resumed.webm', '--poll', '0.05'], { server })
    await until(() => statusReads() >= before + 2)
    clock += 1_000
    const run = await resumed
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toBe(`${join(dir, 'resumed.webm')}\n`)
    expect(server.api.requests.filter((entry) => entry.endpoint === 'createJob')).toHaveLength(1)
    expect(server.api.startsFor(jobId)).toBe(1)
  })

  it('resume of a job not started needs its video: a usage error without it, the start with it', async () => {
    const server = await fake()
    const { id } = await clientFor(server).createJobUrl({ video_url: 'https://example.com/talk.mp4' })
    const notStarted = await vbr(['resume', id, '--json'], { server })
    expect(notStarted.code).toBe(2)
    expect(json(notStarted).error.message).toBe(`Job ${id} has not started yet: pass its video to finish it, vbr resume ${id} <file>`)
    expect(server.api.startsFor(id)).toBe(0)

    const withVideo = await vbr(['resume', id, 'https://example.com/talk.mp4', '--poll', '0.05', '-f', 'gif'], { server })
    expect(withVideo.code, withVideo.stderr).toBe(0)
    expect(withVideo.stdout).toBe(`${join(dir, 'talk-nobg.gif')}\n`)
    expect(server.api.startsFor(id)).toBe(1)
    expect(server.api.job(id)?.background).toEqual({ type: 'transparent', transparent_format: 'gif' })
  })

  it('resume of a started job downloads its result, and can run again at no cost', async () => {
    const server = await fake()
    const job = await Video.open(SAMPLE).submit({ client: clientFor(server), options: { prefer: 'gif' } })
    const first = await vbr(['resume', job.id, '-o', 'again/', '--poll', '0.05'], { server })
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toBe(`${join(dir, 'again', `${job.id}.gif`)}\n`)
    const second = await vbr(['resume', job.id, 'sample.mp4', '-o', 'again/', '--json'], { server })
    expect(second.code, second.stdout).toBe(0)
    expect(json(second)).toMatchObject({ jobId: job.id, format: 'gif', output: join(dir, 'again', 'sample-nobg.gif') })
    expect(server.api.requests.filter((entry) => entry.endpoint === 'createJob')).toHaveLength(1)
    expect(server.api.startsFor(job.id)).toBe(1)
  })

  it('resume of a job whose upload never finished, in a new process: start over with a new job, nothing sent', async () => {
    const server = await fake()
    const { id } = await clientFor(server).createJobFile({ filename: 'sample.mp4', content_type: 'video/mp4' })
    const run = await vbr(['resume', id, 'sample.mp4'], { server })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('create a new job (an unstarted one costs nothing)')
    expect(run.stderr).toContain('Start over with a new job: vbr remove <video>.')
    expect(server.api.requests.filter((entry) => entry.endpoint === 'upload' || entry.endpoint === 'startJob')).toEqual([])
  })
})
