import { describe, expect, it } from 'vitest'
import { JobStoreError } from '../../src/errors'
import { memoryJobStore, planBatch, type JobRecord } from '../../src/node/batch/index'
import { VideoBGRemoverClient } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer } from '../../src/testing/node'
import { hookedFake } from '../kit/batch-child'
import { caseFolders, collectBatch, makeInputs, SCALED, startsByJob } from '../kit/batch'

const fresh = caseFolders('vbr-batch-starting-')

/**
 * One input whose journal (a memory store) says `state` about a job the fake holds at `status`, as a crash would leave
 * it: the job created, uploaded unless `created`, and started when `processing`.
 */
async function journaledAt(state: JobRecord['state'], status: 'created' | 'uploaded' | 'processing', keepTarget = true) {
  const server = await startFakeServer({ resultSize: 1024, processingMs: 50 })
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit: SCALED })
  const [input] = await makeInputs(fresh(), 1)
  const outDir = fresh()
  const store = memoryJobStore()
  const { key, output } = (await planBatch([input!], { client, outDir, store, preflight: false })).items[0]!
  const job = await client.createJobFile({ filename: 'clip-01.mp4', content_type: 'video/mp4' })
  if (status !== 'created') await client.upload(job, input!)
  if (status === 'processing') await client.startJob(job.id)
  await store.put({ key, input: input!, state, jobId: job.id, output, ...(keepTarget ? { upload: job } : {}), updatedAt: 1 })
  const before = server.api.requests.length
  const run = () => collectBatch([input!], { client, outDir, store, preflight: false })
  const sentSince = () => server.api.requests.slice(before).map((entry) => entry.endpoint)
  return { server, store, key, jobId: job.id, run, sentSince, [Symbol.asyncDispose]: () => server.close() }
}

describe('runBatch: the start, journaled as `starting` before it is sent', () => {
  it('journals `starting` with the job id before the start reaches the API, and `started` after', async () => {
    const fake = await hookedFake({ resultSize: 1024, processingMs: 50 })
    try {
      const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: fake.url, rateLimit: SCALED })
      const [input] = await makeInputs(fresh(), 1)
      const store = memoryJobStore()
      const seen: (JobRecord | undefined)[] = []
      fake.setHook(async (endpoint, phase) => {
        if (endpoint === 'startJob' && phase === 'before') seen.push(...(await store.list()))
      })
      const [result] = await collectBatch([input!], { client, outDir: fresh(), store, preflight: false })
      expect(result!.state).toBe('done')
      expect(seen.map((record) => [record?.state, record?.jobId])).toEqual([['starting', result!.jobId]])
    } finally {
      await fake.close()
    }
  })

  it('a rerun of an input journaled `starting` whose start took effect waits for that job: no create, no second start', async () => {
    await using journal = await journaledAt('starting', 'processing')
    const [result] = await journal.run()
    expect([result!.state, result!.jobId]).toEqual(['done', journal.jobId])
    expect(journal.sentSince()).not.toContain('createJob')
    expect(journal.sentSince()).not.toContain('startJob')
  })

  it('a rerun of an input journaled `starting` whose start never arrived starts that same job, once', async () => {
    await using journal = await journaledAt('starting', 'uploaded')
    const [result] = await journal.run()
    expect([result!.state, result!.jobId]).toEqual(['done', journal.jobId])
    expect(journal.sentSince()).not.toContain('createJob')
    expect([...startsByJob(journal.server)]).toEqual([[journal.jobId, 1]])
  })

  it('an input journaled `starting` whose job still reads `created` fails, naming the job, with no second job', async () => {
    await using journal = await journaledAt('starting', 'created')
    const [result] = await journal.run()
    expect(result!.state).toBe('failed')
    expect(result!.error).toBeInstanceOf(JobStoreError)
    expect((result!.error as JobStoreError).code).toBe('job_unconfirmed')
    expect(result!.error!.message).toContain(journal.jobId)
    expect(journal.sentSince().filter((endpoint) => endpoint !== 'status')).toEqual([])
  })

  it('an input journaled `uploaded` whose job reads `created` is uploaded again to that job, never replaced', async () => {
    await using journal = await journaledAt('uploaded', 'created')
    const [result] = await journal.run()
    expect([result!.state, result!.jobId]).toEqual(['done', journal.jobId])
    expect(journal.sentSince()).not.toContain('createJob')
  })

  it('an input journaled `uploaded` whose job reads `created`, with no upload URL left, fails rather than create a second job', async () => {
    await using journal = await journaledAt('uploaded', 'created', false)
    const [result] = await journal.run()
    expect([result!.state, (result!.error as JobStoreError).code]).toEqual(['failed', 'job_unconfirmed'])
    expect(journal.sentSince().filter((endpoint) => endpoint !== 'status')).toEqual([])
  })

  it('a 408 on the start is ambiguous: the record stays `starting`, and a rerun starts the same job once', async () => {
    await using server = await startFakeServer({ resultSize: 1024, processingMs: 50 })
    const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit: SCALED })
    const [input] = await makeInputs(fresh(), 1)
    const options = { client, outDir: fresh(), store: memoryJobStore(), preflight: false }
    server.api.inject('startJob', { status: 408 })
    const [first] = await collectBatch([input!], options)
    expect(first!.state).toBe('failed')
    expect((await options.store.get(first!.key))?.state).toBe('starting')
    const [again] = await collectBatch([input!], options)
    expect([again!.state, again!.jobId]).toEqual(['done', first!.jobId])
    expect(server.api.requests.filter((entry) => entry.endpoint === 'createJob')).toHaveLength(1)
    expect([...startsByJob(server)]).toEqual([[first!.jobId, 1]])
  })
})
