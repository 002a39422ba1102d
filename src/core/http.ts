import type * as z from 'zod/mini'
import { ApiError, describe, errorFromResponse } from '../errors'
import type { RateLimiter } from './limiter'
import type { Logger } from './logger'
import { redact } from './logger'
import { isRetryable, retrying, serverDelayMs, type RetryPolicy } from './retry'
import { linkSignal } from './signal'

/** Per-call options, the last argument of every client method. */
export interface RequestOptions {
  signal?: AbortSignal
  /** Milliseconds per attempt. */
  timeout?: number
  maxRetries?: number
  headers?: Record<string, string>
}

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
  logger: Logger
  /** Paces requests under the key's limits; none when the caller turned it off. */
  limiter?: RateLimiter
}

/** One API call: what to send, how to read the answer, and whether it may be repeated. */
export interface Endpoint<T> {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  query?: Record<string, string>
  body?: unknown
  schema: z.ZodMiniType<T>
  retry: RetryPolicy
  /** A job start, which the API limits separately. */
  start?: boolean
  jobId?: string
  /** Default per-attempt timeout when the caller gives none (ms). */
  timeout?: number
}

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

export class HttpClient {
  constructor(readonly config: HttpConfig) {}

  /** Sends `endpoint`, retrying as its policy allows, and returns the validated body. */
  request<T>(endpoint: Endpoint<T>, options: RequestOptions = {}): Promise<T> {
    return retrying(() => this.attempt(endpoint, options), {
      maxRetries: options.maxRetries ?? this.config.maxRetries,
      retryable: (error) => isRetryable(endpoint.retry, error),
      signal: options.signal,
      jobId: endpoint.jobId,
      onRetry: (error, delay, attempt) =>
        this.config.logger.info(`retrying ${endpoint.method} ${endpoint.path} in ${Math.round(delay)} ms`, {
          attempt,
          reason: describe(error),
        }),
    })
  }

  private async attempt<T>(endpoint: Endpoint<T>, options: RequestOptions): Promise<T> {
    const { method, path, jobId } = endpoint
    const url = joinUrl(this.config.baseUrl, path, endpoint.query)
    const timeout = options.timeout ?? endpoint.timeout ?? this.config.timeout
    await this.config.limiter?.acquire(endpoint.start === true, options.signal, jobId)
    const link = linkSignal(options.signal, timeout)
    const fail = (error: unknown, what: string): never => {
      throw link.failure(error, `${method} ${path} (${what})`, { jobId, secret: this.config.apiKey })
    }
    try {
      const headers = this.headers(endpoint, options)
      this.config.logger.debug(`${method} ${url}`, { headers })
      const fetchFn = this.config.fetch ?? globalThis.fetch
      const response = await fetchFn(url, {
        method,
        headers,
        body: endpoint.body === undefined ? undefined : JSON.stringify(endpoint.body),
        signal: link.signal,
        redirect: 'manual',
      }).catch((error: unknown) => fail(error, 'no response'))
      const text = await response.text().catch((error: unknown) => fail(error, 'response cut short'))
      const received = headersToRecord(response.headers, this.config.apiKey)
      this.config.limiter?.observe(received)
      this.config.logger.debug(`${method} ${url} → ${response.status}`, {
        requestId: received['x-request-id'],
      })
      if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
        const target = received.location ? ` to ${received.location}` : ''
        throw new ApiError({
          status: response.status,
          code: 'redirect_refused',
          message: `${method} ${path} redirected${target}: not followed, so the key stays with baseUrl's host`,
          headers: received,
          jobId,
        })
      }
      if (!response.ok) {
        throw errorFromResponse({
          status: response.status,
          statusText: response.statusText,
          headers: received,
          text: redact(text, this.config.apiKey),
          jobId,
          retryAfterMs: serverDelayMs(received, response.status),
        })
      }
      return this.parse(endpoint, response.status, received, text)
    } finally {
      link.dispose()
    }
  }

  private headers(endpoint: Endpoint<unknown>, options: RequestOptions): Record<string, string> {
    return {
      accept: 'application/json',
      ...(endpoint.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(this.config.userAgent ? { 'user-agent': this.config.userAgent } : {}),
      ...(this.config.apiKey ? { 'x-api-key': this.config.apiKey } : {}),
      ...lowerCaseKeys(this.config.headers),
      ...lowerCaseKeys(options.headers ?? {}),
    }
  }

  private parse<T>(endpoint: Endpoint<T>, status: number, headers: Record<string, string>, text: string): T {
    const where = `${endpoint.method} ${endpoint.path}`
    const invalid = (code: string, message: string, body: unknown) =>
      new ApiError({
        status,
        code,
        message,
        headers,
        body: redact(body, this.config.apiKey),
        jobId: endpoint.jobId,
        requestId: headers['x-request-id'],
      })
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw invalid('invalid_json', `${where} returned a body that is not JSON (status ${status})`, text)
    }
    const result = endpoint.schema.safeParse(body)
    if (result.success) return result.data
    const problems = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
      .join('; ')
    throw invalid('invalid_response', `${where} returned an unexpected body: ${problems}`, text)
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
}
