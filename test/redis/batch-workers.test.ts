/**
 * Three worker processes run one batch of 30 inputs with one key, sharing the key's budget and the journal in a real
 * redis-server (started on a free loopback port, stopped after); one is SIGKILLed mid-run.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobRecord } from '../../src/batch/store'
import { expectBatchComplete, makeInputs, RESULT_SIZE, SCALED } from '../kit/batch'
import { hookedFake } from '../kit/batch-child'
import { startRedis, type TestRedis } from '../kit/redis'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TSX = join(ROOT, 'node_modules/tsx/dist/loader.mjs')
const WORKER = join(ROOT, 'test/kit/batch-worker.ts')
const LEASE_MS = 3_000

let redis: TestRedis
let dir: string
beforeAll(async () => {
  redis = await startRedis()
  dir = await mkdtemp(join(tmpdir(), 'vbr-batch-workers-'))
})
afterAll(async () => {
  await redis?.stop()
  await rm(dir, { recursive: true, force: true })
})

function worker(name: string, config: Record<string, unknown>, inputs: string[]) {
  const child = spawn(process.execPath, ['--import', TSX, WORKER, JSON.stringify({ ...config, worker: name }), ...inputs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  )
  return { child, exited }
}

describe('many workers, one key, one batch, through Redis', () => {
  it('3 workers finish 30 inputs with no 429, never over the start limit, each input started once, after one is killed mid-run', async () => {
    const fake = await hookedFake({ rateLimit: SCALED, resultSize: RESULT_SIZE, processingMs: 200 })
    try {
      const inputs = await makeInputs(join(dir, 'in'), 30)
      const outDir = join(dir, 'out')
      // The workers pace a window half a second longer than the fake counts. The pacer's own margin (250 ms at this
      // scale, 1.2 s at the API's minute) covers a request's travel; on a machine whose cores are saturated a worker
      // process can also sit unscheduled for hundreds of ms between its grant and its request's arrival, and the
      // ledger below measures arrivals. The check against the fake's own window stays strict.
      const limits = { ...SCALED, windowMs: SCALED.windowMs + 500 }
      const config = { baseUrl: fake.url, redisUrl: redis.url, outDir, limits, leaseMs: LEASE_MS }
      const workers = ['w1', 'w2', 'w3'].map((name) => worker(name, config, inputs))
      // The first worker dies once the fake has taken 9 starts: mid-run, with jobs of its own in flight.
      let starts = 0
      const journal = redis.client()
      const records = async () => (await journal.hvals('{vbr:batch}:records')).map((text) => JSON.parse(text) as JobRecord)
      let leftByW1: JobRecord[] = []
      fake.setHook(async (endpoint, phase, response) => {
        if (endpoint !== 'startJob' || phase !== 'after' || !response?.ok || ++starts !== 9) return
        workers[0]!.child.kill('SIGKILL')
        leftByW1 = (await records()).filter((record) => record.worker === 'w1' && record.state !== 'done')
      })
      const [killed, ...finished] = await Promise.all(workers.map((entry) => entry.exited))
      expect(killed!.signal).toBe('SIGKILL')
      for (const run of finished) {
        expect(run.code, run.stderr).toBe(0)
        const lines = run.stdout.trim().split('\n')
        expect(lines.at(-1)).toBe('END')
        const results = lines.slice(0, -1).map((line) => JSON.parse(line) as { state: string; input: string })
        expect(new Set(results.map((result) => result.input)), 'every input accounted for').toEqual(new Set(inputs))
        expect(results.filter((result) => result.state === 'failed')).toEqual([])
      }
      await expectBatchComplete(fake, inputs, outDir)
      expect(leftByW1.length, 'the killed worker left inputs in flight').toBeGreaterThan(0)
      const final = new Map((await records()).map((record) => [record.key, record]))
      for (const left of leftByW1) {
        const record = final.get(left.key)!
        expect([record.state, record.worker === 'w1'], left.input).toEqual(['done', false])
        if (left.jobId) expect(record.jobId, `${left.input} resumed by id`).toBe(left.jobId)
      }
      const requests = fake.api.requests
      expect(requests.filter((entry) => entry.status === 429)).toEqual([])
      const startTimes = requests.filter((entry) => entry.endpoint === 'startJob').map((entry) => entry.time)
      for (let i = SCALED.startsPerWindow; i < startTimes.length; i++) {
        expect(startTimes[i]! - startTimes[i - SCALED.startsPerWindow]!, `starts ${i - 3}..${i} in one window`).toBeGreaterThanOrEqual(
          SCALED.windowMs,
        )
      }
    } finally {
      await fake.close()
    }
  }, 240_000)
})
