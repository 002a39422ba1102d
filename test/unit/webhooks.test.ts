import { readFile, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { JobNotFoundError, ValidationError, Video, VideoBGRemoverClient } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeServer } from '../../src/testing/node'
import { MAX_WEBHOOK_BYTES, parseWebhook, verifyWebhook } from '../../src/webhooks'

const JOB_ID = '3f2b1c9e-8a7d-4e6f-9b1a-2c3d4e5f6a7b'
const DELIVERY = {
  job_id: JOB_ID,
  user_id: 'user-1',
  status: 'completed',
  file_name: 'clip.mp4',
  source: 'api',
  processed_video_url: 'https://storage.test/video.webm',
  future_field: { nested: [1, 2] },
}

describe('parseWebhook', () => {
  it.each([
    ['a string', JSON.stringify(DELIVERY)],
    ['a Uint8Array', new TextEncoder().encode(JSON.stringify(DELIVERY))],
    ['a Buffer', Buffer.from(JSON.stringify(DELIVERY))],
    ['a parsed object', DELIVERY],
  ])('reads %s, keeping unknown fields', (_, body) => {
    expect(parseWebhook(body)).toEqual({ ...DELIVERY, type: 'job.completed' })
  })

  it.each([
    ['event wins over status', { job_id: JOB_ID, event: 'job.started', status: 'processing' }, 'job.started'],
    ['from event alone', { job_id: JOB_ID, event: 'job.failed' }, 'job.failed'],
    ['derived from status started', { job_id: JOB_ID, status: 'started' }, 'job.started'],
    ['derived from status failed', { job_id: JOB_ID, status: 'failed', error_message: 'No person found' }, 'job.failed'],
    ['an event the SDK does not know yet', { job_id: JOB_ID, event: 'job.exported' }, 'job.exported'],
  ])('type: %s', (_, body, type) => {
    expect(parseWebhook(body)).toEqual({ ...body, type })
  })

  it.each([
    ['a number', 42],
    ['null', null],
    ['an array', [DELIVERY]],
    ['a JSON array', JSON.stringify([DELIVERY])],
    ['a JSON string', '"job.completed"'],
    ['text that is not JSON', 'job_id=abc'],
    ['an empty body', ''],
    ['a body over the size limit', JSON.stringify({ ...DELIVERY, padding: 'x'.repeat(MAX_WEBHOOK_BYTES) })],
    ['bytes over the size limit', new Uint8Array(MAX_WEBHOOK_BYTES + 1)],
  ])('refuses %s', (_, body) => {
    expect(() => parseWebhook(body)).toThrow(ValidationError)
  })

  it.each([
    ['job_id', { job_id: JOB_ID, event: 'job.completed' }],
    ['id', { id: JOB_ID, event: 'job.completed' }],
    ['video_id', { video_id: JOB_ID, status: 'completed' }],
  ])('reads the job id from %s', (_, body) => {
    expect(parseWebhook(body).job_id).toBe(JOB_ID)
  })

  it.each([
    ['no id at all', { event: 'job.completed' }],
    ['a numeric job_id', { job_id: 42, status: 'completed' }],
    ['an empty job_id', { job_id: '', status: 'completed' }],
  ])('still parses a body with %s, as naming no job, so a receiver can log it', (_, body) => {
    const event = parseWebhook(body)
    expect(event.job_id).toBeUndefined()
    expect(event.type).toBe('job.completed')
  })

  it('takes a smaller size limit', () => {
    const body = JSON.stringify(DELIVERY)
    expect(() => parseWebhook(body, { maxBytes: body.length - 1 })).toThrow(/limit/)
    expect(parseWebhook(body, { maxBytes: body.length }).job_id).toBe(JOB_ID)
  })
})

