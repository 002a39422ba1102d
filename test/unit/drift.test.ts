/**
 * The API as it really answers: every public call tolerates a drifted body (fields dropped, retyped, added,
 * reordered) as long as the few fields it cannot do without are there, and each finding of the drift probes holds.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { VideoBGRemoverClient, type FetchFn } from '../../src/index'
import { BASE, capturingLogger, JOB, KEY } from '../kit'

/** A client whose every call is answered with `body` (status 200), with no network in between. */
function answering(body: unknown, logger = capturingLogger().logger) {
  const fetch: FetchFn = async () => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
  return new VideoBGRemoverClient(KEY, { baseUrl: BASE, fetch, rateLimit: false, maxRetries: 0, logger, logLevel: 'warn' })
}

interface ResponseType {
  name: string
  /** Documented example bodies and the vendor mocks' shapes. */
  examples: Record<string, unknown>[]
  /** Fields that stay as they are (the call cannot go on without them). */
  required: string[]
  call: (client: VideoBGRemoverClient) => Promise<Record<string, unknown>>
  /** What the result must hold, whatever the drift. */
  check: (result: Record<string, unknown>) => void
}

const url = 'https://storage.googleapis.com/vbr/out.webm?X-Goog-Signature=abc'
const TYPES: ResponseType[] = [
  {
    name: 'credits',
    examples: [{ user_id: 'u_1', total_credits: 1000, remaining_credits: 850, used_credits: 150 }],
    required: [],
    call: (client) => client.credits() as never,
    check: (result) => {
      for (const field of ['totalCredits', 'remainingCredits', 'usedCredits']) expect(typeof result[field]).toBe('number')
    },
  },
  {
    name: 'a file job',
    examples: [
      {
        id: JOB,
        status: 'created',
        filename: 'clip.mp4',
        content_type: 'video/mp4',
        upload_url: url,
        expires_at: '2026-01-01T10:00:00Z',
        instructions: { method: 'PUT', headers: { 'Content-Type': 'video/mp4' }, note: 'PUT the file' },
      },
      { id: JOB, upload_url: url },
    ],
    required: ['id', 'upload_url'],
    call: (client) => client.createJobFile({ filename: 'clip.mp4', content_type: 'video/mp4' }) as never,
    check: (result) => expect(result).toMatchObject({ id: JOB, upload_url: url }),
  },
  {
    name: 'a URL job',
    examples: [{ id: JOB, status: 'uploaded', message: 'Video downloaded' }, { id: JOB }],
    required: ['id'],
    call: (client) => client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' }) as never,
    check: (result) => expect(result.id).toBe(JOB),
  },
  {
    name: 'a start',
    examples: [
      {
        id: JOB,
        status: 'processing',
        export_id: 'exp_red_bg_123',
        creditsUsed: 12,
        video_length_seconds: 11.5,
        background: { type: 'color' },
      },
      { id: JOB, status: 'processing', credits_used: 3 },
    ],
    required: ['id'],
    call: (client) => client.startJob(JOB) as never,
    check: (result) => expect(result.id).toBe(JOB),
  },
  {
    name: 'a status',
    examples: [
      {
        id: JOB,
        status: 'completed',
        filename: 'clip.mp4',
        created_at: '2026-01-01T09:00:00Z',
        length_seconds: 30.5,
        processed_video_url: url,
        processed_mask_url: url,
        thumbnail_url: url,
        message: 'Video processed successfully',
        background: { type: 'transparent', transparent_format: 'webm_vp9' },
        output_format: 'webm_vp9',
      },
      { id: JOB, status: 'failed', error: 'No person found', message: 'Processing failed' },
    ],
    required: ['id', 'status'],
    call: (client) => client.status(JOB) as never,
    check: (result) => expect(result).toMatchObject({ id: JOB, status: expect.any(String) }),
  },
  {
    name: 'a delete',
    examples: [{ id: JOB, message: 'Job deleted' }, {}],
    // Optional, but an id that names another job is refused (test/security): it stays as sent.
    required: ['id'],
    call: (client) => client.deleteJob(JOB) as never,
    check: (result) => expect(result.id).toBe(JOB),
  },
  {
    name: 'the webhook deliveries',
    examples: [
      {
        video_id: JOB,
        total_deliveries: 1,
        deliveries: [{ event_type: 'job.completed', attempt_number: 1, delivery_status: 'delivered', payload: { job_id: JOB } }],
      },
    ],
    required: ['video_id'],
    call: (client) => client.webhookDeliveries(JOB) as never,
    check: (result) => {
      expect(result.video_id).toBe(JOB)
      expect(Array.isArray(result.deliveries)).toBe(true)
      expect(typeof result.total_deliveries).toBe('number')
    },
  },
]

