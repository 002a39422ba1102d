import { ClientBase, type ClientOptions } from './client'
import { noFiles, webPlatform } from './platform'
import { describeSource, type OpenOptions, type VideoSource } from './transfer/source'
import { VideoBase } from './video'

/** The typed client for every endpoint of the VideoBGRemover API. */
export class VideoBGRemoverClient extends ClientBase {
  /**
   * @param apiKey your key (`vbr_` + 32 characters); default `VIDEOBGREMOVER_API_KEY` where the runtime has an
   *   environment. Leave it out when `baseUrl` is your own backend that adds it.
   * @param options `baseUrl`, `timeout` (ms per attempt, default 60 000), `maxRetries` (default 2), `headers`,
   *   `fetch`, `logger`/`logLevel`, `rateLimit`; see `ClientOptions`.
   * @throws ValidationError when there is no key for the vendor's API, on a bad option, or for a key in a browser
   *   without `dangerouslyAllowBrowser`.
   */
  constructor(apiKey?: string, options: ClientOptions = {}) {
    super(apiKey, options, webPlatform)
  }
}

/** A video to process: a Blob or File, bytes, a stream or an http(s) URL (file paths need Node, Bun or Deno). */
export class Video extends VideoBase {
  /**
   * A video to process, from a file path (Node, Bun, Deno), an `http(s)` URL (the API downloads it), a `File` or
   * `Blob`, bytes, or a `ReadableStream` with `{ size }`. Checks the source at once; a file's size is read when
   * `removeBackground` runs. Nothing is sent yet.
   *
   * @throws ValidationError for an unknown kind of source, a content type other than MP4, MOV or WebM (from the file
   *   name or `contentType`), an empty input, one over `maxSize` (1 GB by default), or a stream without `size`.
   */
  static open(source: VideoSource, options?: OpenOptions): Video {
    return new Video(describeSource(source, options), noFiles)
  }
}

export type { ClientBase, ClientOptions, UploadOptions } from './client'
export type { RequestOptions, FetchFn } from './core/http'
export type { WaitOptions } from './core/lifecycle'
export type { Logger, LogLevel } from './core/logger'
export type { RateLimits } from './core/limiter'
export type { RateLimitStore, RateLimitRequest } from './core/rate-store'
export {
  VideoBGRemoverError,
  ApiError,
  AuthenticationError,
  InsufficientCreditsError,
  JobNotFoundError,
  RateLimitError,
  ProcessingError,
  ValidationError,
  ConnectionError,
  TimeoutError,
  AbortError,
  StorageError,
  type ApiErrorDetails,
  type StorageErrorDetails,
} from './errors'
export type {
  JobBackground,
  ColorBackground,
  CompositionBackground,
  CreateJobFileParams,
  CreateJobUrlParams,
  Credits,
  DeleteJobResponse,
  FileJob,
  JobStatus,
  JobStatusValue,
  ModelName,
  Open,
  StartJobOptions,
  StartJobResponse,
  TransparentBackground,
  TransparentFormat,
  UploadInstructions,
  UrlJob,
  WebhookDeliveries,
  WebhookDelivery,
} from './types'
export type { TransparentName } from './formats'
export { VERSION } from './version'
export {
  RemoveBGOptions,
  Prefer,
  Model,
  type VideoBase,
  type PreferTable,
  type RemoveBGOptionsInit,
  type RemoveBackgroundParams,
  type SubmitParams,
} from './video'
export { Job, type JobJSON } from './job'
export type { ProbeResult, ProbedContainer } from './probe/index'
export { Foreground, type ForegroundDetails } from './foreground'
export type { OpenOptions, VideoSource } from './transfer/source'
export type { Progress, ProgressCallback } from './transfer/progress'
export type { DownloadOptions, SaveOptions } from './transfer/download'
export { parseWebhook, verifyWebhook, MAX_WEBHOOK_BYTES, type WebhookEvent, type VerifiedWebhook, type ClaimedEvent } from './webhooks'
