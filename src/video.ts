import { internalsOf, type ClientBase, type ClientInternals } from './client'
import { waitForJob, type WaitOptions } from './core/lifecycle'
import { throwIfAborted } from './core/signal'
import { ValidationError, VideoBGRemoverError } from './errors'
import { Foreground } from './foreground'
import { Job, waitFrom, type JobJSON } from './job'
import type { Platform } from './platform'
import { probeSource } from './preflight'
import type { ProbeResult } from './probe/index'
import { RemoveBGOptions, type RemoveBGOptionsInit } from './remove-options'
import type { JobStatus } from './types'
import { submitJob, type Submission, type Submitted } from './submit'
import type { ProgressCallback } from './transfer/progress'
import type { SourceLoader } from './transfer/source'
import { checkStartOptions, checkSubmitSettings, checkWaitOptions } from './validate'

export { Model, Prefer, RemoveBGOptions, type PreferTable, type RemoveBGOptionsInit } from './remove-options'

/** What `submit` needs: the client, and optionally what to produce, which job to resume and how to follow along. */
export interface SubmitParams {
  /** The client whose key pays for the job. */
  client: ClientBase
  /** What to produce: a `RemoveBGOptions` or `{ prefer, model, background }`. Default: `webm_vp9` with the API's model. */
  options?: RemoveBGOptions | RemoveBGOptionsInit
  /** Receives `job.started`, `job.completed` and `job.failed`. */
  webhookUrl?: string
  /** Upload progress in bytes, throttled; ends at `total`. */
  onUploadProgress?: ProgressCallback
  /**
   * Called with the new job's id right after it is created, before a byte is uploaded, and awaited: persist the id
   * there, so a process that dies later can resume the job (`jobId`) instead of paying for another. If it throws,
   * nothing is uploaded and the error is thrown as it is; the job, unstarted, costs nothing. Not called when resuming.
   */
  onJobCreated?: (jobId: string) => void | Promise<void>
  /**
   * Resume this job instead of creating one, from the stage it reached: `created` → upload, then start; `uploaded` →
   * start; `processing` → wait; `completed` → the result at once; `failed` → `ProcessingError`. A job is never started
   * twice. Resuming at `created` needs the job's signed upload URL, which the API gives only at creation: it works in
   * the process that created the job (with `removeBackground` or `submit`, for about an hour); elsewhere it fails
   * with a `StorageError` (code `upload_url_unknown`) that says to create a new job, since an unstarted one is free.
   */
  jobId?: string
  /**
   * Before a job is created (or a resumed one started), read the video's duration from its container (a few slices,
   * ≤ 1 MiB) and compare the credits it needs, the duration rounded up to whole seconds, with `credits()`: refuse a
   * short balance with `InsufficientCreditsError` before anything is created or uploaded. Skipped, with no extra
   * request, when the duration cannot be read (a URL, a stream, an unknown container). Default true; the rounding up
   * may refuse a balance within a credit of the length, which `false` leaves to the API's own check at the start.
   */
  preflight?: boolean
  /**
   * Refuse a video whose estimated cost (its duration rounded up to whole seconds) is over this many credits, with
   * `InsufficientCreditsError` and nothing sent. Needs the preflight; applies only when the duration can be read.
   */
  maxCredits?: number
  /** Aborts at once with an `AbortError` (carrying the `jobId` once a job exists). */
  signal?: AbortSignal
}

/** What `removeBackground` needs: `submit`'s parameters, and how long and how to wait. */
export interface RemoveBackgroundParams extends SubmitParams {
  /** Seconds between status polls; adaptive when absent. */
  pollSeconds?: number
  /** Seconds to wait for processing before a `TimeoutError` (the job goes on). */
  timeout?: number
  /** Called with each new status while waiting (`created`, `uploaded`, `processing`, `completed`, `failed`). */
  onStatus?: WaitOptions['onStatus']
}

/** A call checked and its source loaded, with what its result will say it asked for. */
interface Prepared extends Submission {
  options: RemoveBGOptions
  /** Whether the caller passed `options` (which then name the format of a job resumed past its start). */
  explicit: boolean
}

/**
 * A video to process: what `Video.open()` returns in every runtime. Each entry point's `Video` extends it with the
 * `open()` of its runtime (file paths in Node, Bun and Deno). Exported as a type only.
 */
export class VideoBase {
  readonly #load: SourceLoader
  readonly #platform: Pick<Platform, 'openFile'>

  /** @internal built by the runtime's `Video.open()`, with what it has for file paths. */
  protected constructor(load: SourceLoader, platform: Pick<Platform, 'openFile'>) {
    this.#load = load
    this.#platform = platform
  }

