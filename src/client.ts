import { HttpClient, type Endpoint, type FetchFn, type RequestOptions } from './core/http'
import { startJobSafely, waitForJob, type JobCalls, type WaitOptions } from './core/lifecycle'
import type { RateLimits } from './core/limiter'
import { createLogger, type Logger, type LogLevel } from './core/logger'
import { isBrowser } from './core/runtime'
import { API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL } from './defaults'
import { ValidationError } from './errors'
import { Job, type JobJSON } from './job'
import type { Platform } from './platform'
import type { ProgressCallback } from './transfer/progress'
import { describeSource, type VideoSource } from './transfer/source'
import { storageUrlPolicy, type StorageUrlPolicy } from './transfer/storage-url'
import { uploadToSignedUrl } from './transfer/upload'
import { creditsShape, deleteJobShape, fileJobShape, jobStatusShape, startJobShape, urlJobShape, webhookDeliveriesShape } from './schemas'
import {
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
} from './types'
import {
  checkApiKey,
  checkBaseUrl,
  checkCreateJobFile,
  checkCreateJobUrl,
  checkJobHandle,
  checkJobId,
  checkLogLevel,
  checkNonNegativeInteger,
  checkPositive,
  checkRequestOptions,
  checkStartOptions,
  checkWaitOptions,
} from './validate'

/** Options of `new VideoBGRemoverClient(apiKey, options)`. */
export interface ClientOptions {
  /**
   * Default `VIDEOBGREMOVER_BASE_URL` where the runtime has an environment (as `vbr fake` prints it), else
   * `https://api.videobgremover.com`; may carry a path prefix such as `http://localhost:3000/api`.
   */
  baseUrl?: string
  /** Milliseconds per attempt of an API call (default 60 000). Creating a job from a URL gets at least 300 000. */
  timeout?: number
  /** Extra headers on every API call (never sent to storage). */
  headers?: Record<string, string>
  /** Retries for calls that may be repeated (default 2); see the README's retry table. */
  maxRetries?: number
  /** A custom fetch; otherwise `globalThis.fetch`, looked up at each call. */
  fetch?: FetchFn
  /** Where log lines go (default: `console` when `logLevel` is set, else nowhere). The key is always redacted. */
  logger?: Logger
  /** How much to log (default `info` with a `logger`, `off` without). */
  logLevel?: LogLevel
  /** Allow an API key in a browser, where anyone can read it (default false: use the proxy instead). */
  dangerouslyAllowBrowser?: boolean
  /** Allow a plain `http://` baseUrl on a host other than loopback (default false). */
  allowInsecureHttp?: boolean
  /**
   * The key's limits, which every client of this key in the process paces itself under together (default
   * 100 requests and 3 starts a minute), or `false` to send without pacing. With `store` (e.g. `redisRateLimitStore`
   * from `@videobgremover/sdk/redis`), every process and machine given the same store paces under them together.
   */
  rateLimit?: RateLimits | false
}

/** What `Video` and `Foreground` use of a client besides its public methods. Internal. */
export interface ClientInternals {
  platform: Platform
  /** The client's fetch, for storage transfers (which carry none of the API's headers). */
  fetch: FetchFn
  maxRetries: number
  /** Milliseconds per API attempt; downloads use it for the wait for headers. */
  timeout: number
  /** Checks every storage URL (uploads, results, redirects) before anything is sent to it. */
  policy: StorageUrlPolicy
  /** The lifecycle's calls, unchecked: the public boundary checked the arguments already. */
  calls: JobCalls
  credits(options: RequestOptions): Promise<Credits>
  /** The limits the client paces itself under; undefined when pacing is off (`rateLimit: false`) or left to a backend. */
  rateLimits?: Readonly<{ requestsPerWindow: number; startsPerWindow: number; windowMs: number }>
  createJobFile(params: CreateJobFileParams, options: RequestOptions): Promise<FileJob>
  createJobUrl(params: CreateJobUrlParams, options: RequestOptions): Promise<UrlJob>
}

/** Options of `client.upload(job, source, options)`. */
export interface UploadOptions {
  /** Byte length; required for a `ReadableStream` source. */
  size?: number
  /** Bytes sent, at most every 100 ms and once at the end. */
  onProgress?: ProgressCallback
  /** Aborts the upload at once with an `AbortError` carrying the job id. */
  signal?: AbortSignal
}

