import { describe, expect, it } from 'vitest'
import { ConnectionError, JobStoreError, RateLimitError } from '../../src/errors'
import { memoryJobStore, type RunBatchOptions } from '../../src/node/batch/index'
import { VideoBGRemoverClient } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer } from '../../src/testing/node'
import { MAX_FAILED_POLLS } from '../../src/core/lifecycle'
import { caseFolders, collectBatch, makeInputs, SCALED, startsByJob } from '../kit/batch'

const fresh = caseFolders('vbr-batch-bounds-')

async function setup() {
  const server = await startFakeServer({ resultSize: 1024, processingMs: 50 })
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit: SCALED, maxRetries: 0 })
  const [input] = await makeInputs(fresh(), 1)
  const store = memoryJobStore()
  const outDir = fresh()
  const run = async (options: Partial<RunBatchOptions> = {}) =>
    (await collectBatch([input!], { client, outDir, store, preflight: false, ...options }))[0]!
  return { server, store, run, [Symbol.asyncDispose]: () => server.close() }
}

describe('runBatch: every wait is bounded, and a rerun picks the job up by id', () => {
  it('gives a job up after as many unreadable status polls in a row as wait() allows, and a rerun finishes that job', async () => {
    await using api = await setup()
    const first = await api.run({
      onEvent: (event) => event.stage === 'processing' && api.server.api.inject('status', { html: true }, MAX_FAILED_POLLS),
    })
    expect(first.state).toBe('failed')
    expect(first.error).toBeInstanceOf(ConnectionError)
    expect(first.error!.message).toContain('could not be read 5 times in a row')
    expect((await api.store.get(first.key))?.state, 'left for a rerun').toBe('started')
    const again = await api.run()
    expect([again.state, again.jobId]).toEqual(['done', first.jobId])
    expect([...startsByJob(api.server)], 'no second start').toEqual([[first.jobId, 1]])
  })

  it('gives up a started job whose status keeps reading `uploaded` (its start not taken)', async () => {
    await using api = await setup()
    const first = await api.run({
      onEvent: (event) =>
        event.stage === 'processing' &&
        api.server.api.inject('status', { status: 200, body: { id: event.jobId, status: 'uploaded' } }, MAX_FAILED_POLLS),
    })
    expect([first.state, (first.error as JobStoreError).code]).toEqual(['failed', 'job_unconfirmed'])
    expect(first.error!.message).toContain(first.jobId)
    expect((await api.store.get(first.key))?.state).toBe('started')
    expect([...startsByJob(api.server)]).toEqual([[first.jobId, 1]])
  })

  it('fails the input after as many 429s in a row on its start, starting nothing, and a rerun starts that job once', async () => {
    await using api = await setup()
    api.server.api.inject('startJob', { status: 429, headers: { 'Retry-After': '0' } }, MAX_FAILED_POLLS)
    const first = await api.run()
    expect(first.state).toBe('failed')
    expect(first.error).toBeInstanceOf(RateLimitError)
    expect(first.error!.message).toContain('refused with 429 5 times in a row')
    expect((await api.store.get(first.key))?.state).toBe('starting')
    expect(api.server.api.requests.filter((entry) => entry.endpoint === 'startJob')).toHaveLength(MAX_FAILED_POLLS)
    const again = await api.run()
    expect([again.state, again.jobId]).toEqual(['done', first.jobId])
    expect([...startsByJob(api.server)]).toEqual([[first.jobId, 1]])
  })
})
