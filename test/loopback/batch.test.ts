import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBatch, type BatchEvent, type BatchResult } from '../../src/node/batch/index'
import { VideoBGRemoverClient } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer } from '../../src/testing/node'
import { expectBatchComplete, makeInputs, RESULT_SIZE, SCALED } from '../kit/batch'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-batch-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const collect = async (results: AsyncIterable<BatchResult>) => {
  const all: BatchResult[] = []
  for await (const result of results) all.push(result)
  return all
}

describe('runBatch against the fake at a scaled limit (3 starts a second)', () => {
  it('finishes 30 inputs, each started once, every output byte-exact, and the fake never refused a request', async () => {
    await using server = await startFakeServer({ rateLimit: SCALED, resultSize: RESULT_SIZE, processingMs: 200 })
    const inputs = await makeInputs(join(dir, 'thirty'), 30)
    const outDir = join(dir, 'thirty-out')
    const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit: SCALED })
    const events: BatchEvent[] = []
    const results = await collect(runBatch(inputs, { client, outDir, onEvent: (event) => events.push(event) }))
    expect(results.map((result) => result.state)).toEqual(Array(30).fill('done'))
    expect(new Set(results.map((result) => result.input))).toEqual(new Set(inputs))
    await expectBatchComplete(server, inputs, outDir)
    expect(server.api.requests.filter((entry) => entry.status === 429)).toEqual([])
    const stages = new Set(events.map((event) => event.stage))
    for (const stage of ['hashing', 'creating', 'uploading', 'waiting', 'starting', 'processing', 'downloading', 'done'] as const) {
      expect(stages, stage).toContain(stage)
    }
  }, 120_000)
})