const internals = new WeakMap<object, ClientInternals>()

/** The internals of a client built by this package, or undefined for anything else. */
export function internalsOf(client: unknown): ClientInternals | undefined {
  return typeof client === 'object' && client !== null ? internals.get(client) : undefined
}

const DEFAULT_TIMEOUT_MS = 60_000
const DEFAULT_MAX_RETRIES = 2
const URL_JOB_TIMEOUT_MS = 300_000

/**
 * Every endpoint of the VideoBGRemover API, one method each. The runtime's entry point (Node, browsers, web
 * runtimes) exports it as `VideoBGRemoverClient`; this base holds what they share. It is exported as a type only,
 * for annotations that accept any runtime's client: construct a `VideoBGRemoverClient`.
 *
 * Every method takes a last `RequestOptions` (`signal`, `timeout` in ms, `maxRetries`, `headers`), and any of them
 * may throw `AuthenticationError` (401), `RateLimitError` (429, after retries where the call allows them),
 * `ApiError` (any other failed answer), `ConnectionError`, `TimeoutError` or `AbortError`.
 */
export class ClientBase {
  /** The API's base URL, without a trailing slash. */
  readonly baseUrl: string
  /** Milliseconds per attempt of an API call. */
  readonly timeout: number
  /** Retries for calls that may be repeated. */
  readonly maxRetries: number
  readonly #http: HttpClient
  readonly #calls: JobCalls

