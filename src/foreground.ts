import { internalsOf, type ClientBase, type ClientInternals } from './client'
import { ValidationError, abortError, saveFailed } from './errors'
import type { JobStatus } from './types'
import { download, type DownloadOptions, type SaveOptions } from './transfer/download'

/** What a `Foreground` knows besides the job's status: what was asked for and sent. */
export interface ForegroundDetails {
  /** The output format asked for: a `transparent_format`, or `mp4` for green screen, colour and composition. */
  format: string
  /** The model asked for; undefined when the API's default was used. */
  model?: string
  /** What was sent: the file name, path or source URL. */
  source: string
  /** Credits charged, from the start response, when the status does not carry `length_seconds`. */
  creditsUsed?: number
}

/**
 * The result of `removeBackground`: the job's details worth persisting (all of them in `JSON.stringify(foreground)`),
 * and the output to download.
 */
export class Foreground {
  /** The job's id: store it to read the status again later (`client.status(jobId)`) or to delete the job. */
  readonly jobId: string
  /**
   * The output format asked for: a `transparent_format` such as `webm_vp9`, or `mp4` for green screen, colour and
   * composition. It decides what `url` holds and the extension to save it under.
   */
  readonly format: string
  /**
   * The signed URL of the main output (the status's `processed_video_url`), or undefined if the API gave none.
   * What it holds depends on `format`: `.webm` with alpha, `.mov` ProRes, `.mp4`, a `.zip`, a Lottie `.json`, …
   *
   * It lasts about an hour, and it is a bearer link: anyone holding it can download the output until then (no API
   * key needed), so do not log it or keep it as a permanent link. Keep `jobId` instead, and read a fresh URL with
   * `client.status(jobId)`. `blob()`, `arrayBuffer()`, `stream()` and `save()` refresh a stale URL themselves.
   */
  readonly url?: string
  /**
   * The signed URL of the mask video (the status's `processed_mask_url`): greyscale, white where the foreground is
   * (the other way round for `mask_video_inverted`). Undefined when the API gave none. Like `url`, it lasts about an
   * hour and works for anyone who holds it. The download helpers fetch only `url`: `fetch(maskUrl)` yourself (no API
   * key, no extra headers), and once it has expired read `client.status(jobId)` for a fresh `processed_mask_url`.
   */
  readonly maskUrl?: string
  /** A signed `.jpg` thumbnail URL, valid about an hour; undefined if the API gave none. */
  readonly thumbnailUrl?: string
  /** Seconds of video processed, which is also the credits used (1 credit per second). */
  readonly lengthSeconds?: number
  /** The model asked for; undefined when the API's default (`videobgremover-original`) was used. */
  readonly model?: string
  /** What was sent: the file name, path or source URL. */
  readonly source: string
  /** The job's final status, as the API returned it (`completed`), unknown fields included. */
  readonly status: JobStatus
  readonly #client: ClientBase
  readonly #internals: ClientInternals

  /** @param client the client that ran the job; its key reads fresh URLs. @param status the job's final status. */
  constructor(client: ClientBase, status: JobStatus, details: ForegroundDetails) {
    const internals = internalsOf(client)
    if (!internals) throw new ValidationError('Foreground needs the VideoBGRemoverClient that ran the job', 'client')
    this.#client = client
    this.#internals = internals
    this.status = status
    this.jobId = status.id
    this.format = details.format
    this.url = status.processed_video_url ?? undefined
    this.maskUrl = status.processed_mask_url ?? undefined
    this.thumbnailUrl = status.thumbnail_url ?? undefined
    this.lengthSeconds = status.length_seconds ?? details.creditsUsed
    this.model = details.model
    this.source = details.source
  }

  /** Streams the main output. Signed URLs last about an hour; a stale one is refreshed from the status. */
  async stream(options: DownloadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    if (!this.url) {
      throw new ValidationError(`Job ${this.jobId} has no processed_video_url to download`, 'url')
    }
    return download(this.url, {
      ...options,
      fetch: this.#internals.fetch,
      maxRetries: this.#internals.maxRetries,
      timeout: this.#internals.timeout,
      policy: this.#internals.policy,
      jobId: this.jobId,
      refreshUrl: async () => {
        const fresh = await this.#client.status(this.jobId, { signal: options.signal })
        if (!fresh.processed_video_url) {
          throw new ValidationError(`Job ${this.jobId} no longer has a processed_video_url`, 'url')
        }
        return fresh.processed_video_url
      },
    })
  }

  /**
   * Downloads the main output into memory as an `ArrayBuffer`. Fine for small outputs; for large ones prefer
   * `save(path)` (Node, Bun, Deno) or `stream()`, which never hold the whole file. A stale signed URL (older than
   * about an hour) is refreshed from the job's status once; connection errors and storage 5xx are retried up to the
   * client's `maxRetries`.
   *
   * @param options `signal` aborts at once with an `AbortError`; `onProgress` reports bytes received.
   * @throws ValidationError when the job has no output URL; `StorageError` when storage refuses even a fresh URL;
   *   `ConnectionError`, or `TimeoutError` past the client's `timeout` (ms) waiting for the response headers.
   */
  async arrayBuffer(options?: DownloadOptions): Promise<ArrayBuffer> {
    return new Response(await this.stream(options)).arrayBuffer()
  }

  /**
   * Downloads the main output into memory as a `Blob`, e.g. for `URL.createObjectURL(blob)` in a page. The blob's
   * `type` is empty: wrap it, `new Blob([blob], { type: 'video/webm' })`, where a player needs one. Fine for small
   * outputs; for large ones prefer `save(path)` or `stream()`. A stale signed URL (older than about an hour) is
   * refreshed from the job's status once; connection errors and storage 5xx are retried up to the client's
   * `maxRetries`.
   *
   * @param options `signal` aborts at once with an `AbortError`; `onProgress` reports bytes received.
   * @throws ValidationError when the job has no output URL; `StorageError` when storage refuses even a fresh URL;
   *   `ConnectionError`, or `TimeoutError` past the client's `timeout` (ms) waiting for the response headers.
   */
  async blob(options?: DownloadOptions): Promise<Blob> {
    return new Response(await this.stream(options)).blob()
  }

  /** Node, Bun, Deno: streams the output to `path` through a temporary file, so a failure leaves no file. */
  async save(path: string, options: SaveOptions = {}): Promise<string> {
    if (typeof path !== 'string' || path.trim() === '') {
      throw new ValidationError('save(path) needs the path of the file to write', 'path')
    }
    await this.#internals.platform
      .saveFile(path, () => this.stream(options), options.signal, options.overwrite)
      .catch((error: unknown) => {
        if (options.signal?.aborted) throw abortError(options.signal, this.jobId)
        throw saveFailed(this.jobId, path, error)
      })
    return path
  }
}
