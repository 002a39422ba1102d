import type { FetchFn } from '../../core/http'
import { redact } from '../../core/redact'
import { proxiedFetch } from '../platform'

/** What a client sent with one request and what came back, as a `ResponseRecorder` keeps it. Never the key. */
export interface RecordedResponse {
  /** The HTTP method. */
  readonly method: string
  /** Origin and path of the request. The query is left out: a signed URL carries its signature there. */
  readonly url: string
  /** The response status; 0 when no response came (see `error`). */
  readonly status: number
  /** When the request was sent, in epoch milliseconds of this machine's clock. */
  readonly startedAt: number
  /** Milliseconds from sending to the response headers (or to the failure). */
  readonly durationMs: number
  /** The response headers, names lower-case, the key redacted from any value. Empty without a response. */
  readonly headers: Readonly<Record<string, string>>
  /** The shape of the `X-Api-Key` the request carried (absent when it carried none): its length, and whether it is `vbr_` + 32 characters. */
  readonly apiKey?: {
    /** The key's length in characters. */
    readonly length: number
    /** Whether it is `vbr_` followed by 32 characters. */
    readonly wellFormed: boolean
  }
  /** Why no response came (the network error's message). */
  readonly error?: string
}

/** How many responses a recorder keeps before dropping the oldest. */
const MAX_RECORDED = 500

/**
 * Records the status, headers and timing of every response a client receives, for `doctor()`: the `Date`,
 * `X-RateLimit-*` and `x-request-id` headers of the calls already made are its evidence, so it never sends a burst to
 * find them. Give `recorder.fetch` to the client as its `fetch` option. Bodies pass through unread; the API key is
 * never stored (only its length and format), and signed URLs are kept without their query. Keeps the last 500.
 */
export class ResponseRecorder {
  /** The fetch that sends the requests. */
  readonly transport: FetchFn
  readonly #responses: RecordedResponse[] = []

  /**
   * @param transport the fetch that sends the requests. Default: `globalThis.fetch`, through `HTTPS_PROXY`/`HTTP_PROXY`
   *   (and `NO_PROXY`) when set, as the client's own default.
   */
  constructor(transport?: FetchFn) {
    this.transport = transport ?? proxiedFetch() ?? ((input, init) => globalThis.fetch(input, init))
  }

  /** The responses recorded so far, oldest first. */
  get responses(): readonly RecordedResponse[] {
    return this.#responses
  }

  /** Forgets every recorded response. */
  clear(): void {
    this.#responses.length = 0
  }

  /** The fetch to give a client (`{ fetch: recorder.fetch }`): sends through `transport` and records the response. */
  readonly fetch: FetchFn = async (input, init) => {
    const key = new Headers(init.headers).get('x-api-key') ?? undefined
    const request = {
      method: (init.method ?? 'GET').toUpperCase(),
      url: withoutQuery(input),
      startedAt: Date.now(),
      ...(key === undefined ? {} : { apiKey: { length: key.length, wellFormed: /^vbr_.{32}$/.test(key) } }),
    }
    const started = performance.now()
    const elapsed = () => Math.round(performance.now() - started)
    try {
      const response = await this.transport(input, init)
      const headers: Record<string, string> = {}
      response.headers.forEach((value, name) => (headers[name] = redact(value, key)))
      this.#record({ ...request, status: response.status, durationMs: elapsed(), headers })
      return response
    } catch (error) {
      const reason = redact(error instanceof Error ? error.message : String(error), key)
      this.#record({ ...request, status: 0, durationMs: elapsed(), headers: {}, error: reason })
      throw error
    }
  }

  #record(response: RecordedResponse): void {
    this.#responses.push(response)
    if (this.#responses.length > MAX_RECORDED) this.#responses.shift()
  }
}

function withoutQuery(input: string): string {
  try {
    const url = new URL(input)
    return url.origin + url.pathname
  } catch {
    return input.split('?')[0]!
  }
}
