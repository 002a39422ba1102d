import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { toNodeListener } from '../../src/node/listener'
import { matchRoute, type FakeEndpoint } from '../../src/testing/fake/routes'
import { FakeApi, type FakeApiOptions } from '../../src/testing/node'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TSX = join(ROOT, 'node_modules/tsx/dist/loader.mjs')

/**
 * A fake API on loopback whose every request passes `hook` first (`before`, then `after` it was handled but before
 * its answer leaves): a test can kill a client at a chosen request, deterministically, by events and not by time.
 */
export async function hookedFake(options: FakeApiOptions) {
  const api = new FakeApi(options)
  let hook: ((endpoint: FakeEndpoint, phase: 'before' | 'after', response?: Response) => Promise<void> | void) | undefined
  let handling = 0
  const server = createServer(
    toNodeListener(async (request) => {
      handling++
      try {
        const { endpoint } = matchRoute(request.method, new URL(request.url))
        await hook?.(endpoint, 'before')
        const response = await api.handle(request)
        await hook?.(endpoint, 'after', response)
        return response
      } finally {
        handling--
      }
    }),
  )
  const connections = () =>
    new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    api,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Sets what runs around each request (undefined: nothing). */
    setHook(next: typeof hook) {
      hook = next
    },
    /**
     * Resolves once no connection is open and no request is being handled: whatever a killed client had already
     * sent (a request in a socket buffer) has been handled, so it is not taken for the next client's.
     */
    async quiet() {
      while ((await connections()) > 0 || handling > 0) await new Promise((resolve) => setTimeout(resolve, 10))
    },
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/**
 * Writes a script that runs `runBatch` over the files named on its command line against `baseUrl`, printing one
 * JSON line per result and `END` at the end. `options` is spliced into runBatch's options as source text.
 */
export async function writeBatchScript(dir: string, options = ''): Promise<string> {
  const script = join(dir, `batch-${Math.random().toString(16).slice(2)}.mts`)
  await writeFile(
    script,
    `import { runBatch } from ${JSON.stringify(join(ROOT, 'src/node/batch/index.ts'))}
import { VideoBGRemoverClient } from ${JSON.stringify(join(ROOT, 'src/node/index.ts'))}
const [baseUrl, outDir, limits, ...inputs] = process.argv.slice(2)
const client = new VideoBGRemoverClient('vbr_' + '0123456789abcdef'.repeat(2), { baseUrl, rateLimit: JSON.parse(limits) })
for await (const result of runBatch(inputs, { client, outDir, ${options} })) {
  console.log(JSON.stringify({ state: result.state, input: result.input, jobId: result.jobId, error: result.error?.message }))
}
console.log('END')
`,
  )
  return script
}

/** Runs a batch script in a child process (the fake's hook may kill it); resolves to its exit and output. */
export function runChild(script: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child: ChildProcess = spawn(process.execPath, ['--import', TSX, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  )
  return { child, exited }
}
