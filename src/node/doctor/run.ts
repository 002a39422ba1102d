import { ClientBase } from '../../client'
import type { FetchFn, RequestOptions } from '../../core/http'
import type { Logger } from '../../core/logger'
import { AbortError, ApiError, AuthenticationError, ConnectionError, RateLimitError, TimeoutError, describeError } from '../../errors'
import type { Credits } from '../../types'
import type { VideoBGRemoverClient } from '../index'
import { nodePlatform } from '../platform'
import { ResponseRecorder, type RecordedResponse } from './recorder'
import type { DoctorCheck, DoctorCheckName, DoctorOptions } from './types'

/** What a check returns; the runner adds its name and duration. */
export type Outcome = Omit<DoctorCheck, 'name' | 'durationMs'>

/** A check: its name and the body that looks. */
export interface Check {
  readonly name: DoctorCheckName
  run(run: DoctorRun): Promise<Outcome>
}

/** A promise's outcome without throwing, except an abort, which ends the whole run. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }

export async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await promise }
  } catch (error) {
    if (error instanceof AbortError) throw error
    return { ok: false, error }
  }
}

/**
 * A deliberately wrong key: well-formed (so the SDK sends it without a warning) and plainly not anyone's. The
 * authentication check expects a 401 for it; the observability check looks for it in logs and errors.
 */
export const WRONG_KEY = `vbr_${'0'.repeat(32)}`

/** What the wrong-key call gave: its outcome, and what the SDK logged (at debug) while making it. */
export interface WrongKeyProbe {
  outcome: Settled<Credits>
  logLines: string[]
}

const DEFAULT_TIMEOUT_MS = 15_000

/**
 * One doctor run: the client under test, the options, and the calls more than one check reads (the balance and the
 * wrong-key call), each made once, on first use.
 */
export class DoctorRun {
  /** The fetch for doctor's own requests. */
  readonly transport: FetchFn
  /** Records the wrong-key client's responses, apart from the key under test. */
  readonly wrongKeyRecorder: ResponseRecorder
  /** When the run began (epoch ms): what a shared recorder saw before is not this run's evidence. */
  readonly #began = Date.now()
  #balance?: Promise<Settled<Credits>>
  #wrongKey?: Promise<WrongKeyProbe>

  constructor(
    readonly client: VideoBGRemoverClient,
    readonly options: DoctorOptions,
  ) {
    this.transport = options.fetch ?? options.recorder?.transport ?? new ResponseRecorder().transport
    this.wrongKeyRecorder = new ResponseRecorder(this.transport)
  }

  /** Per-call options: the run's signal and per-attempt timeout. */
  get request(): RequestOptions {
    return { signal: this.options.signal, timeout: this.options.timeout ?? DEFAULT_TIMEOUT_MS }
  }

  /** `credits()` with the key under test, called once. */
  balance(): Promise<Settled<Credits>> {
    return (this.#balance ??= settle(this.client.credits(this.request)))
  }

  /** `credits()` with `WRONG_KEY`, no retries, logging at debug into memory; called once. */
  wrongKey(): Promise<WrongKeyProbe> {
    return (this.#wrongKey ??= (async () => {
      const logLines: string[] = []
      const keep = (message: string, data?: Record<string, unknown>) => logLines.push(`${message} ${JSON.stringify(data ?? {})}`)
      const logger: Logger = { error: keep, warn: keep, info: keep, debug: keep }
      const client = new ClientBase(
        WRONG_KEY,
        {
          baseUrl: this.client.baseUrl,
          fetch: this.wrongKeyRecorder.fetch,
          maxRetries: 0,
          rateLimit: false,
          allowInsecureHttp: true, // the client under test was allowed this base URL already
          logger,
          logLevel: 'debug',
        },
        nodePlatform,
      )
      return { outcome: await settle(client.credits(this.request)), logLines }
    })())
  }

  /** The API calls the client under test made during this run (not its storage transfers); none without a recorder. */
  apiResponses(): RecordedResponse[] {
    const responses = this.options.recorder?.responses ?? []
    return responses.filter((response) => response.startedAt >= this.#began && isApiCall(response, this.client.baseUrl))
  }
}

function isApiCall(response: RecordedResponse, baseUrl: string): boolean {
  return response.url.startsWith(baseUrl.replace(/\/+$/, '')) && /\/v1(\/|$)/.test(new URL(response.url).pathname)
}

/** The check whose failure explains `error`, for a check that could not run because of it. */
export function ownerOf(error: unknown): DoctorCheckName | undefined {
  if (error instanceof AuthenticationError) return 'authentication'
  if (error instanceof RateLimitError) return 'rate-limits'
  if (error instanceof ConnectionError || error instanceof TimeoutError) return 'reachability'
  return undefined
}

/**
 * The outcome of a check that met `error` while doing `what`: a warning that it could not look when another check
 * owns the cause (a refused key, a 429, the network), else a failure with `advice`.
 */
export function failedWith(error: unknown, what: string, advice?: string): Outcome {
  const owner = ownerOf(error)
  const said = describe(error)
  // The SDK's network errors already name the call.
  const evidence = said.startsWith(what) ? said : `${what} → ${said}`
  if (owner) return { result: 'warn', evidence: [`not checked: ${evidence} (see ${owner})`] }
  return { result: 'fail', evidence: [evidence], ...(advice ? { advice } : {}) }
}

/** An error as evidence: `401 "Invalid API key" (req_…)` for an API error, else its message. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return `${error.status} ${JSON.stringify(error.message)}${error.requestId ? ` (${error.requestId})` : ''}`
  return describeError(error)
}

/** ` (req_…)` when the response carried a request id. */
export function requestIdOf(response: RecordedResponse | undefined): string {
  const id = response?.headers['x-request-id']
  return id ? ` (${id})` : ''
}

/** A duration for people: `12 ms`, `1.4 s`, `3 min 20 s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const seconds = Math.round(ms / 1000)
  const hours = Math.floor(seconds / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  if (hours > 0) return `${hours} h${minutes ? ` ${minutes} min` : ''}`
  return `${minutes} min${seconds % 60 ? ` ${seconds % 60} s` : ''}`
}

/** Whether `host` (a URL's hostname) is this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host)
}
