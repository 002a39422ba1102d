import { http, HttpResponse, type JsonBodyType } from 'msw'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import pkg from '../../package.json'
import { ValidationError, VERSION, VideoBGRemoverClient, type RequestOptions } from '../../src/index'
import { BASE, JOB, KEY, KEY_ENV as ENV, useMswServer } from '../kit'

const USER_AGENT = `videobgremover-js/${VERSION} (node/${process.versions.node})`

interface Seen {
  method: string
  url: URL
  headers: Headers
  body: string
}

const server = useMswServer()
beforeEach(() => vi.stubEnv(ENV, undefined))
afterEach(() => {
  vi.unstubAllEnvs()
  vi.unstubAllGlobals()
})

/** Answers every request with `body` and records what was sent. */
function reply(body: JsonBodyType): Seen[] {
  const seen: Seen[] = []
  server.use(
    http.all('*', async ({ request }) => {
      seen.push({ method: request.method, url: new URL(request.url), headers: request.headers, body: await request.text() })
      return HttpResponse.json(body)
    }),
  )
  return seen
}

const client = (options: ConstructorParameters<typeof VideoBGRemoverClient>[1] = {}) =>
  new VideoBGRemoverClient(KEY, { baseUrl: BASE, rateLimit: false, ...options })

const START_OPTIONS = {
  background: { type: 'transparent', transparent_format: 'webm_vp9' },
  model: 'videobgremover-light',
  webhook_url: 'https://hooks.test/vbr?token=t',
} as const

const endpoints: Array<{
  name: string
  call: (c: VideoBGRemoverClient, options?: RequestOptions) => Promise<unknown>
  method: string
  path: string
  query?: Record<string, string>
  body?: unknown
  reply: Record<string, unknown>
  /** When it differs from `reply`. */
  result?: Record<string, unknown>
}> = [
  {
    name: 'credits',
    call: (c, o) => c.credits(o),
    method: 'GET',
    path: '/v1/credits',
    reply: { user_id: 'user-1', total_credits: 100, remaining_credits: 42.5, used_credits: 57.5, plan: 'pro' },
    result: { userId: 'user-1', totalCredits: 100, remainingCredits: 42.5, usedCredits: 57.5, plan: 'pro' },
  },
  {
    name: 'createJobFile',
    call: (c, o) => c.createJobFile({ filename: 'clip.mov', content_type: 'video/mov' }, o),
    method: 'POST',
    path: '/v1/jobs',
    body: { filename: 'clip.mov', content_type: 'video/mov' },
    reply: {
      id: JOB,
      status: 'created',
      filename: 'clip.mov',
      content_type: 'video/mov',
      upload_url: 'https://storage.test/in/clip.mov?X-Goog-Signature=abc',
      expires_at: '2025-01-01T01:00:00Z',
      created_at: '2025-01-01T00:00:00Z',
      instructions: { method: 'PUT', headers: { 'Content-Type': 'video/mov' }, note: 'PUT the raw bytes' },
      region: 'eu',
    },
  },
  {
    name: 'createJobUrl',
    call: (c, o) => c.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' }, o),
    method: 'POST',
    path: '/v1/jobs',
    body: { video_url: 'https://cdn.test/clip.mp4' },
    reply: { id: JOB, status: 'uploaded', message: 'Video downloaded successfully', size_bytes: 1234 },
  },
  {
    name: 'startJob',
    call: (c, o) => c.startJob(JOB, START_OPTIONS, o),
    method: 'POST',
    path: `/v1/jobs/${JOB}/start`,
    body: START_OPTIONS,
    reply: { id: JOB, status: 'processing', export_id: 'exp_red_bg_123', creditsUsed: 12, video_length_seconds: 11.5, queue: 3 },
  },
  {
    name: 'status',
    call: (c, o) => c.status(JOB, o),
    method: 'GET',
    path: `/v1/jobs/${JOB}/status`,
    reply: {
      id: JOB,
      status: 'completed',
      filename: 'clip.mov',
      created_at: '2025-01-01T00:00:00Z',
      length_seconds: 11.5,
      processed_video_url: 'https://storage.test/out/clip.webm?X-Goog-Expires=3600',
      processed_mask_url: null,
      output_format: 'webm',
      worker: 'gpu-7',
    },
  },
  {
    name: 'deleteJob',
    call: (c, o) => c.deleteJob(JOB, o),
    method: 'DELETE',
    path: `/v1/jobs/${JOB}`,
    reply: { id: JOB, message: 'Job deleted', deleted_at: '2025-01-02T00:00:00Z' },
  },
  {
    name: 'webhookDeliveries',
    call: (c, o) => c.webhookDeliveries(JOB, o),
    method: 'GET',
    path: '/v1/webhooks/deliveries',
    query: { video_id: JOB },
    reply: {
      video_id: JOB,
      total_deliveries: 1,
      deliveries: [
        {
          event_type: 'job.completed',
          webhook_url: 'https://hooks.test/vbr',
          attempt_number: 1,
          delivery_status: 'delivered',
          http_status_code: 200,
          error_message: null,
          scheduled_at: '2025-01-01T00:01:00Z',
          payload: { job_id: JOB, status: 'completed', source: 'api' },
          created_at: '2025-01-01T00:01:00Z',
          latency_ms: 80,
        },
      ],
    },
  },
]

