import { ClientBase, type ClientOptions } from './client'
import { webPlatform } from './platform'

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

export type { ClientBase, ClientOptions, UploadOptions } from './client'
export type { RequestOptions, FetchFn } from './core/http'
export type { WaitOptions } from './core/lifecycle'
export type { Logger, LogLevel } from './core/logger'
export type { RateLimits } from './core/limiter'
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
export { Video, RemoveBGOptions, Prefer, Model, type PreferTable, type RemoveBGOptionsInit, type RemoveBackgroundParams } from './video'
export { Foreground, type ForegroundDetails } from './foreground'
export type { OpenOptions, VideoSource } from './transfer/source'
export type { Progress, ProgressCallback } from './transfer/progress'
export type { DownloadOptions, SaveOptions } from './transfer/download'
export { parseWebhook, verifyWebhook, MAX_WEBHOOK_BYTES, type WebhookEvent, type VerifiedWebhook, type ClaimedEvent } from './webhooks'
