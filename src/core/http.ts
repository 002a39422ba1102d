import {
  JobNotFoundError,
  describeError,
  errorFromResponse,
  networkError,
  redirectRefused,
  unusableBody,
  type StatusExchange,
} from '../errors'
import { parseJson } from './json'
import type { RateLimiter } from './limiter'
import type { SdkLogger } from './logger'
import { maskHeaders, redact, redactText } from './redact'
import { isRetryable, retrying, serverDelayMs, type RetryPolicy } from './retry'
import { readCapped } from './body'
import { linkSignal } from './signal'
import { readResponse, type ResponseShape } from '../schemas'

/** Per-call options, the last argument of every client method. */
export interface RequestOptions {
  /** Aborts the call, its retries and its waits at once, with an `AbortError`. */
  signal?: AbortSignal
  /** Milliseconds per attempt (default: the client's `timeout`, 60 000). */
  timeout?: number
  /** Retries of this call where its retry policy allows them (default: the client's `maxRetries`, 2). */
  maxRetries?: number
  /** Extra headers for this call, over the client's own. */
  headers?: Record<string, string>
}

/** A `fetch`-compatible function: `globalThis.fetch`, undici's, or a wrapper of yours. */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>

export interface HttpConfig {
  baseUrl: string
  apiKey?: string
  timeout: number
  maxRetries: number
  headers: Record<string, string>
  /** Undefined: `globalThis.fetch`, looked up at each call. */
  fetch?: FetchFn
  userAgent?: string
  logger: SdkLogger
  /** Paces requests under the key's limits; none when the caller turned it off. */
  limiter?: RateLimiter
}

/** One API call: what to send, how to read the answer, and whether it may be repeated. */
export interface Endpoint<T> {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  query?: Record<string, string>
  body?: unknown
  /** How the answer is read (see core/tolerance.ts). */
  shape: ResponseShape<T>
  /** An empty or non-object 2xx body is read as `{}` (e.g. a delete's 204). */
  bodyOptional?: boolean
  /** The result when a retry of this call finds the job gone (404): the lost first attempt did the work. */
  goneOnRetry?: T
  retry: RetryPolicy
  /** A job start, which the API limits separately. */
  start?: boolean
  jobId?: string
  /** Default per-attempt timeout when the caller gives none (ms). */
  timeout?: number
}

/** The validated body, with the status and headers it came with. */
export interface Exchange<T> extends StatusExchange {
  data: T
}

/** API bodies are small JSON; anything past a megabyte is not an answer of this API. */
export const MAX_BODY_BYTES = 1024 * 1024

export function joinUrl(baseUrl: string, path: string, query?: Record<string, string>): string {
  const base = baseUrl.replace(/\/+$/, '')
  const url = base.endsWith('/v1') && path.startsWith('/v1/') ? base + path.slice(3) : base + path
  return query ? `${url}?${new URLSearchParams(query)}` : url
}

/** The response headers as a plain record (names lower-case), with `secret` redacted from any value. */
function headersToRecord(headers: Headers, secret: string | undefined): Record<string, string> {
  const record: Record<string, string> = {}
  headers.forEach((value, name) => {
    record[name] = secret && value.includes(secret) ? redact(value, secret) : value
  })
  return record
}

/**
 * The request pipeline: build the request, pace it, send it, read the body (bounded), classify the answer
 * (redirect, error response, unusable body) and validate it, retrying as the endpoint's policy allows.
 */
export class HttpClient {
  /** The headers of every call without a body, layered once: the client's own over the SDK's. */
  readonly #baseHeaders: Record<string, string>

