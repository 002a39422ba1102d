import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Video, VideoBGRemoverClient } from '../../src/node/index'
import { FAKE_API_KEY, fakeResultFile, startFakeServer } from '../../src/testing/node'
import { until } from '../kit'

/** A job submitted in this process and finished in another, from what `job.toJSON()` gave. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TSX = join(ROOT, 'node_modules/tsx/dist/loader.mjs')
const SDK = join(ROOT, 'src/node/index.ts')

// The other process: rebuild the job from its JSON, wait for the result and save it.
const FINISH = `
const [sdk, baseUrl, stored, output] = process.argv.slice(2)
const { VideoBGRemoverClient } = await import(sdk)
const client = new VideoBGRemoverClient(process.env.VIDEOBGREMOVER_API_KEY, { baseUrl })
const foreground = await client.job(JSON.parse(stored)).result({ pollSeconds: 0.02 })
await foreground.save(output)
console.log(JSON.stringify(foreground))
`

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-jobs-'))
  await writeFile(join(dir, 'finish.mts'), FINISH)
})
afterAll(() => rm(dir, { recursive: true, force: true }))

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, VIDEOBGREMOVER_API_KEY: FAKE_API_KEY }
    const child = spawn(process.execPath, ['--import', TSX, join(dir, 'finish.mts'), ...args], { env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('a job across processes', () => {
  it('submit here, then client.job(json).result() in another process: the result, with one create and one start', async () => {
    let clock = Date.now()
    await using server = await startFakeServer({ now: () => clock, processingMs: 1_000 })
    const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })
    const job = await Video.open(new Blob([new Uint8Array(20_000).fill(3)]), { filename: 'clip.mp4' }).submit({
      client,
      options: { prefer: 'mov_prores' },
    })
    const submitted = server.api.requests.length
    const output = join(dir, 'result.mov')

    const finishing = run([SDK, server.url, JSON.stringify(job), output])
    await until(() => server.api.requests.filter((entry) => entry.endpoint === 'status').length >= 2)
    clock += 1_000 // the job completes once the other process is polling
    const finished = await finishing

    expect(finished.code, finished.stderr).toBe(0)
    expect(JSON.parse(finished.stdout)).toMatchObject({ jobId: job.id, format: 'mov_prores', source: 'clip.mp4' })
    expect(new Uint8Array(await readFile(output))).toEqual(fakeResultFile('video.mov', 'mov_prores'))
    const theirs = new Set(server.api.requests.slice(submitted).map((entry) => entry.endpoint))
    expect(theirs).toEqual(new Set(['status', 'download']))
    expect(server.api.requests.filter((entry) => entry.endpoint === 'createJob')).toHaveLength(1)
    expect(server.api.startsFor(job.id)).toBe(1)
  })
})
