import { chmod, mkdtemp, open, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { fileJobStore, memoryJobStore, JobStoreError } from '../../src/node/batch/index'
import { jobStoreContract, record } from '../kit/job-store-contract'
import { rejection } from '../kit/index'

let dir: string
let files = 0
const nextPath = () => join(dir, `journal-${files++}.jsonl`)
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-journal-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

jobStoreContract('memoryJobStore', async () => memoryJobStore())
jobStoreContract('fileJobStore', async () => fileJobStore(nextPath()))

const HEADER = '{"journal":"@videobgremover/sdk/batch","version":1}\n'
afterEach(() => vi.restoreAllMocks())

/** The prototype of Node's FileHandle, whose methods a test makes fail once to stand for a crash or a disk error. */
async function fileHandlePrototype(): Promise<FileHandle> {
  const handle = await open(nextPath(), 'w')
  await handle.close()
  return Object.getPrototypeOf(handle) as FileHandle
}
const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean)

describe('fileJobStore', () => {
  it('keeps its records for the next store opened on the file', async () => {
    const path = nextPath()
    const first = fileJobStore(path)
    await first.put(record('a', 'started'))
    await first.put(record('b', 'done'))
    await first.close!()
    const second = fileJobStore(path)
    expect((await second.get('a'))?.state).toBe('started')
    expect((await second.list()).length).toBe(2)
    await second.close!()
  })

  it('writes a header, then one JSON line per put', async () => {
    const path = nextPath()
    const store = fileJobStore(path)
    await store.put(record('a', 'created'))
    await store.put(record('a', 'started'))
    expect(await lines(path)).toEqual([HEADER.trim(), JSON.stringify(record('a', 'created')), JSON.stringify(record('a', 'started'))])
    await store.close!()
  })

  it('is readable by its owner only, and keeps one line per record once closed (no superseded upload URL)', async () => {
    const path = nextPath()
    const store = fileJobStore(path)
    await store.put({ ...record('a', 'created'), upload: { id: 'job-a', upload_url: 'https://storage.test/signed' } })
    await store.put(record('a', 'uploaded'))
    await store.close!()
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await lines(path)).toEqual([HEADER.trim(), JSON.stringify(record('a', 'uploaded'))])
  })

  it('ignores a torn last line, and cuts it off before appending', async () => {
    const path = nextPath()
    const whole = JSON.stringify(record('a', 'started'))
    await writeFile(path, `${HEADER}${whole}\n${JSON.stringify(record('b', 'done')).slice(0, 20)}`)
    const store = fileJobStore(path)
    expect(await store.list()).toEqual([record('a', 'started')])
    await store.put(record('c'))
    expect(await lines(path)).toEqual([HEADER.trim(), whole, JSON.stringify(record('c'))])
    await store.close!()
  })

  it('makes an existing journal readable by its owner only when it opens it', async () => {
    const path = nextPath()
    await writeFile(path, `${HEADER}${JSON.stringify(record('a', 'created'))}\n`)
    await chmod(path, 0o644)
    const store = fileJobStore(path)
    expect(await store.list()).toHaveLength(1)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    await store.close!()
  })

  it('loses no whole line when a crash cuts short the repair of a torn last line', async () => {
    const path = nextPath()
    const whole = JSON.stringify(record('a', 'started'))
    await writeFile(path, `${HEADER}${whole}\n${JSON.stringify(record('b', 'done')).slice(0, 20)}`)
    // The repair's first write or flush to disk never happens: the process died just before it.
    const crash = () => Promise.reject(new Error('killed'))
    vi.spyOn(await fileHandlePrototype(), 'writeFile').mockImplementationOnce(crash)
    vi.spyOn(await fileHandlePrototype(), 'sync').mockImplementationOnce(crash)
    await rejection(fileJobStore(path).list())
    vi.restoreAllMocks()
    const store = fileJobStore(path)
    expect(await store.list()).toEqual([record('a', 'started')])
    await store.close!()
  })

  it('a put whose write fails is neither read back nor left in the file', async () => {
    const path = nextPath()
    const store = fileJobStore(path)
    await store.put(record('a', 'created'))
    vi.spyOn(await fileHandlePrototype(), 'datasync').mockImplementationOnce(() => Promise.reject(new Error('EIO')))
    await rejection(store.put(record('a', 'uploaded')))
    vi.restoreAllMocks()
    expect((await store.get('a'))?.state, 'not taken in').toBe('created')
    await store.put(record('b', 'created'))
    expect(await lines(path)).toEqual([HEADER.trim(), JSON.stringify(record('a', 'created')), JSON.stringify(record('b', 'created'))])
    await store.close!()
  })

  it('compacts to one line per record, atomically, and reads the same afterwards', async () => {
    const path = nextPath()
    const store = fileJobStore(path, { compactAfter: 5 })
    for (const state of ['created', 'uploaded', 'started', 'downloading', 'done'] as const) {
      await store.put(record('a', state))
      await store.put(record('b', state))
    }
    expect((await lines(path)).length).toBeLessThanOrEqual(1 + 2 + 5)
    await store.close!()
    const reopened = fileJobStore(path)
    expect((await reopened.list()).map((entry) => entry.state)).toEqual(['done', 'done'])
    await reopened.close!()
  })

  it('refuses a second store on a journal a live process holds (journal_locked), until the first closes', async () => {
    const path = nextPath()
    const first = fileJobStore(path)
    await first.list()
    const error = await rejection<JobStoreError>(fileJobStore(path).list())
    expect(error).toBeInstanceOf(JobStoreError)
    expect(error.code).toBe('journal_locked')
    await first.close!()
    const second = fileJobStore(path)
    expect(await second.list()).toEqual([])
    await second.close!()
  })

  it('takes over the lock of a process that died without closing the journal', async () => {
    const path = nextPath()
    const dead = spawnSync(process.execPath, ['-e', '']).pid
    const { hostname } = await import('node:os')
    await writeFile(`${path}.lock`, `${dead}@${hostname()}`)
    const store = fileJobStore(path)
    await store.put(record('a'))
    expect(await store.list()).toHaveLength(1)
    await store.close!()
  })

  it('refuses a file that is not a journal (journal_unreadable), and leaves it as it was', async () => {
    const path = nextPath()
    await writeFile(path, 'clip.mp4\n')
    const error = await rejection<JobStoreError>(fileJobStore(path).list())
    expect(error.code).toBe('journal_unreadable')
    expect(await readFile(path, 'utf8')).toBe('clip.mp4\n')
    await expect(readFile(`${path}.lock`), 'and holds no lock on it').rejects.toThrow()
  })
})
