/**
 * runBatch killed with SIGKILL at chosen requests, then run again, ten times over, then to the end: no input is
 * created or started twice, every output is whole and byte-exact, and no partial file is left.
 *
 * The kill points are events, not timers: the n-th request the fake receives after each (re)start, killed before the
 * fake handles it (mid-upload, mid-download: the bytes never arrive) or after it handled it but before the answer
 * leaves (a start taken whose answer is lost). A point is put off to the next request while some created job's id
 * is not yet in the journal: the API offers no way to find a job whose creation answer was lost (no list, no
 * idempotency key), so that window, between the answer and its fsync, is the one place a crash costs a second job,
 * free since it is never uploaded or started. A create still on its way when the batch dies (in a socket buffer) may
 * yet reach the fake: such a job is counted apart, and must be left untouched.
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectBatchComplete, makeInputs, RESULT_SIZE, SCALED } from '../kit/batch'
import { hookedFake, runChild, writeBatchScript } from '../kit/batch-child'

const POINTS = [4, 15, 9, 21, 6, 17, 11, 3, 13, 8]

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-batch-kill-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** The id of the job a createJob answer carries. */
async function createdId(response: Response): Promise<string | undefined> {
  return response.ok ? ((await response.clone().json()) as { id: string }).id : undefined
}

describe('runBatch under kill -9', () => {
  it(`killed at ${POINTS.length} points and rerun, finishes with no second create or start and no partial output`, async () => {
    const fake = await hookedFake({ rateLimit: SCALED, resultSize: RESULT_SIZE, processingMs: 200 })
    try {
      const inputs = await makeInputs(join(dir, 'in'), 30)
      const outDir = join(dir, 'out')
      const journalPath = join(outDir, '.vbr-batch.jsonl')
      const script = await writeBatchScript(dir)
      const args = [fake.url, outDir, JSON.stringify(SCALED), ...inputs]
      const created: string[] = []
      const orphans: string[] = []
      let creating = 0
      const journaled = () => {
        const text = (() => {
          try {
            return readFileSync(journalPath, 'utf8')
          } catch {
            return ''
          }
        })()
        return created.every((id) => text.includes(id))
      }
      const kills: string[] = []
      // One run at a time: the request count where it is to be killed (none for the last), and whether it was.
      let run = { point: Infinity, requests: 0, killed: false, kill: () => {} }
      fake.setHook(async (endpoint, phase, response) => {
        const current = run
        if (endpoint === 'createJob' && phase === 'before') creating++
        if (endpoint === 'createJob' && phase === 'after') {
          const id = await createdId(response!)
          // Created after the kill, from a request already on its way: the batch never heard of it.
          if (id) (current.killed ? orphans : created).push(id)
          creating--
        }
        if (phase === 'before') current.requests++
        if (current.killed || current.requests < current.point) return
        // Transfers die before their bytes move; API calls once they took effect, their answer lost.
        const transfer = endpoint === 'upload' || endpoint === 'download'
        if (phase !== (transfer ? 'before' : 'after') || creating > 0 || !journaled()) return
        current.killed = true
        kills.push(`${endpoint} (${phase})`)
        current.kill()
      })
      for (const point of POINTS) {
        const child = runChild(script, args)
        run = { point, requests: 0, killed: false, kill: () => child.child.kill('SIGKILL') }
        const exit = await child.exited
        // A request the dead run had sent may still be in the server's socket buffer: it belongs to that run.
        await fake.quiet()
        if (exit.signal !== 'SIGKILL') expect.fail(`the batch ended before kill point ${point}: ${exit.stderr}`)
      }
      run = { point: Infinity, requests: 0, killed: false, kill: () => {} }
      const last = await runChild(script, args).exited
      expect(last.code, last.stderr).toBe(0)
      expect(last.stdout.trim().split('\n').at(-1)).toBe('END')
      expect(kills).toHaveLength(POINTS.length)
      await expectBatchComplete(fake, inputs, outDir)
      expect(created, `one create per input (kills: ${kills.join(', ')})`).toHaveLength(inputs.length)
      for (const id of orphans) {
        const job = fake.api.job(id)!
        expect([job.status, job.upload, job.startedAt], `job ${id}, created as the batch died`).toEqual(['created', undefined, undefined])
      }
    } finally {
      await fake.close()
    }
  }, 240_000)
})
