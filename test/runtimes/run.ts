/**
 * The runtime matrix: builds and packs the package, installs the tarball into a throwaway project, and runs the
 * same smoke (smoke.mjs) in Node 20 (ESM and CJS), Node 22, Node 24, Bun, Deno, workerd and Chromium against the
 * fake API on 127.0.0.1. Prints one line per runtime and exits non-zero if any fails.
 */
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { chromium } from 'playwright-core'

interface SmokeResult {
  /** Where '@videobgremover/sdk' resolved to. */
  entry: string
  /** The `loaded` of each upload progress event. */
  progress: number[]
}

type PageSmoke = (resultSize: number) => Promise<Omit<SmokeResult, 'entry'>>

interface Runtime {
  name: string
  /** The package file the runtime must load for '@videobgremover/sdk'. */
  entry: string
  run(signal: AbortSignal): Promise<SmokeResult>
}

const TIME_LIMIT_MS = 120_000
const RESULT_SIZE = 1 << 20
const CHROMIUM_ARGS = [
  ...['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
  ...['--disable-background-networking', '--disable-component-update', '--disable-sync'],
]
const MAIN_ENTRY = /@videobgremover\/sdk\/dist\/((node\/)?index|browser)\.c?js$/
const PAGE = '<!doctype html><title>smoke</title><script type="module" src="/browser.js"></script>'

const exec = promisify(execFile)
const here = fileURLToPath(new URL('.', import.meta.url))
const root = join(here, '../..')
const bin = (path: string) => join(here, 'node_modules', path)

const project = await mkdtemp(join(tmpdir(), 'vbr-runtimes-'))
let failures = 0
try {
  await exec('npm', ['run', 'build'], { cwd: root })
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', project], { cwd: root })
  const [packed] = JSON.parse(stdout)
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'smoke', private: true, type: 'module' }))
  const tarball = join(project, packed.filename)
  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: project })
  for (const file of ['smoke.mjs', 'node.mjs', 'node.cjs', 'worker.mjs', 'browser.mjs']) {
    await copyFile(join(here, file), join(project, file))
  }

  // The driver's own SDK pieces come from the installed tarball too.
  const packedRequire = createRequire(join(project, 'package.json'))
  const testing = packedRequire('@videobgremover/sdk/testing') as typeof import('@videobgremover/sdk/testing')
  const proxy = packedRequire('@videobgremover/sdk/proxy') as typeof import('@videobgremover/sdk/proxy')

  await using fake = await testing.startFakeServer({ resultSize: RESULT_SIZE })
  const config = JSON.stringify({ apiKey: testing.FAKE_API_KEY, baseUrl: fake.url, resultSize: RESULT_SIZE })

  const child =
    (command: string, ...args: string[]) =>
    async (signal: AbortSignal): Promise<SmokeResult> => {
      const env = { ...process.env, SMOKE_CONFIG: config, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }
      const { stdout } = await exec(command, args, { cwd: project, env, signal, killSignal: 'SIGKILL' })
      return JSON.parse(stdout)
    }

  const workerd = async (signal: AbortSignal): Promise<SmokeResult> => {
    const { code, entry } = await bundle('worker.mjs', ['workerd', 'worker', 'browser'])
    const miniflare = new Miniflare({
      modules: true,
      script: code,
      compatibilityDate: '2026-04-01',
      bindings: { SMOKE_CONFIG: config },
    })
    try {
      const response = await until(signal, () => miniflare.dispatchFetch('http://localhost/'))
      if (!response.ok) throw new Error(await response.text())
      return { entry, ...((await response.json()) as Omit<SmokeResult, 'entry'>) }
    } finally {
      await miniflare.dispose()
    }
  }

  // One origin serves the page, its bundle, the proxy at /api/* and the fake API and storage behind it.
  const browser = async (signal: AbortSignal): Promise<SmokeResult> => {
    const { code, entry } = await bundle('browser.mjs')
    const server = createServer().listen(0, '127.0.0.1')
    try {
      await once(server, 'listening')
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const api = new testing.FakeApi({ resultSize: RESULT_SIZE })
      // The driver's own page on loopback, with no users: open to anyone, on the smoke's calls (credits included).
      const forward = proxy.createProxyHandler({
        apiKey: testing.FAKE_API_KEY,
        baseUrl: origin,
        allowAnonymous: true,
        routes: ['credits', 'createJob', 'startJob', 'status'],
      })
      server.on(
        'request',
        proxy.toNodeListener(async (request) => {
          const { pathname } = new URL(request.url)
          if (pathname.startsWith('/api/')) return forward(request)
          if (pathname.startsWith('/storage/upload/')) return api.handle(readSlowly(request))
          if (pathname.startsWith('/v1/') || pathname.startsWith('/storage/')) return api.handle(request)
          if (pathname === '/browser.js') return new Response(code, { headers: { 'content-type': 'text/javascript' } })
          return new Response(PAGE, { headers: { 'content-type': 'text/html' } })
        }),
      )
      const chrome = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: CHROMIUM_ARGS,
        timeout: TIME_LIMIT_MS,
      })
      try {
        const page = await chrome.newPage()
        await until(signal, () => page.goto(origin))
        const smoke = (size: number) => (globalThis as unknown as { smoke: PageSmoke }).smoke(size)
        const result = await until(signal, () => page.evaluate(smoke, RESULT_SIZE))
        return { entry, ...result }
      } finally {
        await chrome.close()
      }
    } finally {
      server.closeAllConnections()
      server.close()
    }
  }

  const deno = [bin('.bin/deno'), 'run', '--allow-net=127.0.0.1', '--allow-env', '--allow-read'] as const
  const runtimes: Runtime[] = [
    { name: 'node 20 esm', entry: 'dist/node/index.js', run: child(process.execPath, 'node.mjs') },
    { name: 'node 20 cjs', entry: 'dist/node/index.cjs', run: child(process.execPath, 'node.cjs') },
    { name: 'node 22', entry: 'dist/node/index.js', run: child(bin('node22/bin/node'), 'node.mjs') },
    { name: 'node 24', entry: 'dist/node/index.js', run: child(bin('node24/bin/node'), 'node.mjs') },
    { name: 'bun', entry: 'dist/node/index.js', run: child(bin('.bin/bun'), 'node.mjs') },
    { name: 'deno', entry: 'dist/node/index.js', run: child(...deno, 'node.mjs') },
    { name: 'workerd', entry: 'dist/index.js', run: workerd },
    { name: 'chromium', entry: 'dist/browser.js', run: browser },
  ]
  for (const runtime of runtimes) {
    const started = performance.now()
    const line = (verdict: string, detail: string) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(5)
      return `${verdict}  ${runtime.name.padEnd(12)} ${seconds}s  ${detail}`
    }
    const signal = AbortSignal.timeout(TIME_LIMIT_MS)
    try {
      const result = await runtime.run(signal)
      const entry = result.entry.split('@videobgremover/sdk/').pop()
      if (entry !== runtime.entry) throw new Error(`loaded ${entry}, expected ${runtime.entry}`)
      console.log(line('pass', `${entry}, upload progress ${result.progress.join(' ')}`))
    } catch (error) {
      failures += 1
      const why = signal.aborted ? `timed out after ${TIME_LIMIT_MS / 1000} s` : describe(error)
      console.log(line('FAIL', why))
    }
  }
  console.log(`${runtimes.length - failures} passed, ${failures} failed`)
} finally {
  await rm(project, { recursive: true, force: true })
}
process.exitCode = failures === 0 ? 0 : 1

/**
 * Bundles a smoke program for the web, as a Worker (wrangler's conditions) or a page gets it, and names the SDK
 * entry it took.
 */
async function bundle(file: string, conditions?: string[]): Promise<{ code: string; entry: string }> {
  const { outputFiles, metafile } = await build({
    entryPoints: [join(project, file)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions,
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  const entries = Object.keys(metafile.inputs).filter((input) => MAIN_ENTRY.test(input))
  return { code: outputFiles[0]!.text, entry: entries.join(' and ') }
}

/** `work()`, or a rejection as soon as `signal` fires (the caller's `finally` then stops what hangs). */
function until<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const aborted = new Promise<never>((_, reject) => {
    signal.throwIfAborted()
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
  return Promise.race([work(), aborted])
}

/** The request, with its body read at a network's pace: the page then sees upload progress before the end. */
function readSlowly(request: Request): Request {
  const pace = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      await sleep(10)
      controller.enqueue(chunk)
    },
  })
  return new Request(request, { body: request.body!.pipeThrough(pace), duplex: 'half' } as RequestInit)
}

function describe(error: unknown): string {
  const { stderr, message } = error as { stderr?: string; message?: string }
  return (stderr?.trim() || message || String(error)).replace(/\n/g, '\n      ')
}
