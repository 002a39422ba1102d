import { rateLimitStoreFailed } from '../errors'
import { memoryRateLimitStore, type RateLimitStore } from './rate-store'
import { sleep, throwIfAborted } from './signal'

/** The API's limits per key: 100 requests and 3 job starts a minute. The one place they are written. */
export const API_RATE_LIMITS: Readonly<Required<Omit<RateLimits, 'store'>>> = {
  requestsPerWindow: 100,
  startsPerWindow: 3,
  windowMs: 60_000,
}

/**
 * The limits a client paces one API key under (the `rateLimit` option). Unset fields keep the API's: 100 requests
 * and 3 job starts a minute per key. Lower them when other processes share the key, or give them all one `store`.
 */
export interface RateLimits {
  /** Requests of every kind (starts included) allowed in any window. Default 100. */
  requestsPerWindow?: number
  /** Job starts allowed in any window. Default 3. */
  startsPerWindow?: number
  /** The window's length, in milliseconds. Default 60 000 (a minute). */
  windowMs?: number
  /**
   * Where the count of requests and starts is kept. Default: this process's memory, shared by every client of the
   * key in the process. Pass one shared store (`redisRateLimitStore(redis)` from `@videobgremover/sdk/redis`) to
   * every process and machine using the key, so that together they stay under its limits.
   */
  store?: RateLimitStore
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
 * `requestsPerWindow` requests and `startsPerWindow` starts in any `windowMs` (counted in its store), and, once the
 * server reports fewer than a fifth of its window left, the rest spread evenly until the window resets.
 */
export class RateLimiter {
  readonly server: RateLimitState = {}
  readonly #limits: Required<Omit<RateLimits, 'store'>>
  readonly #store: RateLimitStore
  readonly #key: () => Promise<string>
  #last: number | undefined

  /** @param key the budget's id in a shared store; a promise, as it is a hash computed once. */
  constructor(limits: RateLimits = {}, key: () => Promise<string> = async () => 'local') {
    const { store, ...rest } = limits
    this.#limits = { ...API_RATE_LIMITS, ...rest }
    this.#store = store ?? memoryRateLimitStore()
    this.#key = key
  }

  /** The limits in force (the API's where none were given). */
  get limits(): Readonly<Required<Omit<RateLimits, 'store'>>> {
    return this.#limits
  }

  /** Waits, abortably, until a request (counted as a start too when `start`) may go, and counts it. */
  async acquire(start: boolean, signal?: AbortSignal, jobId?: string): Promise<void> {
    const { requestsPerWindow, startsPerWindow } = this.#limits
    // A little longer than the server's window: it counts arrivals, which come a little after the grants counted here.
    const windowMs = this.#limits.windowMs + Math.max(250, this.#limits.windowMs / 50)
    for (;;) {
      const now = Date.now()
      const spacing = this.#last === undefined ? 0 : this.#last + this.spacingMs(now) - now
      if (spacing > 0) {
        await sleep(spacing, signal, jobId)
        continue
      }
      const key = await this.#key()
      const wait = await this.#store.take({ key, start, requestsPerWindow, startsPerWindow, windowMs }).catch((error: unknown) => {
        throw rateLimitStoreFailed(error, jobId)
      })
      throwIfAborted(signal, jobId)
      if (!(wait > 0)) break
      await sleep(wait, signal, jobId)
    }
    this.#last = Date.now()
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
}

const shared = new Map<string, RateLimiter>()
const sharedByStore = new WeakMap<RateLimitStore, Map<string, RateLimiter>>()

/**
 * The limiter of one key on one host, shared by every client in this process that uses them (and the same store).
 * With a store of the caller's, the budget's id in it is a SHA-256 of the host and key, never the key itself.
 */
export function limiterFor(baseUrl: string, apiKey: string | undefined, limits?: RateLimits): RateLimiter {
  const id = `${baseUrl} ${apiKey ?? ''}`
  const store = limits?.store
  const limiters = store ? (sharedByStore.get(store) ?? new Map<string, RateLimiter>()) : shared
  if (store) sharedByStore.set(store, limiters)
  let limiter = limiters.get(id)
  let hashed: Promise<string> | undefined
  if (!limiter) limiters.set(id, (limiter = new RateLimiter(limits, store && (() => (hashed ??= sha256Hex(id))))))
  return limiter
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  return digest.reduce((hex, byte) => hex + byte.toString(16).padStart(2, '0'), '')
}
