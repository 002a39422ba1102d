import type { RateLimitStore } from '../core/rate-store'
import { slotted, type RedisEval } from './client'

/** Options of `redisRateLimitStore`. */
export interface RedisRateLimitStoreOptions {
  /** Prefix of the store's keys. Default `vbr:rate`. */
  prefix?: string
}

// A sliding log per budget in two sorted sets (requests, starts), scored by Redis's own clock so that machines whose
// clocks disagree still share one timeline. A start is granted only when both logs have room, in one atomic step.
const TAKE = `
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window = tonumber(ARGV[1])
local start = ARGV[4] == '1'
local function wait(key, limit)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count < limit then return 0 end
  local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
  return tonumber(oldest[2]) + window - now
end
local delay = wait(KEYS[1], tonumber(ARGV[2]))
if start then delay = math.max(delay, wait(KEYS[2], tonumber(ARGV[3]))) end
if delay > 0 then return delay end
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], window)
if start then
  redis.call('ZADD', KEYS[2], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[2], window)
end
return 0
`

/**
 * A `RateLimitStore` in Redis, for `new VideoBGRemoverClient(key, { rateLimit: { store } })`: every process and
 * machine whose client is given a store on the same Redis shares the key's budget (requests and starts per window),
 * granted atomically by a script and timed by Redis's clock. Each process still spaces its requests as the server's
 * `X-RateLimit-*` headers ask and waits out a `Retry-After`. The budget's keys hold a SHA-256 of the API key, never
 * the key, and expire a window after the last request.
 *
 * @param redis an ioredis client (`new Redis(url)`), or anything with its `eval`; the store never closes it.
 * @param options `prefix` of the keys (default `vbr:rate`).
 */
export function redisRateLimitStore(redis: RedisEval, options: RedisRateLimitStoreOptions = {}): RateLimitStore {
  const prefix = options.prefix ?? 'vbr:rate'
  return {
    async take({ key, start, requestsPerWindow, startsPerWindow, windowMs }) {
      const budget = slotted(`${prefix}:${key}`)
      const reply = await redis.eval(
        TAKE,
        2,
        `${budget}:requests`,
        `${budget}:starts`,
        Math.ceil(windowMs),
        requestsPerWindow,
        startsPerWindow,
        start ? 1 : 0,
        globalThis.crypto.randomUUID(),
      )
      return Number(reply)
    },
  }
}
