import { inspect } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RateLimiter } from '../../src/core/limiter'
import { serverDelayMs } from '../../src/core/retry'
import { errorFromResponse } from '../../src/errors'
import { ApiError, RateLimitError, VideoBGRemoverError, VideoBGRemoverClient } from '../../src/index'

/**
 * Whatever a server (or a proxy in front of it) answers, the SDK throws nothing but its own errors, and those
 * errors can always be printed. Driven with no network: a custom fetch answers each call.
 */

const RUNS = 300
const KEY = `vbr_${'7'.repeat(32)}`
const JOB = '3f2b1c9e-8a7d-4e6f-9b1a-2c3d4e5f6a7b'
const NULL_BODY_STATUSES = new Set([204, 205, 304])

const HUGE = [
  'x'.repeat(2_000_000),
  '<script'.repeat(100_000),
  '<'.repeat(500_000),
  `<!DOCTYPE html><html><head><style>${'p{}'.repeat(100_000)}</style></head><body>502 Bad Gateway</body></html>`,
  JSON.stringify({ error: 'e'.repeat(1_000_000) }),
  JSON.stringify({ error: { code: 'c'.repeat(100_000), message: 'm'.repeat(100_000), request_id: 'r'.repeat(100_000) } }),
  '['.repeat(100_000) + ']'.repeat(100_000),
  '{"error":'.repeat(50_000) + '1' + '}'.repeat(50_000),
]

const json = fc.jsonValue().map((value) => JSON.stringify(value))
const envelope = fc
  .record(
    {
      error: fc.oneof(
        fc.string(),
        fc.jsonValue(),
        fc.record(
          {
            code: fc.oneof(fc.string(), fc.jsonValue()),
            message: fc.oneof(fc.string(), fc.jsonValue()),
            request_id: fc.oneof(fc.string(), fc.jsonValue()),
          },
          { requiredKeys: [] },
        ),
      ),
      message: fc.jsonValue(),
      remaining_credits: fc.oneof(fc.double(), fc.jsonValue()),
    },
    { requiredKeys: [] },
  )
  .map((value) => JSON.stringify(value))
const nearStatus = fc
  .record(
    {
      id: fc.oneof(fc.uuid(), fc.jsonValue()),
      status: fc.oneof(fc.constantFrom('created', 'uploaded', 'processing', 'completed', 'failed', 'exported'), fc.jsonValue()),
      filename: fc.oneof(fc.string(), fc.jsonValue()),
      created_at: fc.oneof(
        fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
        fc.jsonValue(),
      ),
      total_credits: fc.oneof(fc.double(), fc.jsonValue()),
      remaining_credits: fc.oneof(fc.double(), fc.jsonValue()),
      used_credits: fc.oneof(fc.double(), fc.jsonValue()),
      upload_url: fc.oneof(fc.webUrl(), fc.jsonValue()),
      deliveries: fc.oneof(fc.array(fc.jsonValue()), fc.jsonValue()),
    },
    { requiredKeys: [] },
  )
  .map((value) => JSON.stringify(value))
const nested = fc.integer({ min: 1, max: 50_000 }).map((depth) => `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`)

const text = fc.oneof(
  { weight: 3, arbitrary: json },
  { weight: 3, arbitrary: envelope },
  { weight: 3, arbitrary: nearStatus },
  { weight: 2, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 1, arbitrary: json.map((body) => body.slice(0, Math.floor(body.length / 2))) },
  { weight: 1, arbitrary: nested },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
)
const body = fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4_096 }) })

const headerValue = fc.oneof(
  fc.integer().map(String),
  fc.double().map(String),
  fc.date().map((date) => (Number.isNaN(date.getTime()) ? 'Invalid Date' : date.toUTCString())),
  fc.stringMatching(/^[\x21-\x7e]{0,40}$/),
)
const headers = fc.dictionary(
  fc.constantFrom(
    'retry-after',
    'retry-after-ms',
    'x-ratelimit-reset',
    'x-ratelimit-remaining',
    'x-ratelimit-limit',
    'x-request-id',
    'location',
    'content-type',
  ),
  headerValue,
  { maxKeys: 5 },
)

/** A response as fetch would give it; 1xx cannot be built with `new Response`, so it is a look-alike. */
function response(status: number, content: string | Uint8Array, headerFields: Record<string, string>): Response {
  if (status >= 200) {
    return new Response(NULL_BODY_STATUSES.has(status) ? null : (content as BodyInit), { status, headers: headerFields })
  }
  const textOf = typeof content === 'string' ? content : new TextDecoder().decode(content)
  return { status, statusText: '', ok: false, type: 'basic', headers: new Headers(headerFields), text: async () => textOf } as Response
}

