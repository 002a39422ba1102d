import { mkdir, open } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { internalsOf, type ClientInternals } from '../../client'
import { notYetStarted, type JobRecord, type JobStore } from '../../batch/store'
import { API_RATE_LIMITS } from '../../core/limiter'
import { throwIfAborted } from '../../core/signal'
import { batchCreditsShort, batchOverMaxCredits, ValidationError } from '../../errors'
import { outputExtension } from '../../formats'
import { probeContainer, type ByteReader, type ProbeResult } from '../../probe/index'
import { RemoveBGOptions } from '../../remove-options'
import type { StartJobOptions } from '../../types'
import { checkStartOptions } from '../../validate'
import { Video } from '../index'
import { fileJobStore } from './file-store'
import { contentKey, contentSha256, describeInputs, HashCache } from './inputs'
import { outputPaths } from './names'
import type { Entry } from './steps'
import type { BatchEvent, BatchInput, RunBatchOptions } from './types'

/** The journal `runBatch` keeps in `outDir` unless given a `store`. */
export const JOURNAL_NAME = '.vbr-batch.jsonl'
const HASHES_NAME = '.vbr-hashes.jsonl'

/** What each input of a batch will need, as `planBatch` (and `vbr batch --dry-run`) tells it. */
export interface BatchPlanItem {
  /** The input, as given. */
  input: BatchInput
  /** Its content key. */
  key: string
  /** Where its output goes. */
  output: string
  /** `start` (to create or resume, then start), `resume` (started already: wait and download), `done`, `failed` (journaled; retried only with `retryFailed`), `duplicate` (same content and options as an earlier input). */
  action: 'start' | 'resume' | 'done' | 'failed' | 'duplicate'
  /** Its estimated cost (its duration rounded up to whole seconds), for `start`, when its duration could be read. */
  estimatedCredits?: number
}

/** A batch before it runs: its inputs, its estimated cost, and the least time the key's start limit allows it. */
export interface BatchPlan {
  /** One per input, in order. */
  items: BatchPlanItem[]
  /** Inputs still to start. */
  toStart: number
  /** Estimated credits of the inputs to start whose duration could be read. */
  estimatedCredits: number
  /** Inputs to start whose duration could not be read (a URL, an unknown container): not in `estimatedCredits`. */
  unknownDurations: number
  /** The balance, when it was read. */
  remainingCredits?: number
  /**
   * Milliseconds the key's start limit alone takes to start them: the first `startsPerWindow` start at once, then as
   * many per window (`ceil(toStart / startsPerWindow) - 1` windows). At the API's 3 a minute, 1 000 inputs take 5.5 hours.
   */
  startLimitMs: number
}

/** A batch ready to run: its entries (one per distinct content key), their duplicates, the plan, and its journal. */
export interface Prepared {
  entries: Entry[]
  duplicates: Map<Entry, Entry[]>
  plan: BatchPlan
  store: JobStore
  ownStore: boolean
  internals: ClientInternals
  startOptions: StartJobOptions
  format: string
}

/** Checks the options, hashes the inputs, reads the journal and names the outputs; preflights unless told not to. */
export async function prepare(
  inputs: readonly BatchInput[],
  options: RunBatchOptions,
  emit: (event: BatchEvent) => void,
  signal: AbortSignal,
): Promise<Prepared> {
  const internals = internalsOf(options?.client)
  if (!internals) throw new ValidationError('runBatch() needs { client }: a VideoBGRemoverClient', 'client')
  if (typeof options.outDir !== 'string' || options.outDir.trim() === '')
    throw new ValidationError('runBatch() needs { outDir }: the directory for the outputs', 'outDir')
  const removeOptions = RemoveBGOptions.from(options.options)
  const startOptions = checkStartOptions(removeOptions.toStartOptions())
  const items = describeInputs(inputs)
  const outDir = resolve(options.outDir)
  await mkdir(outDir, { recursive: true })
  const ownStore = options.store === undefined
  const store = options.store ?? fileJobStore(join(outDir, JOURNAL_NAME))
  try {
    const cache = new HashCache(join(outDir, HASHES_NAME))
    const keys: string[] = []
    for (const item of items) {
      emit({ index: item.index, name: item.name, stage: 'hashing' })
      keys.push(contentKey(await contentSha256(item, cache, signal), startOptions))
      throwIfAborted(signal)
    }
    const records = new Map((await store.list()).map((record) => [record.key, record]))
    const recorded = new Map([...records].flatMap(([key, record]) => (record.output === undefined ? [] : [[key, record.output] as const])))
    const firsts = new Map<string, number>()
    items.forEach((_, i) => firsts.has(keys[i]!) || firsts.set(keys[i]!, i))
    const unique = [...firsts.values()]
    const extension = outputExtension(removeOptions.format)
    const paths = outputPaths(
      outDir,
      unique.map((i) => ({ key: keys[i]!, name: items[i]!.name })),
      extension,
      recorded,
    )
    const byKey = new Map<string, Entry>()
    unique.forEach((i, n) => byKey.set(keys[i]!, { item: items[i]!, key: keys[i]!, output: paths[n]!, record: records.get(keys[i]!) }))
    const duplicates = new Map<Entry, Entry[]>()
    const entries: Entry[] = []
    items.forEach((item, i) => {
      const first = byKey.get(keys[i]!)!
      if (first.item === item) return entries.push(first)
      duplicates.set(first, [...(duplicates.get(first) ?? []), { ...first, item }])
    })
    const plan = await planOf(
      items.map((item, i) => ({ item, key: keys[i]! })),
      byKey,
      options,
      internals,
      signal,
    )
    return { entries, duplicates, plan, store, ownStore, internals, startOptions, format: removeOptions.format }
  } catch (error) {
    if (ownStore) await store.close?.()
    throw error
  }
}

