import { readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { InsufficientCreditsError } from '../../src/node/index'
import { memoryJobStore, planBatch, runBatch, type RunBatchOptions } from '../../src/node/batch/index'
import { VideoBGRemoverClient } from '../../src/node/index'
import { FAKE_API_KEY, fakeResultBytes, startFakeServer, type FakeServerOptions } from '../../src/testing/node'
import { rejection } from '../kit/index'
import { caseFolders, collectBatch, makeInputs, makeVideos, SCALED } from '../kit/batch'

const fresh = caseFolders('vbr-batch-rerun-')

async function fake(options: FakeServerOptions = {}) {
  const server = await startFakeServer({ resultSize: 1024, processingMs: 50, ...options })
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit: SCALED })
  const run = (inputs: Parameters<typeof runBatch>[0], options: Partial<RunBatchOptions> = {}) =>
    collectBatch(inputs, { client, outDir: options.outDir ?? '', ...options })
  return { server, client, run, [Symbol.asyncDispose]: () => server.close() }
}

const sent = (server: { api: { requests: readonly { endpoint: string }[] } }) => server.api.requests.map((entry) => entry.endpoint)

describe('runBatch: the whole-batch preflight', () => {
  it('refuses a batch the balance cannot pay for, with the totals, having sent nothing but the credits read', async () => {
    await using api = await fake({ credits: 10 })
    const inputs = await makeVideos(fresh(), 3)
    const error = await rejection<InsufficientCreditsError>(api.run(inputs, { outDir: fresh() }))
    expect(error).toBeInstanceOf(InsufficientCreditsError)
    expect([error.requiredCredits, error.remainingCredits, error.code]).toEqual([12, 10, 'preflight_insufficient_credits'])
    expect(error.message).toContain('3 inputs still to start need 12 credits')
    expect(sent(api.server)).toEqual(['credits'])
  })

  it('refuses a batch over maxCredits before sending anything at all', async () => {
    await using api = await fake()
    const inputs = await makeVideos(fresh(), 3)
    const error = await rejection<InsufficientCreditsError>(api.run(inputs, { outDir: fresh(), maxCredits: 11 }))
    expect([error.requiredCredits, error.code]).toEqual([12, 'preflight_max_credits'])
    expect(sent(api.server)).toEqual([])
  })

  it("refuses a batch with maxCredits when an input's duration cannot be read, naming how many were not counted", async () => {
    await using api = await fake()
    const root = fresh()
    const inputs = [...(await makeVideos(join(root, 'videos'), 2)), ...(await makeInputs(join(root, 'unknown'), 1))]
    const error = await rejection<InsufficientCreditsError>(api.run(inputs, { outDir: fresh(), maxCredits: 1000 }))
    expect([error.requiredCredits, error.code]).toEqual([8, 'preflight_max_credits'])
    expect(error.message).toContain('2 inputs still to start need 8 credits')
    expect(error.message).toContain('cannot bound the 1 whose duration could not be read')
    expect(sent(api.server)).toEqual([])
  })

  it('planBatch tells each input, the estimated credits and the time the start limit implies, creating nothing', async () => {
    await using api = await fake()
    const inputs = await makeVideos(fresh(), 7)
    const plan = await planBatch(inputs, { client: api.client, outDir: fresh() })
    expect(plan.items.map((item) => item.action)).toEqual(Array(7).fill('start'))
    expect([plan.toStart, plan.estimatedCredits, plan.unknownDurations, plan.remainingCredits]).toEqual([7, 28, 0, 1000])
    expect(plan.startLimitMs, '3 at once, then 3 a window: two windows more').toBe(2 * SCALED.windowMs)
    expect(sent(api.server)).toEqual(['credits'])
  })
})

