import { readdir, readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { memoryJobStore, type BatchResult, type JobStore } from '../../src/node/batch/index'
import { VideoBGRemoverClient } from '../../src/node/index'
import { FAKE_API_KEY, fakeResultBytes, startFakeServer } from '../../src/testing/node'
import { until } from '../kit/index'
import { caseFolders, collectBatch, makeInputs, SCALED, startsByJob } from '../kit/batch'

const fresh = caseFolders('vbr-batch-claims-')

describe('runBatch: a worker whose claim lapsed', () => {
  it('stops its work on the input and never starts a second job for it, while the worker that took it over finishes it', async () => {
    await using server = await startFakeServer({ resultSize: 1024, processingMs: 50 })
    const [input] = await makeInputs(fresh(), 1)
    const outDir = fresh()
    const store = memoryJobStore()
    // Worker A falls asleep mid-upload (a closed laptop lid, a long GC pause): its claim renewals fail meanwhile.
    let asleep = false
    let wake!: () => void
    const woken = new Promise<void>((resolve) => (wake = resolve))
    const storeOfA: JobStore = { ...store, claim: (...args) => (asleep ? Promise.reject(new Error('asleep')) : store.claim(...args)) }
    const clientA = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit: SCALED })
    const upload = clientA.upload.bind(clientA)
    clientA.upload = async (...args) => {
      asleep = true
      await woken
      asleep = false
      return upload(...args)
    }
    const common = { outDir, leaseMs: 300, preflight: false }
    const a = collectBatch([input!], { ...common, client: clientA, store: storeOfA, worker: 'A' })
    await until(() => asleep)
    // Worker B takes the input over once A's claim has expired, and finishes it.
    const clientB = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit: SCALED })
    const [b] = await collectBatch([input!], { ...common, client: clientB, store, worker: 'B' })
    expect(b!.state).toBe('done')
    wake()
    const [resultOfA] = await a
    expect([resultOfA!.state, resultOfA!.jobId], 'A finds the input done by B').toEqual(['skipped', b!.jobId])
    expect([...startsByJob(server)], 'one job started, once').toEqual([[b!.jobId, 1]])
    const record = await store.get(b!.key)
    expect([record?.state, record?.jobId, record?.worker]).toEqual(['done', b!.jobId, 'B'])
    const output = new Uint8Array(await readFile(b!.output!))
    expect(Buffer.compare(output, fakeResultBytes(b!.jobId!, 'video.webm', 1024))).toBe(0)
  })

  it('reports an input another worker finished between its look at the journal and its claim as skipped, leaving the output be', async () => {
    await using server = await startFakeServer({ resultSize: 1024, processingMs: 50 })
    const [input] = await makeInputs(fresh(), 1)
    const outDir = fresh()
    const store = memoryJobStore()
    const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, rateLimit: SCALED })
    const common = { client, outDir, preflight: false }
    let a: BatchResult[] = []
    let sentByA = 0
    // Worker B found nothing journaled; before its claim goes through, worker A processes the whole input.
    const storeOfB: JobStore = {
      ...store,
      claim: async (...args) => {
        if (a.length === 0) {
          a = await collectBatch([input!], { ...common, store, worker: 'A' })
          sentByA = server.api.requests.length
        }
        return store.claim(...args)
      },
    }
    const [b] = await collectBatch([input!], { ...common, store: storeOfB, worker: 'B' })
    expect([a[0]!.state, b!.state, b!.jobId]).toEqual(['done', 'skipped', a[0]!.jobId])
    expect(server.api.requests.length, 'B sent nothing').toBe(sentByA)
    expect((await readdir(outDir)).filter((name) => !name.startsWith('.'))).toEqual(['clip-01-nobg.webm'])
  })
})