  /**
   * What the container says: `{ durationSeconds?, container?, width?, height?, estimatedCredits? }`, read from a few
   * slices of the file, Blob or bytes (at most 1 MiB, whatever the size), in every runtime; `estimatedCredits` is the
   * duration rounded up to whole seconds. Sends nothing. Never throws: a field it cannot read is absent, and a URL
   * (which would have to be downloaded), a `ReadableStream` (which can be read only once, and is kept whole for the
   * upload), a missing file or an unknown container give `{}`.
   */
  async probe(): Promise<ProbeResult> {
    try {
      return await probeSource(await this.#load(this.#platform))
    } catch {
      return {}
    }
  }

  /**
   * Create → upload → start, without waiting: resolves to the started `Job`, whose `result()` waits (here or, through
   * `job.toJSON()` and `client.job(json)`, in another process). Preflights the credits first, and resumes a `jobId`
   * from the stage it reached, as `removeBackground` does.
   *
   * @throws ValidationError before anything is sent, for a missing `client` or bad options; `InsufficientCreditsError`
   *   from the preflight (nothing created) or the start; then whatever the calls throw, notably `StorageError` (upload
   *   refused, or a resumed job's upload URL unknown), `ProcessingError` (a resumed job that failed) and `AbortError`.
   */
  async submit(params: SubmitParams): Promise<Job> {
    const prepared = await this.#prepare(params, 'submit')
    const submitted = await submitJob(prepared)
    return new Job(params.client, prepared.internals, describe(prepared, submitted))
  }

  /**
   * Create → upload → start → wait, resolving to the result. Credits are charged at the start (1 per second of
   * video); before anything is created, a preflight compares the video's duration with the balance (`preflight`).
   * Pass `onJobCreated` to keep the job's id as soon as it exists, and `jobId` to resume that job after a failure,
   * an abort or a restart, from the stage it reached and without a second start. Errors after creation carry the
   * `jobId`.
   *
   * @throws ValidationError before anything is sent, for a missing `client` or bad options; `InsufficientCreditsError`
   *   from the preflight (nothing created) or the start; then whatever the calls throw, notably `StorageError` (upload
   *   refused), `ProcessingError` (the job failed), `TimeoutError` (past `timeout` seconds; the job goes on) and
   *   `AbortError`.
   */
  async removeBackground(params: RemoveBackgroundParams): Promise<Foreground> {
    const prepared = await this.#prepare(params, 'removeBackground')
    const submitted = await submitJob(prepared)
    const { jobId, found, started } = submitted
    const { pollSeconds, timeout, onStatus, signal } = params
    const { calls } = prepared.internals
    let status: JobStatus
    try {
      status = found
        ? await waitFrom(calls, jobId, found, { pollSeconds, timeout, onStatus, signal })
        : await waitForJob(calls, jobId, { pollSeconds, timeout, onStatus, signal }, {})
    } catch (error) {
      if (error instanceof VideoBGRemoverError) error.jobId ??= jobId
      throw error
    }
    const { format, model, source } = describe(prepared, submitted, status)
    return new Foreground(params.client, status, { format, model, source, creditsUsed: started?.creditsUsed ?? undefined })
  }

  /** Checks everything that can be checked, then loads the source: a bad input sends nothing at all. */
  async #prepare(params: RemoveBackgroundParams, method: string): Promise<Prepared> {
    const internals: ClientInternals | undefined = internalsOf(params?.client)
    if (!internals) throw new ValidationError(`${method}() needs { client }: a VideoBGRemoverClient`, 'client')
    checkWaitOptions(params)
    const options = RemoveBGOptions.from(params.options)
    const startOptions = checkStartOptions(options.toStartOptions(params.webhookUrl))
    const { jobId, onJobCreated, onUploadProgress, preflight, maxCredits, signal } = checkSubmitSettings(params)
    const source = await this.#load(internals.platform)
    throwIfAborted(signal, jobId)
    const explicit = params.options !== undefined
    const client = params.client
    return {
      client,
      internals,
      source,
      startOptions,
      jobId,
      onJobCreated,
      onUploadProgress,
      preflight,
      maxCredits,
      signal,
      options,
      explicit,
    }
  }
}

/**
 * What a job asked for: the options sent when this call started it; for a job found already started, the status's
 * `output_format` unless the caller named the options.
 */
function describe(prepared: Prepared, submitted: Submitted, status = submitted.found?.data): JobJSON & { format: string; source: string } {
  const { options, explicit, source } = prepared
  const format = submitted.started || explicit ? options.format : (status?.output_format ?? options.format)
  return { id: submitted.jobId, format, ...(options.model !== undefined && { model: options.model }), source: source.reference }
}
