import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { abortError, ValidationError } from '../../errors'
import { checkNonNegativeInteger, checkPositive } from '../../validate'
import { Pipeline } from './pipeline'
import { prepare, type BatchPlan } from './plan'
import type { BatchEvent, BatchInput, BatchResult, RunBatchOptions } from './types'

const DEFAULT_CONCURRENCY = 4
const DEFAULT_LEASE_MS = 60_000

function checkOptions(options: RunBatchOptions): { concurrency: number; leaseMs: number } {
  if (typeof options !== 'object' || options === null)
    throw new ValidationError('runBatch(inputs, options) needs options: { client, outDir }', 'options')
  const concurrency = checkNonNegativeInteger(options.concurrency ?? DEFAULT_CONCURRENCY, 'concurrency')
  if (concurrency < 1) throw new ValidationError('concurrency must be at least 1', 'concurrency')
  if (options.maxCredits !== undefined) checkNonNegativeInteger(options.maxCredits, 'maxCredits')
  return { concurrency, leaseMs: checkPositive(options.leaseMs ?? DEFAULT_LEASE_MS, 'leaseMs') }
}

/**
 * Processes many videos at the key's limits and yields one result per input (`done`, `failed` or `skipped`), as each
 * finishes; the iteration ends once every input is accounted for. Before any upload it hashes the inputs (SHA-256,
 * streamed; cached in `outDir`), reads the journal, and preflights the whole batch: the credits its inputs are
 * estimated to need against `maxCredits` and the balance. Then a pipeline: uploads run ahead (`concurrency` transfers
 * at once) while the starts go as fast as the key's start limit allows, never idle while an uploaded job waits; every
 * job is polled from one loop within the request limit, and its result downloaded as soon as it completes, written
 * atomically into `outDir` as `<input name>-nobg.<ext>` (`-2`, `-3`, … when names collide).
 *
 * Every step is journaled in `store` before the step it guards, the job id before the first byte is uploaded: a rerun
 * with the same store skips inputs done (whose output is present), resumes jobs in flight by id (never a second
 * start), and retries failed inputs only with `retryFailed`. Many workers (processes or machines) can run one batch
 * with a shared `redisJobStore` and a client whose `rateLimit.store` is a shared `redisRateLimitStore`: each input is
 * claimed by one worker at a time, and a dead worker's inputs are taken over once its claims expire.
 *
 * @throws ValidationError for bad options or inputs, before anything is sent; `InsufficientCreditsError` (status 0,
 *   `requiredCredits`, `remainingCredits`) when the preflight finds the batch unaffordable, before anything is created;
 *   `JobStoreError` when the journal is unusable (another process holds the file); `AbortError` when `signal` fires,
 *   with the journal consistent for a rerun. An input's own failure is its `failed` result, not a throw.
 */
export async function* runBatch(inputs: readonly BatchInput[], options: RunBatchOptions): AsyncGenerator<BatchResult, void, undefined> {
  const { concurrency, leaseMs } = checkOptions(options)
  const controller = new AbortController()
  // Every waiting step of every input listens to it.
  setMaxListeners(0, controller.signal)
  const onAbort = () => controller.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted) onAbort()
  const emit = (event: BatchEvent) => {
    try {
      options.onEvent?.(event)
    } catch {}
  }
  let running: Promise<void> | undefined
  let close: (() => Promise<void>) | undefined
  try {
    const prepared = await prepare(inputs, options, emit, controller.signal)
    const { store, ownStore, internals, startOptions, format } = prepared
    close = async () => {
      if (ownStore) await store.close?.()
    }
    const worker = options.worker ?? randomUUID()
    const context = { client: options.client, internals, store, worker, startOptions, format, signal: controller.signal, emit }
    const pipeline = new Pipeline(context, { concurrency, leaseMs, retryFailed: options.retryFailed === true })
    running = pipeline.run(prepared.entries, prepared.duplicates).then(
      () => pipeline.results.end(),
      (error: unknown) => pipeline.results.fail(error),
    )
    for await (const result of pipeline.results) yield result
    if (controller.signal.aborted) throw abortError(controller.signal)
  } finally {
    // Also when the caller stops iterating early: stop every step, let each settle, then close the journal.
    if (!controller.signal.aborted) controller.abort()
    await running
    await close?.()
    options.signal?.removeEventListener('abort', onAbort)
  }
}

/**
 * What `runBatch` would do, without doing it: each input's content key, output and action (start, resume, done,
 * failed, duplicate), the estimated credits of the inputs to start (their durations read from a few slices of each
 * file), the balance, and the least time the key's start limit allows. Sends only `GET /v1/credits` (none with
 * `preflight: false`); creates nothing.
 *
 * @throws as `runBatch` does before its first upload: `ValidationError`, `InsufficientCreditsError` when the batch is
 *   unaffordable (pass `preflight: false` to plan it anyway), `JobStoreError`.
 */
export async function planBatch(inputs: readonly BatchInput[], options: RunBatchOptions): Promise<BatchPlan> {
  checkOptions(options)
  const signal = options.signal ?? new AbortController().signal
  const prepared = await prepare(inputs, options, () => {}, signal)
  if (prepared.ownStore) await prepared.store.close?.()
  return prepared.plan
}