/**
 * What `Video.open(input).probe()` says, read for a file through one handle: a Blob per file, for a thousand files,
 * would cost the batch's process far more memory than the few slices read.
 */
async function probe(item: Entry['item']): Promise<ProbeResult> {
  if (item.path === undefined) return Video.open(item.source, { filename: item.name }).probe()
  const file = await open(item.path, 'r').catch(() => undefined)
  if (!file) return {}
  try {
    const { size } = await file.stat()
    const reader: ByteReader = {
      size,
      async read(offset, length) {
        const bytes = new Uint8Array(Math.max(0, Math.min(length, size - offset)))
        const { bytesRead } = await file.read(bytes, 0, bytes.length, offset)
        return bytes.subarray(0, bytesRead)
      },
    }
    return await probeContainer(reader)
  } catch {
    return {}
  } finally {
    await file.close()
  }
}

const actionOf = (record: JobRecord | undefined, retryFailed: boolean): BatchPlanItem['action'] => {
  if (record === undefined || notYetStarted(record.state)) return 'start'
  if (record.state === 'failed') return retryFailed ? 'start' : 'failed'
  return record.state === 'done' ? 'done' : 'resume'
}

/** The plan, with each input to start probed (a few slices of its container) and, unless `preflight: false`, the balance read. */
async function planOf(
  all: { item: Entry['item']; key: string }[],
  byKey: Map<string, Entry>,
  options: RunBatchOptions,
  internals: ClientInternals,
  signal: AbortSignal,
): Promise<BatchPlan> {
  const items: BatchPlanItem[] = []
  let estimatedCredits = 0
  let unknownDurations = 0
  for (const { item, key } of all) {
    const entry = byKey.get(key)!
    const action = entry.item === item ? actionOf(entry.record, options.retryFailed === true) : 'duplicate'
    let estimate: number | undefined
    if (action === 'start' && options.preflight !== false) {
      estimate = (await probe(item)).estimatedCredits
      throwIfAborted(signal)
      if (estimate === undefined) unknownDurations++
      else estimatedCredits += estimate
    }
    items.push({ input: item.input, key, output: entry.output, action, ...(estimate === undefined ? {} : { estimatedCredits: estimate }) })
  }
  const toStart = items.filter((entry) => entry.action === 'start').length
  const limits = internals.rateLimits ?? API_RATE_LIMITS
  const startLimitMs = Math.max(0, Math.ceil(toStart / limits.startsPerWindow) - 1) * limits.windowMs
  const plan: BatchPlan = { items, toStart, estimatedCredits, unknownDurations, startLimitMs }
  if (options.preflight === false || toStart === 0) return plan
  const estimate = { requiredCredits: estimatedCredits, inputs: toStart - unknownDurations, unknown: unknownDurations }
  // maxCredits is a promise about the whole batch: an input whose duration cannot be read could break it.
  if (options.maxCredits !== undefined && (estimatedCredits > options.maxCredits || unknownDurations > 0)) {
    throw batchOverMaxCredits(estimate, options.maxCredits)
  }
  plan.remainingCredits = (await internals.credits({ signal })).remainingCredits
  if (plan.remainingCredits < estimatedCredits) throw batchCreditsShort(estimate, plan.remainingCredits)
  return plan
}
