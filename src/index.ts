export { VideoBGRemoverClient, type ClientOptions } from './client'
export type { RequestOptions, FetchFn } from './core/http'
export type { WaitOptions } from './core/lifecycle'
export type { Logger, LogLevel } from './core/logger'
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
  type ApiErrorDetails,
} from './errors'
export type {
  Background,
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
  StartJobOptions,
  StartJobResponse,
  TransparentBackground,
  TransparentFormat,
  UrlJob,
  WebhookDeliveries,
} from './schemas'
export { VERSION } from './version'