/** Any JSON-ish value an optional field may turn into. */
const retyped = fc.oneof(
  fc.string(),
  fc.double({ noNaN: false }),
  fc.integer().map(String),
  fc.constant(null),
  fc.boolean(),
  fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
)

/** `example` drifted: optional fields dropped or retyped, unknown (nested) fields added, keys reordered. */
function drifted(type: ResponseType, example: Record<string, unknown>) {
  const optional = Object.keys(example).filter((field) => !type.required.includes(field))
  return fc
    .record({
      dropped: fc.subarray(optional),
      retypes: fc.dictionary(fc.constantFrom(...optional, 'x'), retyped, { maxKeys: optional.length }),
      extra: fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 4 }),
      order: fc.infiniteStream(fc.double()),
    })
    .map(({ dropped, retypes, extra, order }) => {
      const body: Record<string, unknown> = { ...extra }
      for (const [field, value] of Object.entries(example)) if (!dropped.includes(field)) body[field] = value
      for (const [field, value] of Object.entries(retypes)) if (optional.includes(field)) body[field] = value
      // The credit numbers are required, and a numeric string is a number.
      if (type.name === 'credits')
        for (const field of ['total_credits', 'remaining_credits', 'used_credits'])
          body[field] = fc.sample(fc.constantFrom(7, '7', ' 7.5 '), 1)[0]
      const weights = new Map(Object.keys(body).map((field) => [field, order.next().value as number]))
      return Object.fromEntries(Object.entries(body).sort(([a], [b]) => weights.get(a)! - weights.get(b)!))
    })
}

describe.each(TYPES)('$name under drift', (type) => {
  it('returns its required fields and never throws for an optional field (1,000 drifted bodies)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...type.examples).chain((example) => drifted(type, example)),
        async (body) => {
          type.check(await type.call(answering(body)))
        },
      ),
      { numRuns: 1_000 },
    )
  })
})

describe('the drift probes', () => {
  it('a status with a string length, an object error and a string background still reads, naming what it dropped', async () => {
    const { logger, lines } = capturingLogger()
    const body = { id: JOB, status: 'failed', length_seconds: '30.5', error: { code: 'x' }, background: 'transparent' }
    const status = await answering(body, logger).status(JOB)
    expect(status).toMatchObject({ id: JOB, status: 'failed', length_seconds: 30.5 })
    expect(status).not.toHaveProperty('error')
    expect(status).not.toHaveProperty('background')
    const warnings = lines.filter((line) => line.level === 'warn').map((line) => line.text)
    expect(warnings).toHaveLength(2)
    expect(warnings.join('\n')).toMatch(/ignored the field error \(expected a string, got object\).*jobId: '3f2b1c9e/s)
    expect(warnings.join('\n')).toMatch(/ignored the field background/)
  })

  it('credits in numeric strings are numbers', async () => {
    const credits = await answering({ total_credits: '1000', remaining_credits: '850', used_credits: '150' }).credits()
    expect(credits).toMatchObject({ totalCredits: 1000, remainingCredits: 850, usedCredits: 150 })
  })

  it('a required field that is unusable is still an invalid_response naming it', async () => {
    await expect(answering({ total_credits: 'lots', remaining_credits: 1, used_credits: 0 }).credits()).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringContaining('total_credits'),
    })
  })

  it('webhook deliveries without a count, or with a delivery whose payload is text, still read', async () => {
    const deliveries = await answering({
      video_id: JOB,
      deliveries: [
        { event_type: 'job.started', payload: '{"job_id":"x"}' },
        { event_type: 'job.completed', payload: { job_id: JOB } },
        'not a delivery',
      ],
    }).webhookDeliveries(JOB)
    expect(deliveries.total_deliveries).toBe(2)
    expect(deliveries.deliveries.map((delivery) => [delivery.event_type, delivery.payload])).toEqual([
      ['job.started', undefined],
      ['job.completed', { job_id: JOB }],
    ])
  })

  it('a timestamp without a zone reads as UTC', async () => {
    const job = await answering({ id: JOB, upload_url: url, expires_at: '2026-01-01T10:00:00.000' }).createJobFile({
      filename: 'clip.mp4',
      content_type: 'video/mp4',
    })
    expect(job.expires_at).toBe('2026-01-01T10:00:00.000Z')
  })
})
