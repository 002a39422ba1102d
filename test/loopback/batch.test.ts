import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBatch, type BatchEvent, type BatchResult } from '../../src/node/batch/index'
import { VideoBGRemoverClient } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeServer } from '../../src/testing/node'
import { expectBatchComplete, makeInputs, RESULT_SIZE, SCALED } from '../kit/batch'

/** One batch of 30 inputs at the scaled limit, run once; each test reads what it left behind. */
let dir: string
let server: FakeServer
let inputs: string[]
let outDir: string
const events: BatchEvent[] = []
const results: BatchResult[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-batch-'))
  server = await startFakeServer({ rateLimit: SCALED, resultSize: RESULT_SIZE, processingMs: 200 })
  inputs = await makeInputs(join(dir, 'in'), 30)
  outDir = join(dir, 'out')
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit: SCALED })
  for await (const result of runBatch(inputs, { client, outDir, onEvent: (event) => events.push(event) })) results.push(result)
}, 120_000)
afterAll(async () => {
  await server?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('runBatch: 30 inputs against the fake at a scaled limit (3 starts a second)', () => {
  it('yields one done result per input, each started once, every output byte-exact', async () => {
    expect(results.map((result) => result.state)).toEqual(Array(30).fill('done'))
    expect(new Set(results.map((result) => result.input))).toEqual(new Set(inputs))
    await expectBatchComplete(server, inputs, outDir)
  })

  it('keeps to the limit: the fake never refused a request', () => {
    expect(server.api.requests.filter((entry) => entry.status === 429)).toEqual([])
  })

  it('runs the uploads ahead of the starts: every start but the last found the next job uploaded and waiting', () => {
    const order = server.api.requests.filter(
      (entry) => (entry.endpoint === 'upload' && entry.status === 200) || entry.endpoint === 'startJob',
    )
    let starts = 0
    let uploads = 0
    for (const entry of order) {
      if (entry.endpoint === 'upload') uploads++
      else if (++starts < 30) expect(uploads, `uploads before start ${starts}`).toBeGreaterThan(starts)
    }
  })

  it('tells onEvent every stage of the pipeline', () => {
    const stages = new Set(events.map((event) => event.stage))
    for (const stage of ['hashing', 'creating', 'uploading', 'waiting', 'starting', 'processing', 'downloading', 'done'] as const) {
      expect(stages, stage).toContain(stage)
    }
  })
})
