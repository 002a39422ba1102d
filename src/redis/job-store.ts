import type { JobRecord, JobStore } from '../batch/store'
import { leaseLost } from '../errors'
import { slotted, type RedisEval } from './client'

/** Options of `redisJobStore`. */
export interface RedisJobStoreOptions {
  /** Prefix of the store's keys: one per batch (or per set of outputs) sharing the Redis. Default `vbr:batch`. */
  prefix?: string
}

const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`

// A record is written only while its writer holds the input's claim (a record without a writer: while nobody does).
// Otherwise the reply is the holder, or '' when the claim has expired.
const PUT = `
local holder = redis.call('GET', KEYS[2]) or ''
if holder ~= ARGV[3] then return holder end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`

const GET = `return redis.call('HGET', KEYS[1], ARGV[1])`
const LIST = `return redis.call('HVALS', KEYS[1])`

/**
 * A `JobStore` in Redis, for `runBatch({ store })` across many processes and machines: records in one hash,
 * claims as keys that expire (a worker that dies stops renewing its claim, and once it expires another worker resumes
 * its job by id). Writes are fenced in the same script that writes: a worker that no longer holds the claim is refused
 * (`JobStoreError`, `lease_lost`). Records are as durable as the Redis (use `appendonly yes`).
 *
 * @param redis an ioredis client (`new Redis(url)`), or anything with its `eval`; the store never closes it.
 * @param options `prefix` of the keys (default `vbr:batch`).
 */
export function redisJobStore(redis: RedisEval, options: RedisJobStoreOptions = {}): JobStore {
  const prefix = slotted(options.prefix ?? 'vbr:batch')
  const records = `${prefix}:records`
  const lease = (key: string) => `${prefix}:lease:${key}`
  return {
    async get(key) {
      const reply = await redis.eval(GET, 1, records, key)
      return typeof reply === 'string' ? (JSON.parse(reply) as JobRecord) : undefined
    },
    async put(record) {
      const reply = await redis.eval(PUT, 2, records, lease(record.key), record.key, JSON.stringify(record), record.worker ?? '')
      if (Number(reply) !== 1) throw leaseLost(record.key, record.worker, reply === '' ? undefined : String(reply))
    },
    async list() {
      const reply = await redis.eval(LIST, 1, records)
      return (Array.isArray(reply) ? reply : []).map((value) => JSON.parse(String(value)) as JobRecord)
    },
    async claim(key, worker, leaseMs) {
      return Number(await redis.eval(CLAIM, 1, lease(key), worker, Math.ceil(leaseMs))) === 1
    },
    async release(key, worker) {
      await redis.eval(RELEASE, 1, lease(key), worker)
    },
  }
}
