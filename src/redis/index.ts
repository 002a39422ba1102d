/**
 * One API key's budget and one batch's journal shared by every process and machine, in Redis:
 * `redisRateLimitStore(redis)` for the client's `rateLimit: { store }`, and `redisJobStore(redis)` for
 * `runBatch({ store })`. Bring your own client: ioredis (an optional peer dependency) fits as it is; nothing here
 * loads unless you import this entry.
 *
 * @module @videobgremover/sdk/redis
 */
export { redisRateLimitStore, type RedisRateLimitStoreOptions } from './rate-limit'
export { redisJobStore, type RedisJobStoreOptions } from './job-store'
export type { RedisEval } from './client'
export type { RateLimitStore, RateLimitRequest } from '../core/rate-store'
export type { JobStore, JobRecord, JobRecordState, JobRecordError } from '../batch/store'
export { JobStoreError } from '../errors'
