import type { ErrorReply } from './http'

/** The fake's rate limits per API key; unset, the fake does not limit. Defaults are the API's (api-contract.md §7). */
export interface FakeRateLimit {
  /** Requests per window and key. Default 100. */
  requestsPerWindow?: number
  /** Job starts per window and key. Default 3. */
  startsPerWindow?: number
  /** Window length in milliseconds. Default 60 000. */
  windowMs?: number
}

/**
 * The fake server's side of the API's rate limits: a fixed window per key, opened by the key's first request,
 * counting requests and starts. Named apart from the SDK's `RateLimiter`, the client that paces itself against it.
 */
export class RateWindow {
  private readonly windows = new Map<string, { resetAt: number; requests: number; starts: number }>()

  constructor(
    private readonly requestsPerWindow: number,
    private readonly startsPerWindow: number,
    private readonly windowMs: number,
  ) {}

  /**
   * Counts one request by `key` at `now` (epoch ms) and returns the `X-RateLimit-*` headers for its response, plus
   * a 429 reply with `Retry-After` (seconds) when it is over a limit. A refused request still counts.
   */
  hit(key: string, isStart: boolean, now: number): { headers: Record<string, string>; exceeded?: ErrorReply } {
    let window = this.windows.get(key)
    if (window === undefined || now >= window.resetAt) {
      window = { resetAt: now + this.windowMs, requests: 0, starts: 0 }
      this.windows.set(key, window)
    }
    window.requests += 1
    if (isStart) window.starts += 1
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(this.requestsPerWindow),
      'X-RateLimit-Remaining': String(Math.max(0, this.requestsPerWindow - window.requests)),
      'X-RateLimit-Reset': String(Math.ceil(window.resetAt / 1000)),
    }
    const error =
      window.requests > this.requestsPerWindow
        ? 'Rate limit exceeded'
        : isStart && window.starts > this.startsPerWindow
          ? 'Job start rate limit exceeded'
          : undefined
    if (error === undefined) return { headers }
    headers['Retry-After'] = String(Math.ceil((window.resetAt - now) / 1000))
    return { headers, exceeded: { status: 429, error } }
  }

  /** Forgets every key's window. */
  reset(): void {
    this.windows.clear()
  }
}
