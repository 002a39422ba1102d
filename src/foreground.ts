import { internalsOf, type ClientBase, type ClientInternals } from './client'
import { ValidationError, abortError, saveFailed } from './errors'
import type { JobStatus } from './schemas'
import { download, type DownloadOptions, type SaveOptions } from './transfer/download'

export interface ForegroundDetails {
  /** The output format asked for: a `transparent_format`, or `mp4` for green screen, colour and composition. */
  format: string
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
  readonly jobId: string
  readonly format: string
  readonly url?: string
  readonly maskUrl?: string
  readonly thumbnailUrl?: string
  /** Seconds of video processed, which is also the credits used (1 credit per second). */
  readonly lengthSeconds?: number
  readonly model?: string
  readonly source: string
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

  async arrayBuffer(options?: DownloadOptions): Promise<ArrayBuffer> {
    return new Response(await this.stream(options)).arrayBuffer()
  }

  async blob(options?: DownloadOptions): Promise<Blob> {
    return new Response(await this.stream(options)).blob()
  }

  /** Node, Bun, Deno: streams the output to `path` through a temporary file, so a failure leaves no file. */
  async save(path: string, options: SaveOptions = {}): Promise<string> {
    if (typeof path !== 'string' || path.trim() === '') {
      throw new ValidationError('save(path) needs the path of the file to write', 'path')
    }
    await this.#internals.platform.saveFile(path, () => this.stream(options), options.signal, options.overwrite).catch((error: unknown) => {
      if (options.signal?.aborted) throw abortError(options.signal, this.jobId)
      throw saveFailed(this.jobId, path, error)
    })
    return path
  }
}
