import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { chmod, link, mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { Leases, checkWriter, type JobRecord, type JobStore } from '../../batch/store'
import { JobStoreError, journalLocked, journalUnreadable } from '../../errors'

/** Options of `fileJobStore`. */
export interface FileJobStoreOptions {
  /**
   * Compact the file (rewrite it with one line per input, atomically) when it holds more than this many lines past
   * one per record. Default 1 000.
   */
  compactAfter?: number
}

/** The first line of every journal file: what it is, and the version of its format. */
const HEADER = { journal: '@videobgremover/sdk/batch', version: 1 }

/**
 * A `JobStore` in a JSON-lines file: the default of `runBatch` and `vbr batch`. The first line names the format; each
 * other line is one whole `JobRecord`, and the last line for a key wins. Each `put` appends its line and flushes it
 * to disk (fsync) before it resolves, so a step the record guards runs only once the record would survive a crash
 * (concurrent puts share one write and one flush); `get` and `list` see a record once its line is flushed, and a
 * write that fails is cut off again. Safe against `kill -9` at any instant: a torn last line is ignored (and cut off
 * at the next open, by truncating the file to its last whole line), and compaction (past `compactAfter` superseded
 * lines, and at `close()`) writes a new file beside the old one, flushes it and renames it into place. The file is
 * mode 0600 (an existing one is made so when opened). One process at a time: a lock file (`<path>.lock`, holding the
 * pid) refuses a second live process with `JobStoreError` (`journal_locked`); a dead holder's lock is taken over, by
 * one process only when several try at once. Claims are kept in memory.
 */
export function fileJobStore(path: string, options: FileJobStoreOptions = {}): JobStore {
  const journal = new Journal(resolve(path), options.compactAfter ?? 1_000)
  const leases = new Leases()
  return {
    async get(key) {
      return (await journal.open()).get(key)
    },
    async put(record) {
      await journal.open()
      checkWriter(leases, record)
      await journal.append(record)
    },
    async list() {
      return [...(await journal.open()).values()]
    },
    async claim(key, worker, leaseMs) {
      await journal.open()
      return leases.claim(key, worker, leaseMs)
    },
    async release(key, worker) {
      leases.release(key, worker)
    },
    close: () => journal.close(),
  }
}

interface Pending {
  record: JobRecord
  line: string
  done: () => void
  failed: (error: unknown) => void
}

class Journal {
  /** What this journal's lock file holds: `pid@host#nonce` (the nonce tells apart two stores of one process). */
  readonly #me = `${process.pid}@${hostname()}#${randomBytes(6).toString('hex')}`
  readonly #records = new Map<string, JobRecord>()
  #opening: Promise<Map<string, JobRecord>> | undefined
  #file: FileHandle | undefined
  #lines = 0
  /** Bytes of the file up to its last flushed line: where a failed write is cut back to. */
  #size = 0
  #pending: Pending[] = []
  #flushing: Promise<void> | undefined

  constructor(
    readonly path: string,
    private readonly compactAfter: number,
  ) {}

  open(): Promise<Map<string, JobRecord>> {
    return (this.#opening ??= this.#load().catch(async (error: unknown) => {
      await this.#file?.close()
      if (!(error instanceof JobStoreError && error.code === 'journal_locked')) await unlock(this.path, this.#me)
      throw error
    }))
  }

  async #load(): Promise<Map<string, JobRecord>> {
    await mkdir(dirname(this.path), { recursive: true })
    await lock(this.path, this.#me)
    await rm(`${this.path}.compact`, { force: true })
    const bytes = await readFile(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    })
    if (bytes === undefined || bytes.length === 0) {
      const header = `${JSON.stringify(HEADER)}\n`
      await writeDurably(this.path, header)
      await chmod(this.path, 0o600)
      await syncDirectory(dirname(this.path))
      this.#size = Buffer.byteLength(header)
    } else {
      // The journal may hold signed upload URLs: one made by an older version, or copied in, is made private too.
      await chmod(this.path, 0o600)
      const complete = bytes.lastIndexOf(0x0a) + 1
      const lines = bytes.subarray(0, complete).toString('utf8').split('\n').slice(0, -1)
      const header = parse(lines[0])
      if (header?.journal !== HEADER.journal) throw journalUnreadable(this.path, 'its first line is not the journal header')
      for (const line of lines.slice(1)) {
        const record = parse(line) as JobRecord | undefined
        if (typeof record?.key === 'string' && typeof record.state === 'string') this.#records.set(record.key, record)
      }
      this.#lines = lines.length - 1
      // The torn end of a write that a crash cut short: its step never ran, as none runs before its record is flushed.
      // Cut in place: the whole lines before it are never rewritten, so a crash meanwhile cannot lose them.
      if (complete < bytes.length) await truncateDurably(this.path, complete)
      this.#size = complete
    }
    this.#file = await open(this.path, 'a')
    if (this.#lines > this.#records.size + this.compactAfter) await this.#compact()
    return this.#records
  }

  append(record: JobRecord): Promise<void> {
    return new Promise((done, failed) => {
      this.#pending.push({ record, line: `${JSON.stringify(record)}\n`, done, failed })
      this.#flushing ??= this.#flush()
    })
  }

  /**
   * Writes and flushes every waiting line at once, then whatever queued meanwhile. The records are taken in only once
   * flushed; a write or flush that fails is cut off the file again, so that no line its put reported as failed is
   * read back later.
   */
  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending
      this.#pending = []
      const text = batch.map((entry) => entry.line).join('')
      try {
        try {
          await this.#file!.write(text)
          await this.#file!.datasync()
        } catch (error) {
          await this.#file!.truncate(this.#size).catch(() => undefined)
          throw error
        }
        this.#size += Buffer.byteLength(text)
        for (const entry of batch) this.#records.set(entry.record.key, entry.record)
        this.#lines += batch.length
        if (this.#lines > this.#records.size + this.compactAfter) await this.#compact()
        for (const entry of batch) entry.done()
      } catch (error) {
        for (const entry of batch) entry.failed(error)
      }
    }
    this.#flushing = undefined
  }

  /** Rewrites the journal with one line per record: written and flushed beside it, then renamed over it. */
  async #compact(): Promise<void> {
    const lines = [HEADER, ...this.#records.values()].map((entry) => `${JSON.stringify(entry)}\n`).join('')
    const next = `${this.path}.compact`
    await writeDurably(next, lines)
    await this.#file?.close()
    await rename(next, this.path)
    await syncDirectory(dirname(this.path))
    this.#file = await open(this.path, 'a')
    this.#lines = this.#records.size
    this.#size = Buffer.byteLength(lines)
  }

  async close(): Promise<void> {
    if (this.#opening === undefined) return
    await this.#opening.catch(() => undefined)
    await this.#flushing
    // A closed journal keeps one line per input: no superseded line, and so no upload URL past its use.
    if (this.#lines > this.#records.size) await this.#compact().catch(() => undefined)
    await this.#file?.close()
    this.#file = undefined
    this.#opening = undefined
    this.#records.clear()
    await unlock(this.path, this.#me)
  }
}

function parse(line: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line ?? '')
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Writes `text` to `path` (replacing it) and flushes it to disk before resolving. */
async function writeDurably(path: string, text: string): Promise<void> {
  // The journal may hold a signed upload URL for a while (see JobRecord.upload): readable by its owner only.
  const file = await open(path, 'w', 0o600)
  try {
    await file.writeFile(text)
    await file.sync()
  } finally {
    await file.close()
  }
}

/** Cuts the file at `path` to its first `length` bytes, in place, and flushes it to disk before resolving. */
async function truncateDurably(path: string, length: number): Promise<void> {
  const file = await open(path, 'r+')
  try {
    await file.truncate(length)
    await file.sync()
  } finally {
    await file.close()
  }
}

/** A rename is durable once its directory is flushed (POSIX); where a directory cannot be opened, nothing to do. */
async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r').catch(() => undefined)
  await directory?.sync().catch(() => undefined)
  await directory?.close()
}

/** Attempts at the lock: each either takes it, meets a live holder, or breaks a dead one's lock and tries again. */
const LOCK_ATTEMPTS = 3

/**
 * Takes `path`'s lock file for `me` (`pid@host#nonce`), created with O_EXCL; a live holder (this process included)
 * refuses. A lock left by a dead process (kill -9, a crash) is broken (see `breakStale`), then taken like a free one.
 */
async function lock(path: string, me: string): Promise<void> {
  const file = `${path}.lock`
  for (let attempt = 1; ; attempt++) {
    try {
      await writeFile(file, me, { flag: 'wx', mode: 0o600 })
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = await readHolder(file)
    if (holder === undefined) continue
    if (isAlive(holder) || attempt >= LOCK_ATTEMPTS) throw journalLocked(path, `process ${holder.split('#')[0] || '(taking it now)'}`)
    await breakStale(file, holder)
  }
}

/**
 * Removes the lock file that holds `holder` (a dead process), atomically: of several processes breaking it at once,
 * one only moves it aside (a rename to a name of its own); what it moved is checked to be the dead holder's lock
 * before it is deleted. A live lock taken meanwhile (moved by a breaker that read the dead holder before) is put back.
 */
async function breakStale(file: string, holder: string): Promise<void> {
  const aside = `${file}.${randomBytes(6).toString('hex')}.stale`
  try {
    await rename(file, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  if ((await readHolder(aside)) !== holder) await link(aside, file).catch(() => undefined)
  await rm(aside, { force: true })
}

/** What a lock file holds, or undefined when there is none. */
async function readHolder(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').then(
    (text) => text.trim(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    },
  )
}

async function unlock(path: string, me: string): Promise<void> {
  if ((await readHolder(`${path}.lock`).catch(() => undefined)) === me) await rm(`${path}.lock`, { force: true })
}

/**
 * Whether the `pid@host` of a lock file names a live process. On another host, it cannot be told: assumed alive; so is
 * an empty lock (its holder is writing it).
 */
function isAlive(holder: string): boolean {
  const [pid, host] = holder.split('#')[0]!.split('@')
  if (host !== hostname()) return true
  try {
    process.kill(Number(pid), 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