/** An error the SDK raised must be one of its own, keep the status it saw, and print without throwing. */
function expectOwnError(error: unknown, status: number) {
  expect(error).toBeInstanceOf(VideoBGRemoverError)
  expect(() => JSON.stringify(error)).not.toThrow()
  expect(() => inspect(error, { depth: Infinity })).not.toThrow()
  if (error instanceof ApiError) {
    expect(error.status).toBe(status)
    expect(typeof error.code === 'string' && error.code !== '').toBe(true)
    expect(typeof error.message === 'string' && error.message !== '').toBe(true)
  }
}

type Call = (client: VideoBGRemoverClient) => Promise<unknown>
const CALLS: Record<string, Call> = {
  credits: (client) => client.credits(),
  createJobFile: (client) => client.createJobFile({ filename: 'clip.mp4', content_type: 'video/mp4' }),
  createJobUrl: (client) => client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' }),
  status: (client) => client.status(JOB),
  deleteJob: (client) => client.deleteJob(JOB),
  webhookDeliveries: (client) => client.webhookDeliveries(JOB),
}

const clientAnswering = (answer: () => Response) =>
  new VideoBGRemoverClient(KEY, { baseUrl: 'https://api.test', maxRetries: 0, rateLimit: false, fetch: async () => answer() })

describe('the response parser, through the client', () => {
  it('any status and any body: each call resolves or rejects with a VideoBGRemoverError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(CALLS)),
        fc.integer({ min: 100, max: 599 }),
        body,
        headers,
        async (name, status, content, fields) => {
          const client = clientAnswering(() => response(status, content, fields))
          await CALLS[name]!(client).then(
            () => expect(status >= 200 && status < 300).toBe(true),
            (error: unknown) => expectOwnError(error, status),
          )
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('startJob answered by any status that is not ambiguous (no reconciliation needed): only VideoBGRemoverErrors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 300, max: 499 }), body, headers, async (status, content, fields) => {
        const client = clientAnswering(() => response(status, content, fields))
        await client.startJob(JOB).then(
          () => expect.unreachable('a non-2xx start resolved'),
          (error: unknown) => expectOwnError(error, status),
        )
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    )
  })

  it('a fetch that throws anything at all becomes a ConnectionError, never the raw value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(CALLS)), fc.anything(), async (name, thrown) => {
        const client = new VideoBGRemoverClient(KEY, {
          baseUrl: 'https://api.test',
          maxRetries: 0,
          rateLimit: false,
          fetch: async () => {
            throw thrown
          },
        })
        await CALLS[name]!(client).then(
          () => expect.unreachable('resolved without a response'),
          (error: unknown) => {
            expect(error).toBeInstanceOf(VideoBGRemoverError)
            expect(() => JSON.stringify(error)).not.toThrow()
          },
        )
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    )
  })
})

describe('the error mapper, directly', () => {
  it('any status, body and headers map to an ApiError that keeps the status and prints', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        text,
        headers,
        fc.option(fc.string(), { nil: undefined }),
        (status, content, fields, statusText) => {
          const error = errorFromResponse({ status, statusText, headers: fields, text: content, jobId: JOB })
          expectOwnError(error, status)
          expect(error).toBeInstanceOf(ApiError)
          expect(error.jobId).toBe(JOB)
          if (error.code === 'rate_limited') expect(error).toBeInstanceOf(RateLimitError)
          expect(error.requestId === undefined || typeof error.requestId === 'string').toBe(true)
        },
      ),
      { numRuns: RUNS },
    )
  })

  // Pages of up to 2 MB: a pattern that backtracks (quadratic or worse) would not finish before the test timeout.
  it('maps an HTML page of any size in linear time', () => {
    for (const page of HUGE) {
      expect(errorFromResponse({ status: 502, headers: {}, text: page }), page.slice(0, 20)).toBeInstanceOf(ApiError)
    }
  })
})

describe('server-requested waits, from any headers', () => {
  it('serverDelayMs is undefined or within 0–60 s', () => {
    fc.assert(
      fc.property(headers, fc.integer({ min: 100, max: 599 }), (fields, status) => {
        const delay = serverDelayMs(fields, status)
        if (delay !== undefined) {
          expect(delay).toBeGreaterThanOrEqual(0)
          expect(delay).toBeLessThanOrEqual(60_000)
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('the limiter reads any X-RateLimit-* headers into a spacing within 0–60 s', () => {
    fc.assert(
      fc.property(fc.array(headers, { maxLength: 4 }), (responses) => {
        const limiter = new RateLimiter()
        for (const fields of responses) limiter.observe(fields)
        const spacing = limiter.spacingMs()
        expect(spacing).toBeGreaterThanOrEqual(0)
        expect(spacing).toBeLessThanOrEqual(60_000)
      }),
      { numRuns: RUNS },
    )
  })
})
