import { leaseLost } from '../errors'
import type { FileJob } from '../types'
/**
 * A batch's journal: what `runBatch` knows about each input, so that a rerun after a crash, a deploy or a closed
 * laptop lid never pays twice. Stores: `memoryJobStore()` (here), `fileJobStore(path)` (Node), `redisJobStore(redis)`
 * (`@videobgremover/sdk/redis`, for many workers).
 */

/**
 * Where one input stands. `created`: the job exists (its id journaled before the first byte is uploaded).
 * `uploaded`: the upload is complete. `starting`: the start is being sent (journaled before it is, so a rerun reads
 * the job's status instead of ever replacing it). `started`: the start was accepted (credits charged).
 * `downloading`: the job completed and its whole result is written to a temporary of `outputBytes` bytes, about to
 * be renamed to `output`. `done`: the output is in place. `failed`: the
 * job or a step failed (`error` says why; a rerun retries it only with `retryFailed`).
 */
export type JobRecordState = 'created' | 'uploaded' | 'starting' | 'started' | 'downloading' | 'done' | 'failed'

/**
 * Whether an input's job is not known to have started (or has none yet): its record keeps the upload target, and a
 * rerun reads the job's status before it does anything else.
 */
export const notYetStarted = (state: JobRecordState | undefined): boolean =>
  state === undefined || state === 'created' || state === 'uploaded' || state === 'starting'

/** The journal's entry for one input, keyed by its content key. Written whole each time it changes. */
export interface JobRecord {
  /** The content key: SHA-256 (hex) of the input's bytes (or of its URL) and of the options it is processed with. */
  readonly key: string
  /** The input as given (a path, a URL or a name), for people reading the journal. */
  readonly input: string
  /** Where it stands. */
  readonly state: JobRecordState
  /** The API's job id, once the job exists. */
  readonly jobId?: string
  /**
   * The job's signed upload target until the job is known to have started (states `created`, `uploaded`,
   * `starting`), so that a rerun that finds the upload missing uploads to the same job instead of creating another;
   * dropped from the record once started. It lets its holder write the job's video until `expires_at` (about an
   * hour): keep the journal private (the file journal is mode 0600).
   */
  readonly upload?: FileJob
  /** The absolute path of the output file, chosen once from the input's name and kept across reruns. */
  readonly output?: string
  /**
   * The output's size in bytes (`downloading`, `done`): a file found at `output` while the record says `downloading`
   * is taken as this job's result (renamed into place just before a crash) only when its size is this.
   */
  readonly outputBytes?: number
  /** Credits the start charged, when the API said. */
  readonly creditsUsed?: number
  /** Why it failed, for `failed`. */
  readonly error?: JobRecordError
  /** The worker that wrote it (see `JobStore.claim`). */
  readonly worker?: string
  /** When it was written, in epoch milliseconds. */
  readonly updatedAt: number
}

/** Why an input failed, as the journal keeps it. */
export interface JobRecordError {
  /** The error's class, e.g. `ProcessingError`. */
  readonly name: string
  /** Its message. */
  readonly message: string
  /** Its code, when it has one (e.g. `job_failed`). */
  readonly code?: string
}

/**
 * The journal behind `runBatch({ store })`: records keyed by content key, and claims that keep two workers off one
 * input. Implement it to keep the journal elsewhere (a database); every method may reject, which stops the batch.
 */
export interface JobStore {
  /** The record of `key`, or undefined when the input was never journaled. */
  get(key: string): Promise<JobRecord | undefined>
  /**
   * Writes `record` (replacing the record of its key), durably: when it resolves, a crash cannot lose it. Writes are
   * fenced by the claims: a record with a `worker` is written only while that worker holds a live claim on the key,
   * and one without (a tool repairing the journal) only while nobody does; otherwise it rejects with `JobStoreError`
   * (`lease_lost`) and writes nothing. The check and the write are one step (a stale worker cannot slip in between).
   */
  put(record: JobRecord): Promise<void>
  /** Every record, in no particular order. */
  list(): Promise<JobRecord[]>
  /**
   * Claims `key` for `worker` for `leaseMs` milliseconds, or renews the claim it holds; resolves to false when
   * another worker holds a live claim. A dead worker's claim expires, and another worker may then take the input
   * over (resuming its job by id).
   */
  claim(key: string, worker: string, leaseMs: number): Promise<boolean>
  /** Gives up `worker`'s claim on `key` (nothing when it holds none). */
  release(key: string, worker: string): Promise<void>
  /** Releases what the store holds open (a file, a lock); optional. */
  close?(): Promise<void>
}

/** Claims held in this process: who holds each key, until when (epoch ms). */
export class Leases {
  readonly #held = new Map<string, { worker: string; until: number }>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes or renews the claim; false when another worker holds it. */
  claim(key: string, worker: string, leaseMs: number): boolean {
    const holder = this.holder(key)
    if (holder !== undefined && holder !== worker) return false
    this.#held.set(key, { worker, until: this.now() + leaseMs })
    return true
  }

  release(key: string, worker: string): void {
    if (this.#held.get(key)?.worker === worker) this.#held.delete(key)
  }

  /** The worker holding a live claim on `key`, if any. */
  holder(key: string): string | undefined {
    const lease = this.#held.get(key)
    if (lease === undefined || lease.until <= this.now()) return undefined
    return lease.worker
  }
}

/**
 * A `JobStore` in this process's memory: for tests, and for batches that need no rerun. Nothing survives the
 * process.
 */
export function memoryJobStore(): JobStore {
  const records = new Map<string, JobRecord>()
  const leases = new Leases()
  return {
    async get(key) {
      return records.get(key)
    },
    async put(record) {
      checkWriter(leases, record)
      records.set(record.key, record)
    },
    async list() {
      return [...records.values()]
    },
    async claim(key, worker, leaseMs) {
      return leases.claim(key, worker, leaseMs)
    },
    async release(key, worker) {
      leases.release(key, worker)
    },
  }
}

/** Refuses a write by a worker that does not hold the key's live claim (or, for a record without one, while anyone does). */
export function checkWriter(leases: Leases, record: JobRecord): void {
  const holder = leases.holder(record.key)
  if (holder !== record.worker) throw leaseLost(record.key, record.worker, holder)
}
