/**
 * The harness of the CLI tests: drives the real `vbr` process (bundled once per run by test/setup/build-cli.ts)
 * against fake API servers in this process, in a directory holding the files the tests name.
 */
import { spawn } from 'node:child_process'
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, inject } from 'vitest'
import { VideoBGRemoverClient } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeServer, type FakeServerOptions } from '../../src/testing/node'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = inject('cliPath')
/** examples/assets/sample.mp4: a real 4-second MP4. */
export const SAMPLE = join(ROOT, 'examples/assets/sample.mp4')
export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/

/** How a `vbr` run ended. */
export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** What one run of `vbr` gets: its server (default: the shared one), extra environment, a moment to press Ctrl-C. */
export interface RunOptions {
  server?: FakeServer
  env?: Record<string, string | undefined>
  /** Checked every 20 ms; once true, the process gets SIGINT. */
  interruptWhen?: () => boolean
}

export const clientFor = (server: FakeServer) => new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })
export const json = (run: Run) => JSON.parse(run.stdout) as Record<string, any>

export function envFor(server: FakeServer | undefined, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, VIDEOBGREMOVER_API_KEY: FAKE_API_KEY, VIDEOBGREMOVER_BASE_URL: server?.url, ...extra }
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name]
  return env
}

/**
 * For a test file: a directory with `sample.mp4`, `broken.mp4` (the shared fake fails it), `clip.flv` and a 4 MB
 * `big.mp4`; a shared fake server; `fake()` for a server of a test's own (closed at the end); `vbr()` to run the CLI.
 */
export function useCli() {
  let dir = ''
  let shared: FakeServer | undefined
  const servers: FakeServer[] = []

  async function fake(options: FakeServerOptions = {}): Promise<FakeServer> {
    const server = await startFakeServer({ processingMs: 150, videoLengthSeconds: 4, ...options })
    servers.push(server)
    return server
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vbr-cli-'))
    await copyFile(SAMPLE, join(dir, 'sample.mp4'))
    await copyFile(SAMPLE, join(dir, 'broken.mp4'))
    await copyFile(SAMPLE, join(dir, 'clip.flv'))
    await writeFile(join(dir, 'big.mp4'), new Uint8Array(4_000_000).fill(7))
    shared = await fake({ failJob: (job) => (job.filename.startsWith('broken') ? 'Could not decode the video' : undefined) })
  })
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()))
    await rm(dir, { recursive: true, force: true })
  })

  /** Runs `vbr args` on pipes, in the directory. */
  function vbr(args: string[], { server = shared, env = {}, interruptWhen }: RunOptions = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: envFor(server, env) })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.stderr.on('data', (chunk) => (stderr += chunk))
      const watch = interruptWhen && setInterval(() => interruptWhen() && (clearInterval(watch), child.kill('SIGINT')), 20)
      child.on('error', reject)
      child.on('close', (code) => {
        clearInterval(watch)
        resolve({ code, stdout, stderr })
      })
    })
  }

  return { vbr, fake, dir: () => dir }
}
