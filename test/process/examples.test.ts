/**
 * Runs every example as a user would (node --import tsx examples/x.ts) against the offline fake API, so none
 * rots. The browser example is driven through its server: the page, the SDK bundle and a proxied API call.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TSX = join(ROOT, 'node_modules/tsx/dist/loader.mjs')
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'

/** The environment of a user without a key: the examples must pick the offline fake. */
const ENV: NodeJS.ProcessEnv = { ...process.env }
delete ENV.VIDEOBGREMOVER_API_KEY
delete ENV.VIDEOBGREMOVER_BASE_URL

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-examples-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

function start(script: string, args: string[] = [], env: NodeJS.ProcessEnv = ENV): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, join(ROOT, 'examples', script), ...args], { cwd: ROOT, env })
}

/** Runs an example to its end; it must exit by itself. */
function example(script: string, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = start(script, args)
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk) => (stdout += chunk))
    child.stderr!.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe.concurrent('examples against the offline fake API', () => {
  it('quickstart (npm run demo) says it is offline, writes the result and prints the job', async () => {
    const out = join(dir, 'demo-out')
    const run = await example('quickstart.ts', [out])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('Offline demo: using the fake API at http://127.0.0.1:')
    expect(run.stdout).toMatch(/^status: processing/m)
    expect(run.stdout).toMatch(/^status: completed/m)
    const written = /^Result written to (.+\.webm) \((\d+) bytes\)$/m.exec(run.stdout)
    expect(written?.[1]).toMatch(new RegExp(`^${out}/sample-[0-9a-f]{8}\\.webm$`))
    expect((await stat(written![1]!)).size).toBe(Number(written![2]))
    expect(run.stdout).toMatch(new RegExp(`job id: +${UUID}`))
    expect(run.stdout).toMatch(/seconds\/credits used: 4/)
    expect(run.stdout).toMatch(/credits left: +996/)
  })

  it('low-level calls every client method in order, one job per background kind', async () => {
    const run = await example('low-level.ts')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^credits {2}→ 1000 of 1000 left/m)
    for (const kind of ['transparent', 'color', 'composition']) expect(run.stdout).toContain(`— ${kind} background —`)
    expect(run.stdout.match(/^upload {3}→ 200, \d+ bytes$/gm)).toHaveLength(3)
    expect(run.stdout.match(/^startJob → processing, 4 credits$/gm)).toHaveLength(3)
    expect(run.stdout.match(/^wait {5}→ completed/gm)).toHaveLength(3)
    expect(run.stdout).toMatch(/wait {5}→ completed, webm_vp9 output at .+\/video\.webm$/m)
    expect(run.stdout).toContain('webhookDeliveries → 2: job.started, job.completed')
    expect(run.stdout).toMatch(new RegExp(`^createJobUrl → ${UUID} \\(uploaded\\)$`, 'm'))
    expect(run.stdout.match(/^deleteJob → .+: Job deleted$/gm)).toHaveLength(4)
  })

  it('error-handling triggers and handles every error class', async () => {
    const run = await example('error-handling.ts')
    expect(run.code, run.stdout).toBe(0)
    const classes = [
      'ValidationError',
      'AuthenticationError',
      'InsufficientCreditsError',
      'JobNotFoundError',
      'RateLimitError',
      'ProcessingError',
      'ApiError',
      'ConnectionError',
      'TimeoutError',
      'AbortError',
    ]
    for (const name of classes) expect(run.stdout).toMatch(new RegExp(`^✓ ${name}: `, 'm'))
    expect(run.stdout).not.toContain('✗')
    expect(run.stdout).toContain('retry in 7000 ms')
    expect(run.stdout).toMatch(new RegExp(`job ${UUID} failed \\(no credits used\\): Could not decode the video`))
  })

  it('abort-and-timeout shows per-call and wait timeouts, resuming, cancelling and a deadline', async () => {
    const run = await example('abort-and-timeout.ts')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^1\. per-call timeout: GET \/v1\/credits.* timed out after 150 ms$/m)
    expect(run.stdout).toMatch(new RegExp(`2\\. wait timeout: job (${UUID}) still running; waiting again…\\n {3}job \\1 completed`))
    expect(run.stdout).toMatch(new RegExp(`3\\. aborted \\(cancelled by the user\\); job ${UUID} left behind, deleting it`))
    expect(run.stdout).toMatch(new RegExp(`4\\. deadline passed \\(TimeoutError\\); job ${UUID} was started`))
  })

  it('resume: a worker killed mid-wait, its job finished by a new process from the stored id, started once', async () => {
    const run = await example('resume.ts')
    expect(run.code, run.stderr).toBe(0)
    const jobId = new RegExp(`^\\[work\\] job (${UUID}) created; its id is kept in `, 'm').exec(run.stdout)?.[1]
    expect(jobId).toBeDefined()
    expect(run.stdout).toMatch(/^\[work\] status: processing$/m)
    expect(run.stdout).not.toContain('[work] finished')
    expect(run.stdout).toContain('worker killed while the job was processing')
    expect(run.stdout).toContain(`[resume] resuming job ${jobId}`)
    expect(run.stdout).toMatch(new RegExp(`^\\[resume\\] job ${jobId} completed; result saved to .+\\.webm$`, 'm'))
    expect(run.stdout).toContain('the fake API saw 1 job created and 1 start of it: charged once')
  })

  it('batch processes every video within the (time-scaled) rate limits, and a rerun skips them all', async () => {
    const out = join(dir, 'batch-out')
    const run = await example('batch.ts', [out])
    expect(run.code, run.stderr).toBe(0)
    const done = [...run.stdout.matchAll(/^\[(\d)\/8\] clip-0\d\.mp4 → job \S+ completed at ([\d.]+) s$/gm)]
    expect(done).toHaveLength(8)
    // 8 starts at 3 per 1 s window cannot all happen within the first two windows.
    expect(Math.max(...done.map((match) => Number(match[2])))).toBeGreaterThanOrEqual(2)
    expect(run.stdout).toMatch(/^8 of 8 videos done in [\d.]+ s; outputs and journal in /m)
    expect(run.stdout).toContain('server-side 429 responses: 0')
    expect((await readdir(out)).filter((file) => file.endsWith('-nobg.webm'))).toHaveLength(8)
    const again = await example('batch.ts', [out])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout.match(/^\[\d\/8\] clip-0\d\.mp4 → job \S+ skipped at /gm)).toHaveLength(8)
  })

  it('compose puts the result on a colour and on a video background with ffmpeg', async () => {
    const out = join(dir, 'compose-out')
    const run = await example('compose.ts', [out])
    expect(run.code, run.stderr).toBe(0)
    for (const name of ['on-colour.mp4', 'on-video.mp4']) {
      expect(run.stdout).toContain(`Written ${join(out, name)}`)
      expect((await stat(join(out, name))).size).toBeGreaterThan(0)
    }
  })

  it('webhook-receiver answers fast, de-duplicates, verifies and rejects forgeries', async () => {
    const run = await example('webhook-receiver.ts')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('api → job.started: 202')
    expect(run.stdout).toContain('api → job.completed: 202')
    expect(run.stdout).toContain('api → job.completed (retry): 202')
    expect(run.stdout).toMatch(new RegExp(`receiver: job ${UUID} started \\(now completed\\)`))
    expect(run.stdout.match(/receiver: job \S+ completed; result at http/g)).toHaveLength(1)
    expect(run.stdout).toMatch(/receiver: duplicate job\.completed for \S+; skipped/)
    expect(run.stdout).toContain('forged delivery: 401')
  })

  it('browser: the server serves the page, the SDK bundle and a keyless proxy to the API', async () => {
    const server = start('browser/server.ts', [], { ...ENV, PORT: '0' })
    try {
      let stdout = ''
      const origin = await new Promise<string>((resolve, reject) => {
        server.stdout!.on('data', (chunk) => {
          stdout += chunk
          const match = /Open (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout)
          if (match) resolve(match[1]!)
        })
        server.on('close', (code) => reject(new Error(`server exited with ${code}: ${stdout}`)))
      })
      expect(stdout).toContain('Using the offline fake API')

      const page = await fetch(`${origin}/`)
      expect(page.headers.get('content-type')).toContain('text/html')
      const html = await page.text()
      for (const part of ['<input type="file"', '<progress', '<video', 'src="/app.js"']) expect(html).toContain(part)
      const app = await (await fetch(`${origin}/app.js`)).text()
      expect(app).toContain("new VideoBGRemoverClient(undefined, { baseUrl: location.origin + '/api' })")

      const bundle = await fetch(`${origin}/sdk.js`)
      expect(bundle.headers.get('content-type')).toContain('javascript')
      const file = join(dir, 'sdk-bundle.mjs')
      await writeFile(file, new Uint8Array(await bundle.arrayBuffer()))
      // The page's client: no key; the proxy adds it.
      const sdk = (await import(pathToFileURL(file).href)) as typeof import('../../src/browser')
      const client = new sdk.VideoBGRemoverClient(undefined, { baseUrl: `${origin}/api` })
      expect(await client.credits()).toMatchObject({ totalCredits: 1000, remainingCredits: 1000 })
      const job = await client.createJobFile({ filename: 'clip.mp4', content_type: 'video/mp4' })
      expect(job.upload_url.startsWith(`${origin}/storage/upload/`)).toBe(true) // same origin as the page

      // Only the SDK's calls are forwarded with the key.
      for (const path of ['/api/v1/admin', '/api/v1/jobs/a%2F..%2Fcredits/start', '/api/v2/credits']) {
        expect((await fetch(origin + path)).status, path).toBe(404)
      }
    } finally {
      const exited = new Promise((resolve) => server.on('exit', resolve))
      server.kill('SIGTERM')
      expect(await exited).toBe(0)
    }
  })
})
