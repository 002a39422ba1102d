/**
 * Jobs that survive a crash: a worker starts a job, writes its id down the moment it exists (`onJobCreated`), and is
 * killed while it waits for processing. A new process resumes the job by id and gets the result, without a second
 * start: the credits are charged once.
 *
 *   npx tsx examples/resume.ts
 *
 * The script plays every part. Run as it is, it starts the worker (`resume.ts work <file>`) as a separate process,
 * kills it (SIGKILL: no cleanup, as in a crash or a deploy) once the job is processing, then runs
 * `resume.ts resume <file>` as another. Offline (no VIDEOBGREMOVER_API_KEY) the fake API lives in this first process,
 * and its clock stands still until the worker is gone, so the kill always lands mid-wait.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Video, VideoBGRemoverClient } from '@videobgremover/sdk'
import { FAKE_API_KEY } from '@videobgremover/sdk/testing'
import { connect, SAMPLE_VIDEO } from './lib/connect'

const [role, store] = process.argv.slice(2)
if (role === 'work') await work(store!)
else if (role === 'resume') await resume(store!)
else await main()

/** The workers' client: the key and base URL come from the environment (the first process's fake, offline). */
function client(): VideoBGRemoverClient {
  const baseUrl = process.env.VIDEOBGREMOVER_BASE_URL
  return new VideoBGRemoverClient(undefined, baseUrl ? { baseUrl } : {})
}

/** Starts a job and waits for it; its id is on disk before the first byte is uploaded. */
async function work(store: string): Promise<void> {
  await Video.open(SAMPLE_VIDEO).removeBackground({
    client: client(),
    onJobCreated: async (jobId) => {
      await writeFile(store, JSON.stringify({ jobId })) // a database row in a real service
      console.log(`job ${jobId} created; its id is kept in ${store}`)
    },
    onStatus: (status) => console.log(`status: ${status}`),
  })
  console.log('finished (not expected: this process is killed while it waits)')
}

/** Picks the job up where it is (upload, start or wait, as needed) and saves the result. */
async function resume(store: string): Promise<void> {
  const { jobId } = JSON.parse(await readFile(store, 'utf8')) as { jobId: string }
  console.log(`resuming job ${jobId}`)
  const foreground = await Video.open(SAMPLE_VIDEO).removeBackground({
    client: client(),
    jobId,
    onStatus: (status) => console.log(`status: ${status}`),
  })
  const output = await foreground.save(join(dirname(store), `resumed-${jobId.slice(0, 8)}.webm`))
  console.log(`job ${jobId} ${foreground.status.status}; result saved to ${output}`)
}

/** Runs this script as `role`, its lines prefixed; resolves `processing` once the worker reports it. */
function start(role: string, store: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), role, store], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let reportProcessing: () => void
  const processing = new Promise<void>((resolve) => (reportProcessing = resolve))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    console.log(`[${role}] ${line}`)
    if (line === 'status: processing') reportProcessing()
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { child, processing, exited }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vbr-resume-'))
  const store = join(dir, 'job.json')
  let frozenAt: number | undefined = Date.now()
  const { fake, close } = await connect({ now: () => frozenAt ?? Date.now(), processingMs: 500 })
  const env = fake ? { ...process.env, VIDEOBGREMOVER_API_KEY: FAKE_API_KEY, VIDEOBGREMOVER_BASE_URL: fake.url } : process.env
  try {
    // 1. The worker: creates, uploads, starts, waits… and dies.
    const worker = start('work', store, env)
    await worker.processing
    worker.child.kill('SIGKILL')
    await worker.exited
    console.log('worker killed while the job was processing')
    frozenAt = undefined // offline: the fake's job may finish now

    // 2. A new process, with nothing but the id the worker wrote down.
    const resumer = start('resume', store, env)
    if ((await resumer.exited) !== 0) throw new Error('the resume failed')

    if (fake) {
      const { jobId } = JSON.parse(await readFile(store, 'utf8')) as { jobId: string }
      const created = fake.api.requests.filter((entry) => entry.endpoint === 'createJob').length
      console.log(`the fake API saw ${created} job created and ${fake.api.startsFor(jobId)} start of it: charged once`)
    }
  } finally {
    await close()
    await rm(dir, { recursive: true, force: true })
  }
}