  constructor(readonly config: HttpConfig) {
    this.#baseHeaders = {
      accept: 'application/json',
      ...(config.userAgent ? { 'user-agent': config.userAgent } : {}),
      ...(config.apiKey ? { 'x-api-key': config.apiKey } : {}),
      ...lowerCaseKeys(config.headers),
    }
  }

  /** Sends `endpoint` and returns the validated body. */
  async request<T>(endpoint: Endpoint<T>, options: RequestOptions = {}): Promise<T> {
    return (await this.exchange(endpoint, options)).data
  }

  /** Sends `endpoint` and returns the validated body with the status and headers of the answer. */
  exchange<T>(endpoint: Endpoint<T>, options: RequestOptions = {}): Promise<Exchange<T>> {
    let attempts = 0
    const attempt = () =>
      this.attempt(endpoint, options).catch((error: unknown) => {
        const gone = endpoint.goneOnRetry !== undefined && attempts++ > 0 && error instanceof JobNotFoundError
        if (!gone) throw error
        return { data: endpoint.goneOnRetry!, status: error.status, headers: error.headers }
      })
    return retrying(attempt, {
      maxRetries: options.maxRetries ?? this.config.maxRetries,
      retryable: (error) => isRetryable(endpoint.retry, error),
      signal: options.signal,
      jobId: endpoint.jobId,
      onRetry: (error, delay, attempt) =>
        this.config.logger.info(`retrying ${endpoint.method} ${endpoint.path} in ${Math.round(delay)} ms`, {
          attempt,
          reason: describeError(error),
        }),
    })
  }

  private async attempt<T>(endpoint: Endpoint<T>, options: RequestOptions): Promise<Exchange<T>> {
    const { method, path, jobId } = endpoint
    const { apiKey: secret, logger, limiter } = this.config
    const url = joinUrl(this.config.baseUrl, path, endpoint.query)
    const timeoutMs = options.timeout ?? endpoint.timeout ?? this.config.timeout
    await limiter?.acquire(endpoint.start === true, options.signal, jobId)
    const link = linkSignal(options.signal, timeoutMs)
    const fail = (error: unknown, what: string) =>
      networkError(error, {
        what: `${method} ${path} (${what})`,
        signal: options.signal,
        timedOut: link.timedOut(),
        timeoutMs,
        jobId,
        secret,
      })
    try {
      const headers = this.headers(endpoint, options)
      if (logger.debugging) logger.debug(`${method} ${url}`, { headers: maskHeaders(headers) })
      const response = await (this.config.fetch ?? globalThis.fetch)(url, {
        method,
        headers,
        body: endpoint.body === undefined ? undefined : JSON.stringify(endpoint.body),
        signal: link.signal,
        redirect: 'manual',
      }).catch((error: unknown) => {
        throw fail(error, 'no response')
      })
      const received = headersToRecord(response.headers, secret)
      limiter?.observe(received)
      if (logger.debugging) logger.debug(`${method} ${url} → ${response.status}`, { requestId: received['x-request-id'] })
      if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
        await response.body?.cancel().catch(() => {})
        throw redirectRefused(`${method} ${path}`, response.status, received, jobId)
      }
      const text = await readText(response).catch((error: unknown) => {
        throw fail(error, 'response cut short')
      })
      if (!response.ok) {
        throw errorFromResponse({
          status: response.status,
          statusText: response.statusText,
          headers: received,
          text: text ?? '',
          secret,
          jobId,
          retryAfterMs: serverDelayMs(received, response.status),
        })
      }
      return { data: this.parse(endpoint, response.status, received, text), status: response.status, headers: received }
    } finally {
      link.dispose()
    }
  }

  /** Layering, lowest first: the SDK's, a JSON body's type, the client's `headers`, the call's `headers`. */
  private headers(endpoint: Endpoint<unknown>, options: RequestOptions): Record<string, string> {
    if (endpoint.body === undefined && options.headers === undefined) return this.#baseHeaders
    return {
      accept: 'application/json',
      ...(endpoint.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...this.#baseHeaders,
      ...lowerCaseKeys(options.headers ?? {}),
    }
  }

  /** `text` is undefined when the body passed `MAX_BODY_BYTES`. */
  private parse<T>(endpoint: Endpoint<T>, status: number, headers: Record<string, string>, text: string | undefined): T {
    const where = `${endpoint.method} ${endpoint.path}`
    const { jobId } = endpoint
    if (text === undefined) {
      const message = `${where} returned a body over ${MAX_BODY_BYTES} bytes, which no answer of this API needs`
      throw unusableBody({ code: 'response_too_large', message, status, headers, jobId })
    }
    const parsed = parseJson(text, this.config.apiKey)
    const body =
      endpoint.bodyOptional && !(parsed.ok && typeof parsed.value === 'object' && parsed.value !== null && !Array.isArray(parsed.value))
        ? { ok: true as const, value: {} }
        : parsed
    if (!body.ok) {
      // Redacted whole, then cut: a key straddling the cut would otherwise show in part.
      const snippet = redactText(text, this.config.apiKey).slice(0, 1024)
      const why = body.reason === 'too_deep' ? 'JSON nested too deeply' : 'not JSON'
      const message = `${where} returned a body that is ${why} (status ${status})`
      throw unusableBody({ code: 'invalid_json', message, status, headers, body: snippet, jobId })
    }
    const ignore = (field: string, problem: string) =>
      this.config.logger.warn(`${where}: ignored the field ${field} (${problem})`, jobId === undefined ? undefined : { jobId })
    const result = readResponse(endpoint.shape, body.value, ignore)
    const answeredFor = result.ok ? jobOf(result.value) : undefined
    if (result.ok && (jobId === undefined || answeredFor === undefined || answeredFor === jobId)) return result.value
    // An answer about another job than the one asked must not steer the caller (file names, starts, results).
    const problem = result.ok ? `it is about job ${JSON.stringify(answeredFor!.slice(0, 80))}, not ${jobId}` : result.problem
    const message = `${where} returned an unexpected body: ${problem}`
    throw unusableBody({ code: 'invalid_response', message, status, headers, body: body.value, jobId })
  }
}

/**
 * The body as text, given up past `MAX_BODY_BYTES`: undefined then for a 2xx, whose JSON would be unusable; for an
 * error response the first megabyte says enough.
 */
async function readText(response: Response): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'))
  if (response.ok && Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    await response.body?.cancel().catch(() => {})
    return undefined
  }
  const { text, complete } = await readCapped(response, MAX_BODY_BYTES)
  return complete || !response.ok ? text : undefined
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
}

/** The job an answer is about: its `id`, or `video_id` for the webhook deliveries. */
function jobOf(value: unknown): string | undefined {
  const { id, video_id } = value as { id?: unknown; video_id?: unknown }
  const job = id ?? video_id
  return typeof job === 'string' ? job : undefined
}
