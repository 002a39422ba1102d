import { sleep } from './signal'

/**
 * The limits a client paces one API key under (the `rateLimit` option). Unset fields keep the API's: 100 requests
 * and 3 job starts a minute per key. Lower them when other processes share the key.
 */
export interface RateLimits {
  /** Requests of every kind (starts included) allowed in any window. Default 100. */
  requestsPerWindow?: number
  /** Job starts allowed in any window. Default 3. */
  startsPerWindow?: number
  /** The window's length, in milliseconds. Default 60 000 (a minute). */
  windowMs?: number
}

/** The rate-limit window as the last response described it. */
export interface RateLimitState {
  limit?: number
  remaining?: number
  /** Epoch ms. */
  resetAt?: number
}

/**
 * Paces every call made with one API key so that together they stay under the API's limits: at most
 * `requestsPerWindow` requests and `startsPerWindow` starts in any `windowMs`, and, once the server reports
 * fewer than a fifth of its window left, the rest spread evenly until the window resets.
 */
export class RateLimiter {
  readonly server: RateLimitState = {}
  readonly #sent: number[] = []
  readonly #started: number[] = []
  readonly #limits: Required<RateLimits>

  constructor(limits: RateLimits = {}) {
    this.#limits = { requestsPerWindow: 100, startsPerWindow: 3, windowMs: 60_000, ...limits }
  }

  /** Waits, abortably, until a request (counted as a start too when `start`) may go, and counts it. */
  async acquire(start: boolean, signal?: AbortSignal, jobId?: string): Promise<void> {
    for (let wait = this.#waitMs(start); wait > 0; wait = this.#waitMs(start)) await sleep(wait, signal, jobId)
    const now = Date.now()
    this.#sent.push(now)
    if (start) this.#started.push(now)
    if (this.server.remaining !== undefined) this.server.remaining--
  }

  /** The gap between requests that the server's remaining budget calls for (0 while it is ample). */
  spacingMs(now = Date.now()): number {
    const { limit, remaining, resetAt } = this.server
    if (limit === undefined || remaining === undefined || resetAt === undefined) return 0
    if (remaining > limit / 5 || resetAt <= now) return 0
    return Math.min((resetAt - now) / Math.max(remaining, 1), 60_000)
  }

  observe(headers: Record<string, string>): void {
    const read = (name: string) => {
      const value = Number(headers[name])
      return headers[name] !== undefined && Number.isFinite(value) ? value : undefined
    }
    const reset = read('x-ratelimit-reset')
    this.server.limit = read('x-ratelimit-limit') ?? this.server.limit
    this.server.remaining = read('x-ratelimit-remaining') ?? this.server.remaining
    this.server.resetAt = reset === undefined ? this.server.resetAt : reset * 1000
  }

  #waitMs(start: boolean): number {
    const now = Date.now()
    const { requestsPerWindow, startsPerWindow } = this.#limits
    // A little longer than the server's window: it counts arrivals, which come a little after the sends counted here.
    const windowMs = this.#limits.windowMs + Math.max(250, this.#limits.windowMs / 50)
    const windowWait = (times: number[], limit: number) => {
      while (times.length > 0 && times[0]! <= now - windowMs) times.shift()
      return times.length < limit ? 0 : times[times.length - limit]! + windowMs - now
    }
    const last = this.#sent[this.#sent.length - 1]
    return Math.max(
      windowWait(this.#sent, requestsPerWindow),
      start ? windowWait(this.#started, startsPerWindow) : 0,
      last === undefined ? 0 : last + this.spacingMs(now) - now,
    )
  }
}

const shared = new Map<string, RateLimiter>()

/** The limiter of one key on one host, shared by every client in this process that uses them. */
export function limiterFor(baseUrl: string, apiKey: string | undefined, limits?: RateLimits): RateLimiter {
  const id = `${baseUrl} ${apiKey ?? ''}`
  let limiter = shared.get(id)
  if (!limiter) shared.set(id, (limiter = new RateLimiter(limits)))
  return limiter
}
