/**
 * Two stores breaking one dead process's journal lock at once. Reading a lock file is held back until both have read
 * it (a barrier on `readFile`), so both judge the same dead holder before either acts: the interleaving in which both
 * used to remove the lock and both take it.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { fileJobStore, JobStoreError } from '../../src/node/batch/index'

const barrier = vi.hoisted(() => {
  let expected = 0
  let arrived: (() => void)[] = []
  return {
    /** Holds the next `count` reads of a lock file until all of them have arrived. */
    arm(count: number) {
      expected = count
      arrived = []
    },
    async pass(path: unknown) {
      if (expected === 0 || typeof path !== 'string' || !path.endsWith('.lock')) return
      await new Promise<void>((resolve) => {
        arrived.push(resolve)
        if (arrived.length < expected) return
        expected = 0
        for (const release of arrived) release()
      })
    },
  }
})

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>()
  const readFile = async (...args: Parameters<typeof actual.readFile>) => {
    await barrier.pass(args[0])
    return actual.readFile(...args)
  }
  return { ...actual, readFile, default: { ...actual, readFile } }
})

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-journal-lock-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe("fileJobStore: a dead process's lock", () => {
  it('is taken over by one store only when two break it at once; the other is refused with journal_locked', async () => {
    const path = join(dir, 'journal.jsonl')
    const dead = spawnSync(process.execPath, ['-e', '']).pid
    await writeFile(`${path}.lock`, `${dead}@${hostname()}`)
    const stores = [fileJobStore(path), fileJobStore(path)]
    barrier.arm(2)
    const outcomes = await Promise.allSettled(stores.map((store) => store.list()))
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []))
    expect(
      outcomes.filter((outcome) => outcome.status === 'fulfilled'),
      'one store holds the journal',
    ).toHaveLength(1)
    expect(refused).toHaveLength(1)
    expect(refused[0]).toBeInstanceOf(JobStoreError)
    expect((refused[0] as JobStoreError).code).toBe('journal_locked')
    const holder = stores[outcomes.findIndex((outcome) => outcome.status === 'fulfilled')]!
    expect(await readFile(`${path}.lock`, 'utf8')).toContain(`${process.pid}@`)
    await holder.close!()
    await expect(readFile(`${path}.lock`), 'released on close').rejects.toThrow()
  })
})
