import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { runBatch, type BatchResult, type RunBatchOptions } from '../../src/node/batch/index'
import type { RateLimits } from '../../src/node/index'
import { fakeResultBytes, type FakeApi } from '../../src/testing/node'

/**
 * A temporary directory made before the calling file's tests and removed after them; each call of the returned
 * function names a new folder in it, so that no two cases share inputs or outputs.
 */
export function caseFolders(prefix: string): () => string {
  let dir = ''
  let n = 0
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))
  return () => join(dir, `case-${n++}`)
}

/** Every result `runBatch` yields, in order. */
export async function collectBatch(inputs: Parameters<typeof runBatch>[0], options: RunBatchOptions): Promise<BatchResult[]> {
  const results: BatchResult[] = []
  for await (const result of runBatch(inputs, options)) results.push(result)
  return results
}

/** A fake API, bare or behind a server. */
type Fake = { api: FakeApi }

/** The API's limits with the minute scaled to a second, on both sides: 3 starts and 100 requests a second. */
export const SCALED: Required<Omit<RateLimits, 'store'>> = { requestsPerWindow: 100, startsPerWindow: 3, windowMs: 1_000 }
/** The size of each fake result (`resultSize`), so each output can be checked byte for byte. */
export const RESULT_SIZE = 48 * 1024

/** `count` distinct small inputs `clip-01.mp4`, … in `dir` (their bytes differ, so their content keys do). */
export async function makeInputs(dir: string, count: number): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const path = join(dir, `clip-${String(i + 1).padStart(2, '0')}.mp4`)
      await writeFile(
        path,
        Uint8Array.from({ length: 4096 + i }, (_, j) => (i * 31 + j) % 251),
      )
      return path
    }),
  )
}

/** The starts the fake accepted, per job id. */
export function startsByJob(server: Fake): Map<string, number> {
  const starts = new Map<string, number>()
  for (const entry of server.api.requests) {
    if (entry.endpoint === 'startJob' && entry.status === 200) starts.set(entry.jobId!, (starts.get(entry.jobId!) ?? 0) + 1)
  }
  return starts
}

/**
 * Every input processed once and only once: one job started per input file (and each job started once), every output
 * byte for byte what the fake served for its job, and nothing else in `outDir` but the outputs and the batch's files.
 */
export async function expectBatchComplete(server: Fake, inputs: readonly string[], outDir: string): Promise<void> {
  const started = [...startsByJob(server)]
  for (const [jobId, count] of started) expect(count, `starts of job ${jobId}`).toBe(1)
  const startedBy = new Map<string, string[]>()
  for (const [jobId] of started) {
    const name = server.api.job(jobId)!.filename
    startedBy.set(name, [...(startedBy.get(name) ?? []), jobId])
  }
  const names = inputs.map((path) => path.split('/').pop()!)
  for (const name of names) expect(startedBy.get(name), `jobs started for ${name}`).toHaveLength(1)
  expect(started).toHaveLength(inputs.length)
  for (const name of names) {
    const [jobId] = startedBy.get(name)!
    const output = join(outDir, name.replace(/\.mp4$/, '-nobg.webm'))
    const bytes = new Uint8Array(await readFile(output))
    expect(Buffer.compare(bytes, fakeResultBytes(jobId!, 'video.webm', RESULT_SIZE)), `${output} is the result of ${jobId}`).toBe(0)
  }
  const files = (await readdir(outDir)).filter((file) => !file.startsWith('.vbr-'))
  expect(files.sort()).toEqual(names.map((name) => name.replace(/\.mp4$/, '-nobg.webm')).sort())
}

/**
 * `count` distinct 4-second MP4s (the examples' sample, each with a `free` box of its own appended, which players and
 * the probe skip), named `video-1.mp4`, …: their durations can be read, so the preflight counts 4 credits each.
 */
export async function makeVideos(dir: string, count: number): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const sample = new Uint8Array(await readFile(new URL('../../examples/assets/sample.mp4', import.meta.url)))
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const free = new Uint8Array(16)
      new DataView(free.buffer).setUint32(0, 16)
      free.set(new TextEncoder().encode('free'), 4)
      free[15] = i
      const path = join(dir, `video-${i + 1}.mp4`)
      await writeFile(path, Buffer.concat([sample, free]))
      return path
    }),
  )
}