describe('runBatch: a rerun with the same journal', () => {
  it('skips the inputs done whose output is present, with no request about them', async () => {
    await using api = await fake()
    const inputs = await makeInputs(fresh(), 3)
    const outDir = fresh()
    await api.run(inputs, { outDir })
    const before = api.server.api.requests.length
    const again = await api.run(inputs, { outDir })
    expect(again.map((result) => result.state)).toEqual(['skipped', 'skipped', 'skipped'])
    expect(again.every((result) => result.output?.startsWith(outDir))).toBe(true)
    expect(api.server.api.requests.slice(before).map((entry) => entry.endpoint)).toEqual([])
  })

  it('downloads again, from the same job, an output deleted since, with no second create or start', async () => {
    await using api = await fake()
    const inputs = await makeInputs(fresh(), 2)
    const outDir = fresh()
    const [first] = await api.run(inputs, { outDir })
    await unlink(first!.output!)
    const before = api.server.api.requests.length
    const again = await api.run(inputs, { outDir })
    expect(again.map((result) => result.state).sort()).toEqual(['done', 'skipped'])
    expect(again.find((result) => result.state === 'done')?.jobId).toBe(first!.jobId)
    expect(new Set(api.server.api.requests.slice(before).map((entry) => entry.endpoint))).toEqual(new Set(['status', 'download']))
  })

  it('moves aside a file found at the output while the journal says `downloading` that is not the recorded size, and downloads again', async () => {
    await using api = await fake()
    const inputs = await makeInputs(fresh(), 1)
    const outDir = fresh()
    const store = memoryJobStore()
    const [first] = await api.run(inputs, { outDir, store })
    const record = (await store.get(first!.key))!
    expect(record.outputBytes).toBe(1024)
    await store.put({ ...record, state: 'downloading', worker: undefined })
    await writeFile(first!.output!, "not this job's result")
    const [again] = await api.run(inputs, { outDir, store })
    expect([again!.state, again!.jobId]).toEqual(['done', first!.jobId])
    expect(Buffer.compare(await readFile(first!.output!), fakeResultBytes(first!.jobId!, 'video.webm', 1024))).toBe(0)
    const found = (await readdir(outDir)).filter((name) => name.includes('.found-'))
    expect(found).toHaveLength(1)
    expect(await readFile(join(outDir, found[0]!), 'utf8'), 'moved aside, not lost').toBe("not this job's result")
  })

  it('takes a file found at the output while the journal says `downloading` as the result when it has the recorded size', async () => {
    await using api = await fake()
    const inputs = await makeInputs(fresh(), 1)
    const outDir = fresh()
    const store = memoryJobStore()
    const [first] = await api.run(inputs, { outDir, store })
    const record = (await store.get(first!.key))!
    await store.put({ ...record, state: 'downloading', outputBytes: (await stat(first!.output!)).size, worker: undefined })
    const before = api.server.api.requests.length
    const [again] = await api.run(inputs, { outDir, store })
    expect(again!.state).toBe('done')
    expect(api.server.api.requests.slice(before).map((entry) => entry.endpoint)).not.toContain('download')
  })

  it('reports a failed job again as failed, and retries it (a new job) only with retryFailed', async () => {
    await using api = await fake({ failJob: (job) => (job.filename === 'clip-02.mp4' ? 'Could not decode the video' : undefined) })
    const inputs = await makeInputs(fresh(), 3)
    const outDir = fresh()
    const first = await api.run(inputs, { outDir })
    const failed = first.find((result) => result.state === 'failed')!
    expect(failed.input).toBe(inputs[1])
    expect(failed.error?.message).toContain('Could not decode the video')
    const creates = () => api.server.api.requests.filter((entry) => entry.endpoint === 'createJob').length
    const before = creates()
    const again = await api.run(inputs, { outDir })
    expect(again.map((result) => result.state).sort()).toEqual(['failed', 'skipped', 'skipped'])
    expect(creates()).toBe(before)
    const retried = await api.run(inputs, { outDir, retryFailed: true })
    expect(retried.find((result) => result.input === inputs[1])?.state).toBe('failed')
    expect(creates()).toBe(before + 1)
  })

  it('processes an input twice over (same bytes, same options) once, and reports the twin as skipped with its output', async () => {
    await using api = await fake()
    const [path] = await makeInputs(fresh(), 1)
    const results = await api.run([path!, { source: path!, name: 'copy.mp4' }], { outDir: fresh() })
    expect(results.map((result) => result.state)).toEqual(['done', 'skipped'])
    expect(results[1]!.output).toBe(results[0]!.output)
    expect(api.server.api.requests.filter((entry) => entry.endpoint === 'startJob')).toHaveLength(1)
  })

  it('names colliding outputs -2, -3 in input order, from the inputs and never from the server', async () => {
    await using api = await fake()
    const root = fresh()
    const [a] = await makeInputs(join(root, 'a'), 1)
    const [, b] = await makeInputs(join(root, 'b'), 2)
    const outDir = fresh()
    const inputs = [a!, { source: b!, name: 'clip-01.mp4' }, { source: new Uint8Array([1, 2, 3]), name: '../../etc/x.mp4' }]
    const results = await api.run(inputs, { outDir })
    const outputOf = (input: unknown) => results.find((result) => result.input === input)?.output?.slice(outDir.length + 1)
    expect(inputs.map(outputOf), 'in input order').toEqual(['clip-01-nobg.webm', 'clip-01-nobg-2.webm', 'x-nobg.webm'])
    expect((await readdir(outDir)).filter((file) => !file.startsWith('.'))).toHaveLength(3)
  })
})

describe('runBatch: an abort', () => {
  it('throws AbortError, keeps the journal, and a rerun finishes with no second start', async () => {
    await using api = await fake()
    const inputs = await makeInputs(fresh(), 6)
    const outDir = fresh()
    const controller = new AbortController()
    const aborted = await rejection(
      api.run(inputs, {
        outDir,
        signal: controller.signal,
        onEvent: (event) => event.stage === 'processing' && controller.abort(),
      }),
    )
    expect((aborted as Error).name).toBe('AbortError')
    const results = await api.run(inputs, { outDir })
    expect(results.filter((result) => result.state === 'failed')).toEqual([])
    const starts = api.server.api.requests.filter((entry) => entry.endpoint === 'startJob' && entry.status === 200)
    expect(new Set(starts.map((entry) => entry.jobId)).size).toBe(starts.length)
    expect(starts).toHaveLength(6)
  })
})
