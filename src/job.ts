import type { ClientBase, ClientInternals } from './client'
import type { Exchange, RequestOptions } from './core/http'
import { hasNotStarted, waitForJob, type JobCalls, type WaitOptions } from './core/lifecycle'
import { jobFailed, jobNotStarted } from './errors'
import { Foreground } from './foreground'
import type { JobStatus } from './types'
import { checkRequestOptions, checkWaitOptions } from './validate'

/**
 * A job as a small plain object, from `job.toJSON()` (or `JSON.stringify(job)`): store it, and turn it back into a
 * `Job` in any process with `client.job(json)`. It holds no API key and no URL the API signed; `source` is what you
 * passed to `Video.open()` (a file name or path, or your URL as given).
 */
export interface JobJSON {
  /** The job's id. */
  id: string
  /** The output format asked for (`webm_vp9`, …, or `mp4` for a colour or composition), when known. */
  format?: string
  /** The model asked for, when one was. */
  model?: string
  /** What was sent: the file name, path or source URL, when known. */
  source?: string
}

/**
 * A job on the API, by id: what `video.submit()` resolves to, and what `client.job(idOrJson)` rebuilds in another
 * process. Holding one costs nothing and sends nothing; `status()` reads the job once, `result()` waits for it.
 */
export class Job {
  /** The job's id. */
  readonly id: string
  /** The output format asked for; when unknown, `result()` takes the status's `output_format` (else `mp4`). */
  readonly format?: string
  /** The model asked for, if known. */
  readonly model?: string
  /** What was sent (file name, path or URL), if known; `result()` falls back to the status's `filename`. */
  readonly source?: string
  readonly #client: ClientBase
  readonly #calls: JobCalls

  /** @internal built by `video.submit()` and `client.job()`, which check `init`. */
  constructor(client: ClientBase, internals: ClientInternals, init: JobJSON) {
    this.#client = client
    this.#calls = internals.calls
    this.id = init.id
    if (init.format !== undefined) this.format = init.format
    if (init.model !== undefined) this.model = init.model
    if (init.source !== undefined) this.source = init.source
  }

  /**
   * One read of the job's status (`created`, `uploaded`, `processing`, `completed` or `failed`), with fresh signed
   * result URLs once it is `completed`. A `failed` job resolves here like any other.
   *
   * @throws JobNotFoundError for an id this key does not own; whatever `client.status()` throws.
   */
  async status(options?: RequestOptions): Promise<JobStatus> {
    return (await this.#calls.status(this.id, checkRequestOptions(options))).data
  }

  /**
   * The result, once the job is `completed`: at once if it is already, else after polling as `client.wait()` does
   * (`pollSeconds` and `timeout` in seconds; adaptive polling and no limit by default). Call it again for fresh
   * signed URLs: a completed job costs one status read.
   *
   * @throws ValidationError (field `source`) for a job still `created` or `uploaded`, which has not started: finish
   *   it with `Video.open(source).removeBackground({ client, jobId })`; `ProcessingError` when the job `failed` (no
   *   credits used); `TimeoutError` past `timeout` seconds (the job goes on: call again); `AbortError`;
   *   `JobNotFoundError`.
   */
  async result(options: WaitOptions = {}): Promise<Foreground> {
    const { pollSeconds, timeout, onStatus, signal } = checkWaitOptions(options)
    const first = await this.#calls.status(this.id, { signal })
    const status = await waitFrom(this.#calls, this.id, first, { pollSeconds, timeout, onStatus, signal })
    return new Foreground(this.#client, status, {
      format: this.format ?? status.output_format ?? 'mp4',
      model: this.model,
      source: this.source ?? status.filename ?? this.id,
    })
  }

  /** `{ id, format?, model?, source? }`: what `client.job(json)` takes to rebuild this handle. */
  toJSON(): JobJSON {
    const { id, format, model, source } = this
    return { id, ...(format !== undefined && { format }), ...(model !== undefined && { model }), ...(source !== undefined && { source }) }
  }
}

/**
 * Waits for a job whose status was just read as `first`: a `completed` job resolves at once and a `failed` one throws,
 * with no second read; one not yet started throws (only its video can take it further). `onStatus` hears each
 * status once, `first`'s included.
 */
export async function waitFrom(calls: JobCalls, jobId: string, first: Exchange<JobStatus>, options: WaitOptions): Promise<JobStatus> {
  const { onStatus } = options
  let seen = first.data.status
  onStatus?.(seen, first.data)
  if (seen === 'completed') return first.data
  if (seen === 'failed') throw jobFailed(first.data, first)
  if (hasNotStarted(first.data)) throw jobNotStarted(jobId, seen)
  const report: WaitOptions['onStatus'] = (status, job) => {
    if (status === seen) return
    seen = status
    onStatus?.(status, job)
  }
  return waitForJob(calls, jobId, { ...options, onStatus: onStatus && report }, {})
}
