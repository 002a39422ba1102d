/**
 * The file journal under kill -9: a child puts records as fast as it can (one at a time and in bursts that share a
 * write), printing each put once it resolved; the test kills it after a chosen number of them, at points spread over
 * the run, and reopens the journal. Every put that resolved must be there, and the journal must take new lines.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileJobStore } from '../../src/node/batch/index'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TSX = join(ROOT, 'node_modules/tsx/dist/loader.mjs')
const KILL_AFTER = [1, 3, 7, 12, 20, 33, 47, 64, 90, 131]

let dir: string
let script: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-journal-kill-'))
  script = join(dir, 'writer.mts')
  await writeFile(
    script,
    `import { fileJobStore } from ${JSON.stringify(join(ROOT, 'src/node/batch/index.ts'))}
const store = fileJobStore(process.argv[2], { compactAfter: 25 })
const states = ['created', 'uploaded', 'started', 'downloading', 'done']
for (let n = 0; ; n++) {
  const keys = n % 3 === 0 ? [0, 1, 2, 3].map((i) => 'k' + ((n * 4 + i) % 40)) : ['k' + (n % 40)]
  await Promise.all(keys.map((key, i) => store.put({ key, input: key + '.mp4', state: states[(n + i) % 5], jobId: 'job-' + n, updatedAt: n })))
  for (const key of keys) console.log(JSON.stringify({ key, n }))
}
`,
  )
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** Runs the writer on `path` and SIGKILLs it once `count` puts have resolved; the last resolved put of each key. */
async function killAfter(path: string, count: number): Promise<Map<string, number>> {
  const child = spawn(process.execPath, ['--import', TSX, script, path], { stdio: ['ignore', 'pipe', 'inherit'] })
  const resolved = new Map<string, number>()
  let seen = 0
  let buffer = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop()!
      for (const line of lines) {
        const { key, n } = JSON.parse(line) as { key: string; n: number }
        resolved.set(key, n)
        if (++seen === count) child.kill('SIGKILL')
      }
    })
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the writer exited by itself (${signal})`))))
  })
  return resolved
}

describe('fileJobStore under kill -9', () => {
  it(`keeps every put that resolved, at ${KILL_AFTER.length} kill points, and takes new lines after each`, async () => {
    const path = join(dir, 'journal.jsonl')
    for (const count of KILL_AFTER) {
      const resolved = await killAfter(path, count)
      const store = fileJobStore(path)
      const records = new Map((await store.list()).map((entry) => [entry.key, entry]))
      for (const [key, n] of resolved) {
        expect(records.get(key)?.updatedAt, `${key} after ${count} puts`).toBeGreaterThanOrEqual(n)
      }
      await store.put({ key: 'after', input: 'after.mp4', state: 'done', updatedAt: count })
      await store.close!()
      const text = await readFile(path, 'utf8')
      expect(text.endsWith('\n'), 'no torn line is left').toBe(true)
      for (const line of text.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow()
    }
  })
})