/** `value` with every null field removed, as the SDK reads a null: absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, item]) => item !== null)
      .map(([key, item]) => [key, withoutNulls(item)]),
  )
}

describe.each(endpoints)('$name', (endpoint) => {
  it(`sends ${endpoint.method} ${endpoint.path} with the key, the User-Agent and ${endpoint.body ? 'a JSON body' : 'no body'}`, async () => {
    const seen = reply(endpoint.reply)
    await endpoint.call(client())
    expect(seen).toHaveLength(1)
    const [request] = seen as [Seen]
    expect(request.method).toBe(endpoint.method)
    expect(`${request.url.origin}${request.url.pathname}`).toBe(`${BASE}${endpoint.path}`)
    expect(Object.fromEntries(request.url.searchParams)).toEqual(endpoint.query ?? {})
    expect(request.headers.get('x-api-key')).toBe(KEY)
    expect(request.headers.get('user-agent')).toBe(USER_AGENT)
    if (endpoint.body === undefined) {
      expect(request.headers.get('content-type')).toBeNull()
      expect(request.body).toBe('')
    } else {
      expect(request.headers.get('content-type')).toBe('application/json')
      expect(JSON.parse(request.body)).toEqual(endpoint.body)
    }
  })

  it('returns the parsed body with unknown fields kept and a null field read as absent', async () => {
    reply(endpoint.reply)
    await expect(endpoint.call(client())).resolves.toEqual(endpoint.result ?? withoutNulls(endpoint.reply))
  })

  it("adds the client's headers, then the call's headers over them", async () => {
    const seen = reply(endpoint.reply)
    const c = client({ headers: { 'X-Client': 'client', 'X-Shared': 'from-client' } })
    await endpoint.call(c, { headers: { 'X-Call': 'call', 'x-shared': 'from-call' } })
    const headers = seen[0]!.headers
    expect([headers.get('x-client'), headers.get('x-call'), headers.get('x-shared')]).toEqual(['client', 'call', 'from-call'])
    expect(headers.get('x-api-key')).toBe(KEY)
  })
})

describe('baseUrl', () => {
  it.each([
    ['https://api.test', 'https://api.test/v1'],
    ['https://api.test/', 'https://api.test/v1'],
    ['https://api.test/v1', 'https://api.test/v1'],
    ['https://api.test/v1/', 'https://api.test/v1'],
    ['https://api.test/api', 'https://api.test/api/v1'],
    ['https://api.test/api/', 'https://api.test/api/v1'],
    ['https://api.test/api/v1', 'https://api.test/api/v1'],
    ['http://localhost:3000/api', 'http://localhost:3000/api/v1'],
  ])('%s puts the API under %s', async (baseUrl, root) => {
    const seen = reply({ id: JOB, status: 'processing' })
    const c = new VideoBGRemoverClient(KEY, { baseUrl })
    await c.status(JOB)
    await c.deleteJob(JOB)
    expect(seen.map((s) => s.url.href)).toEqual([`${root}/jobs/${JOB}/status`, `${root}/jobs/${JOB}`])
  })

  it('is read from VIDEOBGREMOVER_BASE_URL when not passed, as vbr fake prints it', async () => {
    vi.stubEnv('VIDEOBGREMOVER_BASE_URL', 'https://api.test/api')
    const seen = reply({ id: JOB, status: 'processing' })
    await new VideoBGRemoverClient(KEY).status(JOB)
    expect(seen.map((s) => s.url.href)).toEqual([`https://api.test/api/v1/jobs/${JOB}/status`])
  })

  it.each(['ftp://api.test', 'not a url', 'http://api.test', 'https://api.test?x=1', 'https://user:pw@api.test'])(
    'refuses %s',
    (baseUrl) => {
      expect(() => new VideoBGRemoverClient(KEY, { baseUrl })).toThrow(expect.objectContaining({ field: 'baseUrl' }))
    },
  )
})

describe('parsed results', () => {
  it.each([
    [
      { total_credits: 10, remaining_credits: 10.0, used_credits: 0 },
      { totalCredits: 10, remainingCredits: 10, usedCredits: 0 },
    ],
    [
      { user_id: null, total_credits: 1.5, remaining_credits: 0.5, used_credits: 1 },
      { totalCredits: 1.5, remainingCredits: 0.5, usedCredits: 1 },
    ],
  ])('credits are camelCase, without userId when the API gives none: %j', async (wire, expected) => {
    reply(wire)
    await expect(client().credits()).resolves.toStrictEqual(expected)
  })

  it.each([
    [{ creditsUsed: 12 }, 12],
    [{ credits_used: 7 }, 7],
    [{ creditsUsed: null }, undefined],
    [{}, undefined],
  ])('startJob reads %j as creditsUsed %s', async (wire, creditsUsed) => {
    reply({ id: JOB, status: 'processing', ...wire })
    const started = await client().startJob(JOB)
    expect(started.creditsUsed).toBe(creditsUsed)
  })

  it('status accepts null and absent optional fields (null reads as absent) and an unknown status value', async () => {
    reply({ id: JOB, status: 'queued', filename: null, length_seconds: null, message: null, background: null })
    const job = await client().status(JOB)
    expect(job).toEqual({ id: JOB, status: 'queued' })
    expect(job.processed_video_url).toBeUndefined()
  })

  it.each([
    ['00b140', '#00b140'],
    ['#00B140', '#00B140'],
    ['#00b14080', '#00b14080'],
  ])('startJob takes the colour %s in the one colour grammar and sends %s', async (color, sent) => {
    const seen = reply({ id: JOB, status: 'processing' })
    await client().startJob(JOB, { background: { type: 'color', color } })
    expect(JSON.parse(seen[0]!.body)).toEqual({ background: { type: 'color', color: sent } })
  })

  it.each([
    [{}, {}],
    [{ model: undefined, webhook_url: undefined, background: undefined }, {}],
    [
      { background: { type: 'color', color: '#FF0000' }, format: 'mp4' },
      { background: { type: 'color', color: '#FF0000' }, format: 'mp4' },
    ],
  ] as const)('startJob with %j sends the JSON body %j', async (options, body) => {
    const seen = reply({ id: JOB, status: 'processing' })
    await client().startJob(JOB, options)
    expect(seen[0]!.headers.get('content-type')).toBe('application/json')
    expect(JSON.parse(seen[0]!.body)).toEqual(body)
  })
})

describe('the API key', () => {
  it(`is read from ${ENV} when not passed`, async () => {
    vi.stubEnv(ENV, KEY)
    const seen = reply({ total_credits: 1, remaining_credits: 1, used_credits: 0 })
    await new VideoBGRemoverClient(undefined, { baseUrl: BASE }).credits()
    expect(seen[0]!.headers.get('x-api-key')).toBe(KEY)
  })

  it(`passed explicitly wins over ${ENV}`, async () => {
    vi.stubEnv(ENV, 'vbr_ffffffffffffffffffffffffffffffff')
    const seen = reply({ total_credits: 1, remaining_credits: 1, used_credits: 0 })
    await client().credits()
    expect(seen[0]!.headers.get('x-api-key')).toBe(KEY)
  })

  it.each([
    ['unset', undefined],
    ['empty', ''],
    ['whitespace', '   '],
  ])(`missing, with ${ENV} %s, is a ValidationError naming the variable`, (_, env) => {
    vi.stubEnv(ENV, env)
    const error = captureThrow(() => new VideoBGRemoverClient())
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({ field: 'apiKey', message: expect.stringContaining(ENV) })
  })

  it.each([
    ['an empty string', ''],
    ['whitespace', ' \t '],
    ['a number', 42],
    ['an object', { apiKey: KEY }],
  ])('given as %s is a ValidationError on apiKey', (_, apiKey) => {
    vi.stubEnv(ENV, KEY)
    const error = captureThrow(() => new VideoBGRemoverClient(apiKey as string))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({ field: 'apiKey' })
  })
})

describe('job ids', () => {
  it('are placed in the path and the video_id query as given when they are plain ids', async () => {
    const id = 'job_1.2~x-Y'
    const seen = reply({ id, status: 'processing', video_id: id, total_deliveries: 0, deliveries: [] })
    await client().status(id)
    await client().webhookDeliveries(id)
    expect(seen.map((s) => s.url.pathname)).toEqual([`/v1/jobs/${id}/status`, '/v1/webhooks/deliveries'])
    expect(seen[1]!.url.searchParams.get('video_id')).toBe(id)
  })

  const badIds = ['', ' ', '.', '..', '../credits', 'a/b', 'a\\b', 'a?b=c', 'a#b', 'a%2Fb', 'a b', 'é', 'x'.repeat(201), 42, null]
  const calls: Array<[string, (c: VideoBGRemoverClient, id: string) => Promise<unknown>]> = [
    ['status', (c, id) => c.status(id)],
    ['startJob', (c, id) => c.startJob(id)],
    ['deleteJob', (c, id) => c.deleteJob(id)],
    ['webhookDeliveries', (c, id) => c.webhookDeliveries(id)],
    ['wait', (c, id) => c.wait(id, { pollSeconds: 0.01 })],
  ]

  it.each(calls)('%s refuses ids that could address another endpoint, sending nothing', async (_, call) => {
    const seen = reply({})
    for (const id of badIds) {
      await expect(
        settle(() => call(client(), id as string)),
        `id ${JSON.stringify(id)}`,
      ).rejects.toMatchObject({
        name: 'ValidationError',
        field: 'jobId',
      })
    }
    expect(seen).toHaveLength(0)
  })
})

describe('User-Agent', () => {
  it('names the SDK version from package.json', () => {
    expect(VERSION).toBe(pkg.version)
  })
})

describe('in a browser', () => {
  beforeEach(() => vi.stubGlobal('window', { document: {} }))

  it('refuses a client holding an API key', () => {
    const error = captureThrow(() => client())
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({ field: 'dangerouslyAllowBrowser' })
  })

  it('allows a key with dangerouslyAllowBrowser, sending the key but no User-Agent', async () => {
    const seen = reply({ total_credits: 1, remaining_credits: 1, used_credits: 0 })
    await client({ dangerouslyAllowBrowser: true }).credits()
    expect(seen[0]!.headers.get('x-api-key')).toBe(KEY)
    expect(seen[0]!.headers.get('user-agent')).toBeNull()
  })

  it(`allows a keyless client pointed at a backend, ignoring ${ENV}, with no X-Api-Key and no User-Agent`, async () => {
    vi.stubEnv(ENV, KEY)
    const seen = reply({ id: JOB, status: 'processing' })
    await new VideoBGRemoverClient(undefined, { baseUrl: 'https://backend.test/vbr' }).status(JOB)
    expect(seen[0]!.url.href).toBe(`https://backend.test/vbr/v1/jobs/${JOB}/status`)
    expect(seen[0]!.headers.get('x-api-key')).toBeNull()
    expect(seen[0]!.headers.get('user-agent')).toBeNull()
  })

  it('refuses a keyless client without a baseUrl', () => {
    expect(() => new VideoBGRemoverClient()).toThrow(ValidationError)
  })
})

function captureThrow(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

/** The call's outcome as a promise, whether it rejects or (for bad input) throws before returning one. */
async function settle<T>(call: () => Promise<T>): Promise<T> {
  return call()
}
