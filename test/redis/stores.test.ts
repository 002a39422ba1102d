/**
 * The Redis stores against a real redis-server, started by this file on a free loopback port and stopped after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VideoBGRemoverClient } from '../../src/node/index'
import { redisJobStore, redisRateLimitStore } from '../../src/redis/index'
import { memoryRateLimitStore } from '../../src/core/rate-store'
import { FAKE_API_KEY, startFakeServer } from '../../src/testing/node'
import { jobStoreContract } from '../kit/job-store-contract'
import { startRedis, type TestRedis } from '../kit/redis'

let redis: TestRedis
let prefixes = 0
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(() => redis?.stop())

jobStoreContract('redisJobStore', async () => redisJobStore(redis.client(), { prefix: `contract-${prefixes++}` }))

const LIMITS = { requestsPerWindow: 5, startsPerWindow: 3, windowMs: 60_000 }
const take = (store: ReturnType<typeof redisRateLimitStore>, start: boolean, key = 'budget') => store.take({ key, start, ...LIMITS })

describe('redisRateLimitStore', () => {
  it('grants starts up to the limit, then says how long until the oldest leaves the window', async () => {
    const store = redisRateLimitStore(redis.client(), { prefix: 'starts' })
    expect([await take(store, true), await take(store, true), await take(store, true)]).toEqual([0, 0, 0])
    const wait = await take(store, true)
    expect(wait).toBeGreaterThan(0)
    expect(wait).toBeLessThanOrEqual(LIMITS.windowMs)
  })

  it('counts nothing for a start it refuses: the request budget it would have used is still there', async () => {
    const store = redisRateLimitStore(redis.client(), { prefix: 'refused' })
    for (let i = 0; i < 3; i++) await take(store, true)
    expect(await take(store, true)).toBeGreaterThan(0)
    expect([await take(store, false), await take(store, false)], 'requests 4 and 5 of 5').toEqual([0, 0])
    expect(await take(store, false)).toBeGreaterThan(0)
  })

  it('keeps one budget per key, in keys that expire', async () => {
    const client = redis.client()
    const store = redisRateLimitStore(client, { prefix: 'keys' })
    for (let i = 0; i < 3; i++) await take(store, true, 'one')
    expect(await take(store, true, 'two')).toBe(0)
    const ttl = await client.pttl('{keys:one}:starts')
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(LIMITS.windowMs)
  })

  it('is the same budget for stores made from different connections', async () => {
    const first = redisRateLimitStore(redis.client(), { prefix: 'shared' })
    const second = redisRateLimitStore(redis.client(), { prefix: 'shared' })
    expect([await take(first, true), await take(second, true), await take(first, true)]).toEqual([0, 0, 0])
    expect(await take(second, true)).toBeGreaterThan(0)
  })
})

describe('clients sharing one key through Redis', () => {
  const WINDOW = { requestsPerWindow: 100, startsPerWindow: 3, windowMs: 1_000 }

  /**
   * Two clients with separate pacers (as in two processes), each starting `jobs` jobs at once: counting in one Redis
   * budget (`shared`), or each in its own memory.
   */
  async function startFromTwoPacers(shared: boolean, jobs: number) {
    await using server = await startFakeServer({ rateLimit: WINDOW })
    const prefix = `pair-${prefixes++}`
    const clients = [0, 1].map(
      () =>
        new VideoBGRemoverClient(FAKE_API_KEY, {
          baseUrl: server.url,
          rateLimit: { ...WINDOW, store: shared ? redisRateLimitStore(redis.client(), { prefix }) : memoryRateLimitStore() },
        }),
    )
    const created = await Promise.all(
      clients.flatMap((client) => Array.from({ length: jobs }, () => client.createJobUrl({ video_url: 'https://cdn.test/a.mp4' }))),
    )
    const results = await Promise.allSettled(created.map((job, i) => clients[Math.floor(i / jobs)]!.startJob(job.id)))
    return { results, requests: [...server.api.requests] }
  }

  it('never let the fake see more starts in a window than the limit, and no 429', async () => {
    const { results, requests } = await startFromTwoPacers(true, 4)
    expect(results.filter((result) => result.status === 'rejected')).toEqual([])
    expect(requests.filter((entry) => entry.status === 429)).toEqual([])
    const starts = requests.filter((entry) => entry.endpoint === 'startJob').map((entry) => entry.time)
    expect(starts).toHaveLength(8)
    for (let i = WINDOW.startsPerWindow; i < starts.length; i++) {
      expect(starts[i]! - starts[i - WINDOW.startsPerWindow]!).toBeGreaterThanOrEqual(WINDOW.windowMs)
    }
  }, 30_000)

  it('control: two pacers counting apart (each in its own memory) overrun the window together', async () => {
    const { requests } = await startFromTwoPacers(false, 3)
    expect(requests.filter((entry) => entry.status === 429).length).toBeGreaterThan(0)
  })
})
