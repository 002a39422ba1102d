/**
 * Finding 11: save() created its temporary and final files 0644 whatever they held, left the `.part` file behind
 * on SIGHUP, and replaced an existing file silently. Over the loopback fake, with the download held half way.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ValidationError, Video, VideoBGRemoverClient, type FetchFn } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeServer } from '../../src/testing/node'
import { failure, until } from '../kit'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
let server: FakeServer
let dir: string

beforeAll(async () => {
  server = await startFakeServer({ processingMs: 10, resultSize: 256 * 1024 })
  dir = await mkdtemp(join(tmpdir(), 'vbr-save-'))
})
afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

/** A fetch whose result downloads stop after their first chunk until `release()`. */
function heldDownloads() {
  let release = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  const fetchFn: FetchFn = async (url, init) => {
    const response = await fetch(url, init)
    if (!url.includes('/storage/results/') || !response.body) return response
    const reader = response.body.getReader()
    let chunks = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (chunks++ === 1) await held
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      },
    })
    return new Response(body, { status: response.status, headers: response.headers })
  }
  return { fetch: fetchFn, release }
}

async function result(fetchFn?: FetchFn) {
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, ...(fetchFn ? { fetch: fetchFn } : {}) })
  return Video.open(new Uint8Array(1024), { filename: 'clip.mp4' }).removeBackground({ client, pollSeconds: 0.01 })
}

const temporaries = async () => (await readdir(dir)).filter((name) => name.startsWith('.'))

describe('save()', () => {
  it('writes through a temporary only its owner can read, and leaves the file with the mode the umask gives', async () => {
    const held = heldDownloads()
    const foreground = await result(held.fetch)
    const path = join(dir, 'private.webm')
    const saving = foreground.save(path)
    let temporary: string | undefined
    while (!(temporary = (await temporaries())[0])) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(((await stat(join(dir, temporary))).mode & 0o777).toString(8)).toBe('600')
    held.release()
    await saving
    const umask = process.umask()
    expect(((await stat(path)).mode & 0o777).toString(8)).toBe((0o666 & ~umask).toString(8))
    expect(await temporaries()).toEqual([])
  })

  it('with { overwrite: false } refuses to replace a file, and keeps it', async () => {
    const foreground = await result()
    const path = join(dir, 'kept.webm')
    await writeFile(path, 'mine')
    const error = await failure(() => foreground.save(path, { overwrite: false }))
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toMatch(/exists/)
    expect(await readFile(path, 'utf8')).toBe('mine')
    expect(await temporaries()).toEqual([])
  })

  it('replaces a file by default, as before', async () => {
    const foreground = await result()
    const path = join(dir, 'replaced.webm')
    await writeFile(path, 'old')
    await foreground.save(path)
    expect((await stat(path)).size).toBe(256 * 1024)
  })

  it('leaves no temporary when the process is hung up (SIGHUP) mid-download', async () => {
    const script = join(dir, 'hangup.mts')
    const src = (path: string) => JSON.stringify(join(ROOT, 'src', path))
    await writeFile(
      script,
      `
const { Video, VideoBGRemoverClient } = await import(${src('node/index.ts')})
const client = new VideoBGRemoverClient(${JSON.stringify(FAKE_API_KEY)}, {
  baseUrl: ${JSON.stringify(server.url)},
  fetch: async (url, init) => {
    const response = await fetch(url, init)
    if (!url.includes('/storage/results/')) return response
    const reader = response.body.getReader()
    let chunks = 0
    const body = new ReadableStream({
      async pull(controller) {
        if (chunks++ === 1) {
          console.log('held')
          await new Promise(() => {})
        }
        const { done, value } = await reader.read()
        done ? controller.close() : controller.enqueue(value)
      },
    })
    return new Response(body, { status: response.status, headers: response.headers })
  },
})
// Alive as a server would be: the held download alone leaves nothing for the event loop to wait on.
setInterval(() => {}, 1_000)
const foreground = await Video.open(new Uint8Array(1024), { filename: 'clip.mp4' }).removeBackground({ client, pollSeconds: 0.01 })
await foreground.save(${JSON.stringify(join(dir, 'hungup.webm'))})
`,
    )
    const child = spawn(process.execPath, ['--import', join(ROOT, 'node_modules/tsx/dist/loader.mjs'), script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let stdout = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? `code ${code}`)))
    await until(() => stdout.includes('held'))
    expect(await temporaries()).toHaveLength(1)
    child.kill('SIGHUP')
    // Ended by the hang-up: by the signal itself, or by 128 + 1 where tsx, which runs the script, relays it.
    expect(['SIGHUP', 'code 129']).toContain(await exited)
    expect(await temporaries()).toEqual([])
    expect((await readdir(dir)).filter((name) => name.startsWith('hungup'))).toEqual([])
  })
})
