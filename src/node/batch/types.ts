import type { ClientBase } from '../../client'
import type { JobStore } from '../../batch/store'
import type { RemoveBGOptions, RemoveBGOptionsInit } from '../../video'

/**
 * One input of a batch: a file path, an `http(s)` URL (the API downloads it), or `{ source, name }` with a path, a
 * URL, a `Blob` or bytes and the name its output is named after (default: the path's or URL's file name).
 */
export type BatchInput = string | URL | BatchSource

/** An input given with the name its output is named after (and sent to the API). */
export interface BatchSource {
  /** A file path, an `http(s)` URL, a `Blob` or bytes. */
  source: string | URL | Blob | ArrayBuffer | ArrayBufferView
  /** The file name (with its extension, which says the video's type); default: the path's or URL's, else `video-<n>.mp4`. */
  name?: string
}

/** How an input ended: `done` (processed now), `failed`, or `skipped` (done already, by an earlier run or another worker). */
export type BatchResultState = 'done' | 'failed' | 'skipped'

/** What `runBatch` yields, once per input. */
export interface BatchResult {
  /** The input, as given. */
  input: BatchInput
  /** Its content key: SHA-256 of its bytes (or URL) and the options. */
  key: string
  /** How it ended. */
  state: BatchResultState
  /** The API's job id, when a job exists. */
  jobId?: string
  /** The absolute path of the output file (for `done` and `skipped`). */
  output?: string
  /** Credits the start charged, when this run started it and the API said. */
  creditsUsed?: number
  /** Why it failed (for `failed`): an SDK error, e.g. `ProcessingError` for a job that failed, with its `jobId`. */
  error?: Error
}

/**
 * Where an input stands, for progress views: `hashing` (its content key), `queued` (waiting for a transfer slot),
 * `creating`, `uploading`, `waiting` (uploaded, waiting for a start slot under the key's start limit), `starting`,
 * `processing`, `downloading`, `elsewhere` (another worker holds it), then `done`, `failed` or `skipped`.
 */
export type BatchStage =
  | 'hashing'
  | 'queued'
  | 'creating'
  | 'uploading'
  | 'waiting'
  | 'starting'
  | 'processing'
  | 'downloading'
  | 'elsewhere'
  | 'done'
  | 'failed'
  | 'skipped'

/** A change of one input's stage, or progress of its transfer; `onEvent` receives them. */
export interface BatchEvent {
  /** The input's position in the list given to `runBatch`. */
  index: number
  /** The name its output is named after. */
  name: string
  /** Its stage now. */
  stage: BatchStage
  /** The job, once one exists. */
  jobId?: string
  /** Bytes moved so far and in all, while `uploading` or `downloading`. */
  bytes?: BatchBytes
}

/** Progress of a transfer, in bytes. */
export interface BatchBytes {
  /** Bytes moved so far. */
  loaded: number
  /** Bytes in all; 0 when unknown. */
  total: number
}

/** What `runBatch` and `planBatch` take. */
export interface RunBatchOptions {
  /** The client whose key pays; its `rateLimit` (and `store`) paces every call of the batch. */
  client: ClientBase
  /** The directory the outputs are written to (created if missing). */
  outDir: string
  /**
   * The journal. Default: `fileJobStore(join(outDir, '.vbr-batch.jsonl'))`, opened and closed by the batch. Give many
   * workers one `redisJobStore(redis)` to share the inputs.
   */
  store?: JobStore
  /** What to produce, for every input: a `RemoveBGOptions` or `{ prefer, model, background }`. Default `webm_vp9`. */
  options?: RemoveBGOptions | RemoveBGOptionsInit
  /** Uploads and downloads in flight at once (default 4). Starts follow the key's start limit, whatever this is. */
  concurrency?: number
  /**
   * Refuse the batch, before anything is uploaded, when the credits its inputs are estimated to need (each video's
   * duration rounded up to whole seconds) pass this many, or when any input still to start has a duration that cannot
   * be read (a URL, an unknown container): such an input could break the bound, so the refusal names how many there
   * are rather than leave them out of the count. Checked by the preflight, as the balance (`credits()`) is: neither
   * with `preflight: false`.
   */
  maxCredits?: number
  /** Read each video's duration and compare the batch's total with the balance before uploading anything (default true). */
  preflight?: boolean
  /** Retry the inputs an earlier run journaled as failed (a new job each; a failed job cost nothing). Default false. */
  retryFailed?: boolean
  /** Stops the batch at once (the iterator then throws `AbortError`); the journal stays consistent for a rerun. */
  signal?: AbortSignal
  /** Called at each change of an input's stage, and with transfer progress. Must not throw. */
  onEvent?: (event: BatchEvent) => void
  /**
   * How long a worker's claim on an input lasts without renewal, in milliseconds (default 60 000; renewed every
   * third of it). After a worker dies, others take its inputs over once this has passed.
   */
  leaseMs?: number
  /** This worker's name in the journal's claims (default: a random id). */
  worker?: string
}
