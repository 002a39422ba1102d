import { describe, expect, it } from 'vitest'
import type { JobRecord, JobStore } from '../../src/batch/store'
import { JobStoreError } from '../../src/errors'
import { rejection } from './outcomes'

/** A record of `key` in `state`, written by `worker`. */
export const record = (key: string, state: JobRecord['state'] = 'created', worker?: string): JobRecord => ({
  key,
  input: `${key}.mp4`,
  state,
  jobId: `job-${key}`,
  updatedAt: 1,
  ...(worker === undefined ? {} : { worker }),
})

/** Waits until `worker` gets the claim of `key` (another's lease has to expire first). */
async function claimEventually(store: JobStore, key: string, worker: string): Promise<void> {
  while (!(await store.claim(key, worker, 60_000))) await new Promise((resolve) => setTimeout(resolve, 1))
}

/** What every JobStore does, whatever keeps it: one suite, run against each store. */
export function jobStoreContract(name: string, open: () => Promise<JobStore>): void {
  describe(`${name}: the JobStore contract`, () => {
    it('a record put is read back by get and list; an unknown key has none', async () => {
      const store = await open()
      await store.put(record('a'))
      expect(await store.get('a')).toEqual(record('a'))
      expect(await store.get('b')).toBeUndefined()
      expect(await store.list()).toEqual([record('a')])
      await store.close?.()
    })

    it('the last record put for a key replaces the earlier ones', async () => {
      const store = await open()
      await store.put(record('a', 'created'))
      await store.put(record('a', 'started'))
      await store.put(record('b', 'done'))
      expect((await store.get('a'))?.state).toBe('started')
      expect((await store.list()).map((entry) => entry.key).sort()).toEqual(['a', 'b'])
      await store.close?.()
    })

    it('a claim keeps other workers off the key until its holder releases it', async () => {
      const store = await open()
      expect(await store.claim('a', 'w1', 60_000)).toBe(true)
      expect(await store.claim('a', 'w2', 60_000)).toBe(false)
      expect(await store.claim('a', 'w1', 60_000), 'the holder renews it').toBe(true)
      await store.release('a', 'w2')
      expect(await store.claim('a', 'w2', 60_000), 'a release by another worker changes nothing').toBe(false)
      await store.release('a', 'w1')
      expect(await store.claim('a', 'w2', 60_000)).toBe(true)
      await store.close?.()
    })

    it("a dead worker's claim expires and another worker takes the key over", async () => {
      const store = await open()
      expect(await store.claim('a', 'dead', 1)).toBe(true)
      await claimEventually(store, 'a', 'alive')
      expect(await store.claim('a', 'dead', 60_000)).toBe(false)
      await store.close?.()
    })

    it('a write by a worker whose claim another worker took over is refused, and changes nothing', async () => {
      const store = await open()
      await store.claim('a', 'w1', 60_000)
      await store.put(record('a', 'created', 'w1'))
      await store.claim('a', 'w1', 1)
      await claimEventually(store, 'a', 'w2')
      const error = await rejection<JobStoreError>(store.put(record('a', 'started', 'w1')))
      expect(error).toBeInstanceOf(JobStoreError)
      expect(error.code).toBe('lease_lost')
      expect((await store.get('a'))?.state).toBe('created')
      await store.put(record('a', 'started', 'w2'))
      expect((await store.get('a'))?.worker).toBe('w2')
      await store.close?.()
    })

    it('a write by a worker whose claim lapsed, with nobody holding it since, is refused', async () => {
      const store = await open()
      const error = await rejection<JobStoreError>(store.put(record('a', 'created', 'w1')))
      expect(error.code).toBe('lease_lost')
      expect(await store.get('a')).toBeUndefined()
      await store.claim('a', 'w1', 60_000)
      await store.put(record('a', 'created', 'w1'))
      await store.release('a', 'w1')
      expect((await rejection<JobStoreError>(store.put(record('a', 'started', 'w1')))).code).toBe('lease_lost')
      expect((await store.get('a'))?.state).toBe('created')
      await store.close?.()
    })

    it('a record without a worker is refused while a worker holds the claim', async () => {
      const store = await open()
      await store.claim('a', 'w1', 60_000)
      expect((await rejection<JobStoreError>(store.put(record('a', 'failed')))).code).toBe('lease_lost')
      expect(await store.get('a')).toBeUndefined()
      await store.close?.()
    })
  })
}
