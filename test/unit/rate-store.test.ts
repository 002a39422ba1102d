import { createHash } from 'node:crypto'
import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { ConnectionError, VideoBGRemoverClient, type RateLimitRequest, type RateLimitStore } from '../../src/index'
import { memoryRateLimitStore } from '../../src/core/rate-store'
import { BASE, JOB, KEY, rejection, useMswServer } from '../kit'

const server = useMswServer()

/** A store that grants everything and remembers what it was asked. */
function recordingStore(answers: number[] = []): RateLimitStore & { asked: RateLimitRequest[] } {
  const asked: RateLimitRequest[] = []
  return {
    asked,
    async take(request) {
      asked.push(request)
      return answers.shift() ?? 0
    },
  }
}

const answerEverything = () =>
  server.use(
    http.get(`${BASE}/v1/credits`, () => HttpResponse.json({ total_credits: 10, remaining_credits: 10, used_credits: 0 })),
    http.post(`${BASE}/v1/jobs/${JOB}/start`, () => HttpResponse.json({ id: JOB, status: 'processing' })),
  )

describe('rateLimit: { store }', () => {
  it('asks the store before each request, a start as a start, under the limits given plus a margin', async () => {
    answerEverything()
    const store = recordingStore()
    const client = new VideoBGRemoverClient(KEY, { baseUrl: BASE, rateLimit: { store, startsPerWindow: 2, windowMs: 10_000 } })
    await client.credits()
    await client.startJob(JOB)
    expect(store.asked.map((request) => request.start)).toEqual([false, true])
    expect(store.asked[0]).toMatchObject({ requestsPerWindow: 100, startsPerWindow: 2 })
    expect(store.asked[0]!.windowMs).toBeGreaterThan(10_000)
  })

  it('names the budget by a SHA-256 of the host and key, never the key itself', async () => {
    answerEverything()
    const store = recordingStore()
    await new VideoBGRemoverClient(KEY, { baseUrl: BASE, rateLimit: { store } }).credits()
    expect(store.asked[0]!.key).toBe(createHash('sha256').update(`${BASE} ${KEY}`).digest('hex'))
    expect(JSON.stringify(store.asked)).not.toContain(KEY)
  })

  it('waits as long as the store says, then asks again before sending', async () => {
    answerEverything()
    const store = recordingStore([5, 5, 0])
    await new VideoBGRemoverClient(KEY, { baseUrl: BASE, rateLimit: { store } }).credits()
    expect(store.asked).toHaveLength(3)
  })

  it('fails the request with a ConnectionError, unsent, when the store fails', async () => {
    let sent = 0
    server.use(http.get(`${BASE}/v1/credits`, () => (sent++, HttpResponse.json({}))))
    const store: RateLimitStore = { take: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')) }
    const client = new VideoBGRemoverClient(KEY, { baseUrl: BASE, rateLimit: { store }, maxRetries: 0 })
    const error = await rejection(client.credits())
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error.message).toContain('rateLimit.store failed')
    expect(sent).toBe(0)
  })
})

describe('memoryRateLimitStore', () => {
  const limits = { requestsPerWindow: 3, startsPerWindow: 1, windowMs: 1_000 }

  it('grants up to the limit in a window, then the wait until the oldest grant leaves it', async () => {
    let now = 0
    const store = memoryRateLimitStore(() => now)
    const take = (start: boolean) => store.take({ key: 'k', start, ...limits })
    expect([await take(true), await take(false), await take(false)]).toEqual([0, 0, 0])
    now = 400
    expect(await take(false)).toBe(600)
    now = 1_000
    expect(await take(true)).toBe(0)
  })

  it('refuses a start over its own limit without counting the request', async () => {
    const store = memoryRateLimitStore(() => 0)
    const take = (start: boolean) => store.take({ key: 'k', start, ...limits })
    await take(true)
    expect(await take(true)).toBe(1_000)
    expect([await take(false), await take(false)]).toEqual([0, 0])
  })
})
