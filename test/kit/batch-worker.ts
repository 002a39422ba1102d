/**
 * A batch worker, run as a child process by the tests: `runBatch` over the files named on the command line, with the
 * journal and the key's budget in Redis. One JSON line per result on stdout, then `END`.
 *
 *   node --import tsx test/kit/batch-worker.ts <config JSON> <input>…
 *
 * The config: `{ baseUrl, redisUrl, outDir, worker, limits, leaseMs }`.
 */
import { Redis } from 'ioredis'
import { runBatch } from '../../src/node/batch/index'
import { VideoBGRemoverClient } from '../../src/node/index'
import { redisJobStore, redisRateLimitStore } from '../../src/redis/index'
import { FAKE_API_KEY } from '../../src/testing/index'

const [config, ...inputs] = process.argv.slice(2)
const { baseUrl, redisUrl, outDir, worker, limits, leaseMs } = JSON.parse(config!)
const redis = new Redis(redisUrl)
const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl, rateLimit: { ...limits, store: redisRateLimitStore(redis) } })
try {
  for await (const result of runBatch(inputs, { client, outDir, store: redisJobStore(redis), worker, leaseMs })) {
    console.log(JSON.stringify({ state: result.state, input: result.input, jobId: result.jobId, error: result.error?.message }))
  }
  console.log('END')
} finally {
  redis.disconnect()
}
