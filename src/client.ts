import { HttpClient, type Endpoint, type FetchFn, type RequestOptions } from './core/http'
import { waitForJob, startJobSafely, type WaitOptions } from './core/lifecycle'
import type { RateLimits } from './core/limiter'
import { createLogger, type Logger, type LogLevel } from './core/logger'
import { isBrowser } from './core/runtime'
import { API_KEY_ENV, DEFAULT_BASE_URL } from './defaults'
import { ValidationError } from './errors'
import type { Platform } from './platform'
import {
  creditsSchema,
  deleteJobResponseSchema,
  fileJobSchema,
  jobStatusSchema,
  startJobResponseSchema,
  toCredits,
  urlJobSchema,
  withCreditsUsed,
  webhookDeliveriesSchema,
  type CreateJobFileParams,
  type CreateJobUrlParams,
  type Credits,
  type DeleteJobResponse,
  type FileJob,
  type JobStatus,
  type StartJobOptions,
  type StartJobResponse,
  type UrlJob,
  type WebhookDeliveries,
} from './schemas'
import {
  checkBaseUrl,
  checkCreateJobFile,
  checkCreateJobUrl,
  checkJobId,
  checkNonNegativeInteger,
  checkPositive,
  checkRequestOptions,
  checkStartOptions,
  checkWaitOptions,
} from './validate'


export interface ClientOptions {
  /** Default `https://api.videobgremover.com`; may carry a path prefix such as `http://localhost:3000/api`. */
  baseUrl?: string
  /** Milliseconds per attempt (default 60 000). */
  timeout?: number
  /** Extra headers on every API call (never sent to storage). */
  headers?: Record<string, string>
  /** Retries for calls that may be repeated (default 2). */
  maxRetries?: number
  /** A custom fetch; otherwise `globalThis.fetch`, looked up at each call. */
  fetch?: FetchFn
  logger?: Logger
  logLevel?: LogLevel
  /** Allow an API key in a browser, where anyone can read it. */
  dangerouslyAllowBrowser?: boolean
  /** Allow a plain `http://` baseUrl on a host other than loopback. */
  allowInsecureHttp?: boolean
  /**
   * The key's limits, which every client of this key in the process paces itself under together (default
   * 100 requests and 3 starts a minute), or `false` to send without pacing.
   */
  rateLimit?: RateLimits | false
}

/** What the Video facade and downloads use besides the endpoints; not part of the public API. */
export const transport = Symbol('videobgremover.transport')
export interface Transport {
  fetch: FetchFn
  platform: Platform
}

const DEFAULT_TIMEOUT_MS = 60_000
const DEFAULT_MAX_RETRIES = 2
const URL_JOB_TIMEOUT_MS = 300_000
const LOG_LEVELS: readonly LogLevel[] = ['off', 'error', 'warn', 'info', 'debug']

/** The typed client for every endpoint of the VideoBGRemover API. */
export class VideoBGRemoverClient {
  readonly baseUrl: string
  readonly timeout: number
  readonly maxRetries: number
  readonly #http: HttpClient
  readonly #platform: Platform