describe('verifyWebhook', () => {
  const clientFor = (server: FakeServer) => new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })

  /** Starts a URL job with a webhook and returns the deliveries the fake made, as the receiver got them. */
  async function startJob(server: FakeServer, wait: boolean) {
    const client = clientFor(server)
    const { id } = await client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })
    await client.startJob(id, { webhook_url: 'https://hooks.test/vbr' })
    if (wait) await client.wait(id, { pollSeconds: 0.01 })
    const bodies = server.api.job(id)!.deliveries.map((delivery) => JSON.stringify(delivery.payload))
    return { client, id, bodies }
  }

  it('confirms a job.completed delivery of a job that did complete', async () => {
    await using server = await startFakeServer()
    const { client, id, bodies } = await startJob(server, true)
    const completed = bodies.map((body) => parseWebhook(body)).find((event) => event.type === 'job.completed')!

    const verified = await verifyWebhook(completed, client)
    expect(verified).toMatchObject({ confirmed: true, job: { id, status: 'completed' } })
    expect(verified.event).toEqual({ type: 'job.completed', job_id: id })
  })

  it.each([
    ['job.completed', false],
    ['job.failed', false],
    ['job.started', true],
    ['job.exported', false],
  ])('for a job still processing, %s is confirmed: %s', async (type, confirmed) => {
    await using server = await startFakeServer({ processingMs: 60_000 })
    const { client, id } = await startJob(server, false)

    const verified = await verifyWebhook(parseWebhook({ job_id: id, event: type, status: 'completed' }), client)
    expect(verified).toMatchObject({ confirmed, job: { id, status: 'processing' } })
  })

  it('a delivery naming no job is not confirmed, and nothing is read', async () => {
    await using server = await startFakeServer()
    const verified = await verifyWebhook(parseWebhook({ event: 'job.completed' }), clientFor(server))
    expect(verified).toEqual({ event: { type: 'job.completed' }, confirmed: false })
    expect(server.api.requests).toEqual([])
  })

  it('a delivery naming an unknown job is refused by the API', async () => {
    await using server = await startFakeServer()
    await expect(verifyWebhook(parseWebhook({ job_id: JOB_ID, event: 'job.completed' }), clientFor(server))).rejects.toBeInstanceOf(
      JobNotFoundError,
    )
  })

  it('a job_id that would address another endpoint is refused with nothing sent', async () => {
    await using server = await startFakeServer()
    const forged = parseWebhook({ job_id: '../../credits', event: 'job.completed' })
    await expect(verifyWebhook(forged, clientFor(server))).rejects.toBeInstanceOf(ValidationError)
    expect(server.api.requests).toEqual([])
  })

  it('works with the result of a whole removeBackground run', async () => {
    await using server = await startFakeServer()
    const client = clientFor(server)
    const foreground = await Video.open('https://cdn.test/clip.mp4').removeBackground({
      client,
      pollSeconds: 0.01,
      webhookUrl: 'https://hooks.test/vbr',
    })
    const types = server.api.job(foreground.jobId)!.deliveries.map((delivery) => parseWebhook(delivery.payload).type)
    expect(types).toEqual(['job.started', 'job.completed'])
  })
})

describe('the webhooks entry point', () => {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')

  /** The source files `file` loads at run time (type-only imports are erased), followed transitively. */
  async function runtimeImports(file: string, seen = new Set<string>()): Promise<Set<string>> {
    const text = await readFile(file, 'utf8')
    for (const [, specifier] of text.matchAll(/^import (?!type )[^'"]*from '(\.[^']+)'/gm)) {
      const base = join(dirname(file), specifier!)
      const target = (await stat(`${base}.ts`).catch(() => undefined)) ? `${base}.ts` : join(base, 'index.ts')
      if (seen.has(target)) continue
      seen.add(target)
      await runtimeImports(target, seen)
    }
    return seen
  }

  it('does not load the client', async () => {
    const imports = await runtimeImports(join(src, 'webhooks.ts'))
    expect(imports.size).toBeGreaterThan(0)
    expect([...imports].map((file) => file.slice(src.length + 1))).not.toContain('client.ts')
    expect(await readFile(join(src, 'webhooks.ts'), 'utf8')).not.toMatch(/from '\.\/client'/)
  })

  it('exports the webhook helpers on its own', async () => {
    const module = await import('../../src/webhooks')
    expect(Object.keys(module).sort()).toEqual(['MAX_WEBHOOK_BYTES', 'parseWebhook', 'verifyWebhook'])
  })
})