  /** @internal each entry point passes its runtime's platform. */
  constructor(apiKey: string | undefined, options: ClientOptions, platform: Platform) {
    const baseUrl = checkBaseUrl(options.baseUrl ?? (platform.env(BASE_URL_ENV) || DEFAULT_BASE_URL), options.allowInsecureHttp)
    const ownBackend = new URL(baseUrl).origin !== new URL(DEFAULT_BASE_URL).origin
    const key = resolveApiKey(apiKey, platform.env(API_KEY_ENV), ownBackend)
    if (key && isBrowser() && !options.dangerouslyAllowBrowser) {
      throw new ValidationError(
        'An API key in a browser is readable by anyone: keep it on your server, point baseUrl at a backend that adds it (@videobgremover/sdk/proxy), or pass dangerouslyAllowBrowser: true',
        'dangerouslyAllowBrowser',
      )
    }
    this.baseUrl = baseUrl
    this.timeout = checkPositive(options.timeout ?? DEFAULT_TIMEOUT_MS, 'timeout')
    this.maxRetries = checkNonNegativeInteger(options.maxRetries ?? DEFAULT_MAX_RETRIES, 'maxRetries')
    const logger = createLogger(options.logger, checkLogLevel(options.logLevel), key)
    if (key && !/^vbr_.{32}$/.test(key)) {
      logger.warn('the API key is not vbr_ + 32 characters; sending it anyway')
    }
    const limiter = options.rateLimit === false ? undefined : platform.limiter?.(baseUrl, key, options.rateLimit)
    const http = new HttpClient({
      baseUrl,
      apiKey: key,
      timeout: this.timeout,
      maxRetries: this.maxRetries,
      headers: { ...options.headers },
      fetch: options.fetch,
      userAgent: isBrowser() ? undefined : platform.userAgent?.(),
      logger,
      limiter,
    })
    this.#http = http
    this.#calls = {
      status: (id, o) =>
        http.exchange({ method: 'GET', path: `${jobPath(id)}/status`, shape: jobStatusShape, retry: 'read', jobId: id }, o),
      start: (id, body, o) =>
        http.request(
          { method: 'POST', path: `${jobPath(id)}/start`, body, shape: startJobShape, retry: 'never', start: true, jobId: id },
          o,
        ),
      spacingMs: () => limiter?.spacingMs() ?? 0,
    }
    const { fetch } = options
    internals.set(this, {
      platform,
      fetch: (input, init) => (fetch ?? globalThis.fetch)(input, init),
      maxRetries: this.maxRetries,
      timeout: this.timeout,
      policy: storageUrlPolicy(baseUrl, options.allowInsecureHttp),
      calls: this.#calls,
      credits: (o) => http.request({ method: 'GET', path: '/v1/credits', shape: creditsShape, retry: 'read' }, o),
      rateLimits: limiter?.limits,
      createJobFile: (params, o) =>
        http.request({ method: 'POST', path: '/v1/jobs', body: params, shape: fileJobShape, retry: 'create' }, o),
      createJobUrl: (params, o) =>
        http.request(
          {
            method: 'POST',
            path: '/v1/jobs',
            body: params,
            shape: urlJobShape,
            retry: 'create',
            timeout: Math.max(this.timeout, URL_JOB_TIMEOUT_MS),
          },
          o,
        ),
    })
  }

  /**
   * The credit balance: `{ totalCredits, remainingCredits, usedCredits }` (1 credit = 1 second of video). Check
   * `remainingCredits` against the video's length in seconds before starting a long job.
   */
  async credits(options?: RequestOptions): Promise<Credits> {
    return internals.get(this)!.credits(checkRequestOptions(options))
  }

  /**
   * Creates a job for a file upload. Upload the bytes with `upload(job, source)` (or to `upload_url` yourself, with
   * `instructions.headers`) before `expires_at` (about an hour), then `startJob`. Creating costs no credits. Retried
   * on connection errors only: a duplicate job costs nothing.
   *
   * @throws ValidationError before sending, when `filename` is empty or `content_type` is not `video/mp4`,
   *   `video/mov` or `video/webm`.
   */
  async createJobFile(params: CreateJobFileParams, options?: RequestOptions): Promise<FileJob> {
    return internals.get(this)!.createJobFile(checkCreateJobFile(params), checkRequestOptions(options))
  }

  /**
   * Uploads the video of a file job to its signed `upload_url`, as `removeBackground` does: exactly the headers the
   * API gave (the declared content type), a `Content-Length`, streamed from disk in Node, retried on connection
   * errors and storage 5xx when the source can be read again. `source` is what `Video.open()` takes, except a URL.
   *
   * @throws ValidationError for a job that is not `createJobFile`'s answer, a URL or unusable source, or a stream
   *   without `size`; `StorageError` when storage refuses the upload (code `upload_url_expired` past `expires_at`,
   *   `signature_mismatch` for a wrong `Content-Type`): create a new job then; `ConnectionError`; `AbortError`.
   */
  async upload(job: FileJob, source: VideoSource, options: UploadOptions = {}): Promise<void> {
    if (typeof job?.id !== 'string' || typeof job.upload_url !== 'string') {
      throw new ValidationError('upload(job, source) needs the job createJobFile returned', 'job')
    }
    const { platform, fetch, maxRetries, policy } = internals.get(this)!
    const prepared = await describeSource(source, { filename: job.filename, contentType: job.content_type, size: options.size })(platform)
    if (prepared.kind === 'url') throw new ValidationError('upload() takes the video itself; for a URL, use createJobUrl', 'source')
    await uploadToSignedUrl(job, prepared, { fetch, platform, maxRetries, policy, signal: options.signal, onProgress: options.onProgress })
  }

  /**
   * Creates a job from a public video URL, which the API downloads during this call, so it is slow for large files:
   * its timeout is at least 300 000 ms (5 minutes), or the client's `timeout` if longer. The job is born `uploaded`:
   * start it next. Retried on connection errors only.
   *
   * @throws ValidationError before sending, for a URL that is not http(s).
   */
  async createJobUrl(params: CreateJobUrlParams, options?: RequestOptions): Promise<UrlJob> {
    return internals.get(this)!.createJobUrl(checkCreateJobUrl(params), checkRequestOptions(options))
  }

  /**
   * Starts processing; credits are charged here (1 per second of video). Never sent twice blindly: after an
   * ambiguous failure (network error, timeout, 5xx) the job's status decides whether it started (see README,
   * Retries). Without `startOptions` the output is a green-screen MP4; a webhook URL goes in `webhook_url`.
   *
   * @throws InsufficientCreditsError (402) when the balance is short; `RateLimitError` past 3 starts a minute (never
   *   retried here: wait `retryAfterMs`); `JobNotFoundError`; `ApiError` with code `conflict` (409) for a job not yet
   *   uploaded or already started; `ValidationError` before sending for a bad background colour or webhook URL.
   */
  async startJob(jobId: string, startOptions: StartJobOptions = {}, options?: RequestOptions): Promise<StartJobResponse> {
    const checked = checkRequestOptions(options)
    return startJobSafely(this.#calls, checkJobId(jobId), checkStartOptions(startOptions), checked, checked.maxRetries ?? this.maxRetries)
  }

  /**
   * The job's status, with signed result URLs (valid about an hour) once it is `completed`. Read it again for fresh
   * URLs. A `failed` job resolves here like any other status (only `wait()` throws for it).
   *
   * @throws JobNotFoundError (404) for an id this key does not own.
   */
  async status(jobId: string, options?: RequestOptions): Promise<JobStatus> {
    return (await this.#calls.status(checkJobId(jobId), checkRequestOptions(options))).data
  }

  /**
   * Polls until the job is `completed` (resolves with its status) or `failed` (rejects with `ProcessingError`).
   * `pollSeconds` and `timeout` are in seconds, as in the vendor's docs (the client's own `timeout` is in ms);
   * without `pollSeconds` it polls adaptively, from 1 s up to 10 s apart; without `timeout` it waits for as long as
   * the job takes.
   *
   * @throws ProcessingError when the job ends `failed` (the server's reason in `message`; no credits are charged);
   *   `TimeoutError` past `timeout` seconds, carrying `jobId` and `lastStatus`: the job goes on, so wait again
   *   rather than starting a new one; `AbortError` when `signal` fires; `JobNotFoundError` for an unknown id.
   */
  async wait(jobId: string, waitOptions: WaitOptions = {}, options?: RequestOptions): Promise<JobStatus> {
    return waitForJob(this.#calls, checkJobId(jobId), checkWaitOptions(waitOptions), checkRequestOptions(options))
  }

  /**
   * A handle on an existing job, from its id or from what `job.toJSON()` gave (in this process or another): read its
   * status with `job.status()`, or wait for its result with `job.result()`. Sends nothing.
   *
   * @throws ValidationError for an id that is not a job id, or an object whose `format`, `model` or `source` is not a
   *   string.
   */
  job(job: string | JobJSON): Job {
    return new Job(this, internals.get(this)!, checkJobHandle(job))
  }

  /**
   * Deletes a job and its files (no refund). Any 2xx is success, with or without a body; a 404 on a retry after a
   * lost answer means the first attempt did it, and resolves too. Experimental: the path is not yet confirmed by
   * the vendor.
   *
   * @throws JobNotFoundError (404) for an id this key does not own, at the first attempt.
   */
  async deleteJob(jobId: string, options?: RequestOptions): Promise<DeleteJobResponse> {
    const id = checkJobId(jobId)
    const deleted = await this.#send(
      { method: 'DELETE', path: jobPath(id), shape: deleteJobShape, bodyOptional: true, goneOnRetry: { id }, retry: 'read', jobId: id },
      options,
    )
    return { ...deleted, id: deleted.id ?? id }
  }

  /**
   * The webhook delivery history of one job: one record per attempt (the API retries a delivery up to 3 times).
   * Each record's `webhook_url` holds the token you put in it: do not show it to other users.
   */
  async webhookDeliveries(jobId: string, options?: RequestOptions): Promise<WebhookDeliveries> {
    const id = checkJobId(jobId)
    return this.#send(
      { method: 'GET', path: '/v1/webhooks/deliveries', query: { video_id: id }, shape: webhookDeliveriesShape, retry: 'read', jobId: id },
      options,
    )
  }

  #send<T>(endpoint: Endpoint<T>, options?: RequestOptions): Promise<T> {
    return this.#http.request(endpoint, checkRequestOptions(options))
  }
}

const jobPath = (jobId: string) => `/v1/jobs/${encodeURIComponent(jobId)}`

/** The key, or none when `baseUrl` is a backend of the caller's that adds it. */
function resolveApiKey(apiKey: unknown, fromEnv: string | undefined, ownBackend: boolean): string | undefined {
  const key = checkApiKey(apiKey) ?? (fromEnv?.trim() ? checkApiKey(fromEnv) : undefined)
  if (key || ownBackend) return key || undefined
  throw new ValidationError(`Missing API key: pass new VideoBGRemoverClient(apiKey) or set ${API_KEY_ENV}`, 'apiKey')
}
