import { internalsOf, type ClientBase } from './client'
import { startJobSafely, waitForJob, type WaitOptions } from './core/lifecycle'
import { ValidationError, VideoBGRemoverError } from './errors'
import { Foreground } from './foreground'
import type { JobBackground, ModelName, StartJobOptions, TransparentFormat } from './schemas'
import type { ProgressCallback } from './transfer/progress'
import { describeSource, type OpenOptions, type SourceLoader, type VideoSource } from './transfer/source'
import { uploadToSignedUrl } from './transfer/upload'
import { throwIfAborted } from './core/signal'
import { TRANSPARENT_FORMATS } from './formats'
import { checkKnownValue, checkStartOptions, checkWaitOptions } from './validate'

type PreferTable = { readonly AUTO: 'webm_vp9' } & { readonly [F in (typeof TRANSPARENT_FORMATS)[number] as Uppercase<F>]: F }

/** Every `transparent_format` (`Prefer.WEBM_VP9`, `Prefer.MOV_PRORES`, …), read from `OUTPUT_FORMATS`; `AUTO` is `webm_vp9`. */
export const Prefer: PreferTable = Object.freeze(
  Object.fromEntries([['AUTO', 'webm_vp9'], ...TRANSPARENT_FORMATS.map((format) => [format.toUpperCase(), format])]),
) as PreferTable

/** The four models; any other string is sent as given. */
export const Model = {
  ORIGINAL: 'videobgremover-original',
  LIGHT: 'videobgremover-light',
  PRO: 'videobgremover-pro',
  HUMAN: 'videobgremover-human',
} as const

export interface RemoveBGOptionsInit {
  prefer?: TransparentFormat
  model?: ModelName
  /** A `#RRGGBB` colour, or a full background (colour or server-side composition) instead of transparency. */
  background?: string | JobBackground
}

/** What to produce: a transparent format (default `webm_vp9`), a model, or a colour or composition background. */
export class RemoveBGOptions {
  readonly prefer: TransparentFormat
  readonly model?: ModelName
  readonly background?: JobBackground

  constructor(prefer: TransparentFormat = Prefer.AUTO, model?: ModelName, background?: string | JobBackground) {
    this.prefer = checkKnownValue(prefer, TRANSPARENT_FORMATS, 'prefer')
    this.model = model === undefined ? undefined : checkKnownValue(model, Object.values(Model), 'model')
    if (typeof background === 'string') {
      this.background = { type: 'color', color: background }
    } else if (background?.type === 'transparent') {
      const format = checkKnownValue(background.transparent_format ?? this.prefer, TRANSPARENT_FORMATS, 'background.transparent_format')
      this.background = { ...background, transparent_format: format }
    } else {
      this.background = background
    }
  }

  static withPrefer(prefer: TransparentFormat): RemoveBGOptions {
    return new RemoveBGOptions(prefer)
  }

  static withModel(model: ModelName): RemoveBGOptions {
    return new RemoveBGOptions(Prefer.AUTO, model)
  }

  static from(options: RemoveBGOptions | RemoveBGOptionsInit | undefined): RemoveBGOptions {
    if (options instanceof RemoveBGOptions) return options
    return new RemoveBGOptions(options?.prefer, options?.model, options?.background)
  }

  /** The body of the start call. */
  toStartOptions(webhookUrl?: string): StartJobOptions {
    return {
      background: this.background ?? { type: 'transparent', transparent_format: this.prefer },
      model: this.model,
      webhook_url: webhookUrl,
    }
  }

  /** The format of the main output file. */
  get format(): string {
    if (this.background?.type === 'transparent') return this.background.transparent_format ?? this.prefer
    return this.background ? 'mp4' : this.prefer
  }
}

/** What `removeBackground` needs: the client, and optionally what to produce and how to follow along. */
export interface RemoveBackgroundParams {
  /** The client whose key pays for the job. */
  client: ClientBase
  options?: RemoveBGOptions | RemoveBGOptionsInit
  /** Seconds between status polls; adaptive when absent. */
  pollSeconds?: number
  /** Seconds to wait for processing before a `TimeoutError` (the job goes on). */
  timeout?: number
  /** Called with each new status while waiting (`created`, `uploaded`, `processing`, `completed`, `failed`). */
  onStatus?: WaitOptions['onStatus']
  /** Upload progress in bytes, throttled; ends at `total`. */
  onUploadProgress?: ProgressCallback
  /** Receives `job.started`, `job.completed` and `job.failed`. */
  webhookUrl?: string
  /** Aborts at once with an `AbortError` (carrying the `jobId` once a job exists). */
  signal?: AbortSignal
}

/** A video to process: a file path, an http(s) URL, a File or Blob, bytes or a stream. */
export class Video {
  readonly #load: SourceLoader

  private constructor(load: SourceLoader) {
    this.#load = load
  }

  /** Checks the source at once: a bad one is a `ValidationError` before anything is sent. */
  static open(source: VideoSource, options?: OpenOptions): Video {
    return new Video(describeSource(source, options))
  }

  /** Create → upload → start → wait, resolving to the result. Errors after creation carry the `jobId`. */
  async removeBackground(params: RemoveBackgroundParams): Promise<Foreground> {
    const client = internalsOf(params?.client)
    if (!client) throw new ValidationError('removeBackground() needs { client }: a VideoBGRemoverClient', 'client')
    const { signal } = checkWaitOptions(params)
    const options = RemoveBGOptions.from(params.options)
    const startOptions = checkStartOptions(options.toStartOptions(params.webhookUrl))
    const source = await this.#load(client.platform)
    throwIfAborted(signal)
    let jobId: string | undefined
    try {
      if (source.kind === 'url') {
        jobId = (await client.createJobUrl({ video_url: source.reference }, { signal })).id
      } else {
        const job = await client.createJobFile({ filename: source.filename, content_type: source.contentType }, { signal })
        jobId = job.id
        await uploadToSignedUrl(job, source, { ...client, signal, onProgress: params.onUploadProgress })
      }
      const started = await startJobSafely(client.calls, jobId, startOptions, { signal }, client.maxRetries)
      const { pollSeconds, timeout, onStatus } = params
      const status = await waitForJob(client.calls, jobId, { pollSeconds, timeout, onStatus, signal }, {})
      return new Foreground(params.client, status, {
        format: options.format,
        model: options.model,
        source: source.reference,
        creditsUsed: started.creditsUsed ?? undefined,
      })
    } catch (error) {
      if (error instanceof VideoBGRemoverError && jobId !== undefined) error.jobId ??= jobId
      throw error
    }
  }
}
