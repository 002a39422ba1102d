/**
 * Where a client's pacer keeps count of what it sent: in this process (`memoryRateLimitStore`, the default), or
 * somewhere every process and machine using the key can see (`redisRateLimitStore` in `@videobgremover/sdk/redis`).
 */

/** One request the pacer wants to send, as it asks a `RateLimitStore` for it. */
export interface RateLimitRequest {
  /**
   * The budget it draws on: an opaque id of one API key on one API host. For a store other than the default, it is
   * a SHA-256 of the two, so the key itself never reaches the store.
   */
  readonly key: string
  /** Whether it is a job start, which the API limits separately (a start is a request too). */
  readonly start: boolean
  /** Requests of every kind allowed in any `windowMs`. */
  readonly requestsPerWindow: number
  /** Job starts allowed in any `windowMs`. */
  readonly startsPerWindow: number
  /** The window, in milliseconds: the API's plus the pacer's margin for the time a request takes to arrive. */
  readonly windowMs: number
}

/**
 * Counts the requests and starts one API key was granted, for the client's `rateLimit: { store }`. Give every
 * process and machine that uses one key the same store, and they share the key's budget instead of each believing
 * it owns all of it.
 */
export interface RateLimitStore {
  /**
   * Atomically: when fewer than `requestsPerWindow` requests, and for a start fewer than `startsPerWindow` starts,
   * were granted for `key` in the last `windowMs`, grants this one, counts it and resolves to 0; otherwise counts
   * nothing and resolves to the milliseconds until a slot frees (the pacer waits that long and asks again). A
   * rejection fails the request that asked.
   */
  take(request: RateLimitRequest): Promise<number>
}

/** The grants of one key: times (epoch ms) of the requests and of the starts within the window. */
interface Log {
  sent: number[]
  started: number[]
}

/**
 * A `RateLimitStore` in this process's memory: a sliding log of grant times per key. Every client of a key in one
 * process shares one by default; it knows nothing of other processes.
 */
export function memoryRateLimitStore(now: () => number = Date.now): RateLimitStore {
  const logs = new Map<string, Log>()
  return {
    async take({ key, start, requestsPerWindow, startsPerWindow, windowMs }) {
      let log = logs.get(key)
      if (!log) logs.set(key, (log = { sent: [], started: [] }))
      const at = now()
      const wait = Math.max(
        waitFor(log.sent, requestsPerWindow, windowMs, at),
        start ? waitFor(log.started, startsPerWindow, windowMs, at) : 0,
      )
      if (wait > 0) return wait
      log.sent.push(at)
      if (start) log.started.push(at)
      return 0
    },
  }
}

/** Drops the times older than the window; the ms until `limit` grants fit in it again (0 when one fits now). */
function waitFor(times: number[], limit: number, windowMs: number, now: number): number {
  while (times.length > 0 && times[0]! <= now - windowMs) times.shift()
  return times.length < limit ? 0 : times[times.length - limit]! + windowMs - now
}