  /** @param platform internal: each entry point (web, browser, Node) passes its own. */
  constructor(apiKey: string | undefined, options: ClientOptions, platform: Platform) {
    const baseUrl = checkBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL, options.allowInsecureHttp)
    const ownBackend = new URL(baseUrl).origin !== new URL(DEFAULT_BASE_URL).origin
    const key = resolveApiKey(apiKey, platform.env(API_KEY_ENV), ownBackend)
    if (key && isBrowser() && !options.dangerouslyAllowBrowser) {
      throw new ValidationError(
        'An API key in a browser is readable by anyone: keep it on your server, point baseUrl at a backend that adds it (@videobgremover/sdk/proxy), or pass dangerouslyAllowBrowser: true',
        'dangerouslyAllowBrowser',
      )
    }
    if (options.logLevel !== undefined && !LOG_LEVELS.includes(options.logLevel)) {
      throw new ValidationError(`logLevel must be one of ${LOG_LEVELS.join(', ')}`, 'logLevel')
    }
    this.baseUrl = baseUrl
    this.timeout = checkPositive(options.timeout ?? DEFAULT_TIMEOUT_MS, 'timeout')
    this.maxRetries = checkNonNegativeInteger(options.maxRetries ?? DEFAULT_MAX_RETRIES, 'maxRetries')
    const logger = createLogger(options.logger, options.logLevel, key)
    if (key && !/^vbr_.{32}$/.test(key)) {
      logger.warn('the API key is not vbr_ + 32 characters; sending it anyway')
    }
    this.#platform = platform
    this.#http = new HttpClient({
      baseUrl,
      apiKey: key,
      timeout: this.timeout,
      maxRetries: this.maxRetries,
      headers: { ...options.headers },
      fetch: options.fetch,
      userAgent: isBrowser() ? undefined : platform.userAgent?.(),
      logger,
      limiter: options.rateLimit === false ? undefined : platform.limiter?.(baseUrl, key, options.rateLimit),
    })
  }

  /** The credit balance: `{ totalCredits, remainingCredits, usedCredits }`. */
  async credits(options?: RequestOptions): Promise<Credits> {
    return this.#send({ method: 'GET', path: '/v1/credits', schema: creditsSchema, retry: 'read' }, options).then(toCredits)
  }

  /** Creates a job for a file upload; PUT the bytes to `upload_url`, then `startJob`. */
  async createJobFile(params: CreateJobFileParams, options?: RequestOptions): Promise<FileJob> {
    const body = checkCreateJobFile(params)
    return this.#send({ method: 'POST', path: '/v1/jobs', body, schema: fileJobSchema, retry: 'create' }, options)
  }

  /** Creates a job from a public video URL, which the API downloads during this call. */
  async createJobUrl(params: CreateJobUrlParams, options?: RequestOptions): Promise<UrlJob> {
    const body = checkCreateJobUrl(params)
    return this.#send(
      { method: 'POST', path: '/v1/jobs', body, schema: urlJobSchema, retry: 'create', timeout: Math.max(this.timeout, URL_JOB_TIMEOUT_MS) },
      options,
    )
  }

  /** Starts processing; credits are charged here. Never sent twice for one call (see README, Retries). */
  async startJob(jobId: string, startOptions: StartJobOptions = {}, options: RequestOptions = {}): Promise<StartJobResponse> {
    const id = checkJobId(jobId)
    const body = checkStartOptions(startOptions)
    const send = () =>
      this.#send({ method: 'POST', path: `${jobPath(id)}/start`, body, schema: startJobResponseSchema, retry: 'never', start: true, jobId: id }, options).then(withCreditsUsed)
    const maxRetries = checkRequestOptions(options).maxRetries ?? this.maxRetries
    return startJobSafely(id, send, (o) => this.status(id, { ...options, ...o }), maxRetries, options.signal)
  }

  /** The job's status, with signed result URLs once it is completed. */
  async status(jobId: string, options?: RequestOptions): Promise<JobStatus> {
    const id = checkJobId(jobId)
    return this.#send({ method: 'GET', path: `${jobPath(id)}/status`, schema: jobStatusSchema, retry: 'read', jobId: id }, options)
  }

  /**
   * Polls until the job is `completed` (resolves with its status) or `failed` (rejects with `ProcessingError`).
   * `pollSeconds` and `timeout` are in seconds, as in the vendor's docs.
   */
  async wait(jobId: string, waitOptions: WaitOptions = {}, options: RequestOptions = {}): Promise<JobStatus> {
    const id = checkJobId(jobId)
    const spacingMs = () => this.#http.config.limiter?.spacingMs() ?? 0
    return waitForJob(id, (o) => this.status(id, o), spacingMs, checkWaitOptions(waitOptions), options)
  }

  /** Deletes a job and its files (no refund). Experimental: the path is not yet confirmed by the vendor. */
  async deleteJob(jobId: string, options?: RequestOptions): Promise<DeleteJobResponse> {
    const id = checkJobId(jobId)
    return this.#send({ method: 'DELETE', path: jobPath(id), schema: deleteJobResponseSchema, retry: 'read', jobId: id }, options)
  }

  /** The webhook delivery history of one job. */
  async webhookDeliveries(jobId: string, options?: RequestOptions): Promise<WebhookDeliveries> {
    const id = checkJobId(jobId)
    return this.#send(
      { method: 'GET', path: '/v1/webhooks/deliveries', query: { video_id: id }, schema: webhookDeliveriesSchema, retry: 'read', jobId: id },
      options,
    )
  }

  /** @internal */
  get [transport](): Transport {
    const config = this.#http.config
    return { fetch: (input, init) => (config.fetch ?? globalThis.fetch)(input, init), platform: this.#platform }
  }

  #send<T>(endpoint: Endpoint<T>, options: RequestOptions = {}): Promise<T> {
    return this.#http.request(endpoint, checkRequestOptions(options))
  }
}

const jobPath = (jobId: string) => `/v1/jobs/${encodeURIComponent(jobId)}`

/** The key, or none when `baseUrl` is a backend of the caller's that adds it. */
function resolveApiKey(apiKey: unknown, fromEnv: string | undefined, ownBackend: boolean): string | undefined {
  if (apiKey !== undefined && typeof apiKey !== 'string') {
    throw new ValidationError(`apiKey must be a string, got ${typeof apiKey}`, 'apiKey')
  }
  if (apiKey !== undefined && apiKey.trim() === '') {
    throw new ValidationError(`apiKey is empty: pass your key or leave it out to read ${API_KEY_ENV}`, 'apiKey')
  }
  const key = (apiKey ?? fromEnv)?.trim()
  if (key || ownBackend) return key || undefined
  throw new ValidationError(
    `Missing API key: pass new VideoBGRemoverClient(apiKey) or set ${API_KEY_ENV}`,
    'apiKey',
  )
}
