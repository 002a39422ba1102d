import { stat } from 'node:fs/promises'
import { notYetStarted, type JobRecord } from '../../batch/store'
import { sleep, throwIfAborted } from '../../core/signal'
import { hasNotStarted, RECONCILE_DELAY_MS } from '../../core/lifecycle'
import { API_RATE_LIMITS } from '../../core/limiter'
import {
  ApiError,
  InsufficientCreditsError,
  JobStoreError,
  ProcessingError,
  VideoBGRemoverError,
  jobFailed,
  leaseLost,
  startNotTaken,
  uploadNotTaken,
} from '../../errors'
import type { JobStatus } from '../../types'
import { Poller } from './poller'
import { create, download, emitStage, journal, start, upload, type Entry, type StepContext } from './steps'
import { Channel, Slots } from './sync'
import type { BatchResult } from './types'

/** What the pipeline needs besides the steps' context. */
export interface PipelineSettings {
  concurrency: number
  leaseMs: number
  retryFailed: boolean
}

/** A record read back as an error, for a result. */
const recordedError = (record: JobRecord) =>
  Object.assign(new Error(record.error?.message ?? 'failed in an earlier run'), { name: record.error?.name ?? 'Error' })

const exists = async (path: string | undefined) => path !== undefined && (await stat(path).catch(() => undefined)) !== undefined

/** Not this worker's to finish: another worker took the input over. */
const isLeaseLost = (error: unknown) => error instanceof JobStoreError && error.code === 'lease_lost'

/** Whether the journal still holds the record this worker last wrote or read (no other worker wrote since). */
const unchanged = (current: JobRecord | undefined, known: JobRecord | undefined) =>
  current?.jobId === known?.jobId &&
  current?.state === known?.state &&
  current?.worker === known?.worker &&
  current?.updatedAt === known?.updatedAt

/** A claim this worker holds: its input's work listens to `signal`, which fires when the batch stops or the claim is lost. */
interface Held {
  controller: AbortController
  dispose(): void
}

/**
 * Runs the entries through create → upload → start → wait → download, as a pipeline: uploads run ahead (up to
 * `concurrency` transfers) while the starts go one after another, each as soon as the key's limit allows; every job
 * is polled from one loop, and downloaded as soon as it completes (downloads take a free transfer slot before
 * uploads). Each step is journaled before the step it guards; each input yields one result.
 */
export class Pipeline {
  readonly results = new Channel<BatchResult>()
  readonly #transfers: Slots
  /** Jobs created but not yet started: enough to keep the start queue fed, not so many that uploads run far ahead. */
  readonly #lookahead: Slots
  readonly #poller: Poller
  readonly #held = new Map<string, Held>()
  #turn: Promise<void> = Promise.resolve()
  #creditsRanOut: InsufficientCreditsError | undefined

  constructor(
    private readonly context: StepContext,
    private readonly settings: PipelineSettings,
  ) {
    const limits = context.internals.rateLimits ?? API_RATE_LIMITS
    this.#transfers = new Slots(settings.concurrency, context.signal)
    this.#lookahead = new Slots(settings.concurrency + 2 * limits.startsPerWindow, context.signal)
    this.#poller = new Poller(context.internals.calls, limits, context.signal)
  }

  /** Runs every entry to its result; `duplicates` of an entry (same content key) share its result. */
  async run(entries: readonly Entry[], duplicates: ReadonlyMap<Entry, readonly Entry[]>): Promise<void> {
    const renewal = setInterval(() => void this.#renew(), this.settings.leaseMs / 3)
    try {
      await Promise.all(
        entries.map(async (entry) => {
          const result = await this.#settle(entry)
          if (result === undefined) return
          this.results.push(result)
          for (const twin of duplicates.get(entry) ?? []) {
            const { jobId, output, error } = result
            this.results.push({
              input: twin.item.input,
              key: twin.key,
              state: result.state === 'failed' ? 'failed' : 'skipped',
              jobId,
              output,
              error,
            })
          }
        }),
      )
    } finally {
      clearInterval(renewal)
    }
  }

  /**
   * Renews every claim held. A claim not renewed (another worker holds it, or the store failed to answer, so it may
   * lapse unseen) stops its input's work at once: it goes back to the journal, and claims the input again before any
   * further step.
   */
  async #renew(): Promise<void> {
    const { store, worker } = this.context
    for (const [key, held] of this.#held) {
      const kept = await store.claim(key, worker, this.settings.leaseMs).catch(() => false)
      if (kept || this.#held.get(key) !== held) continue
      this.#held.delete(key)
      held.dispose()
      held.controller.abort(leaseLost(key, worker, undefined))
    }
  }

  /** The entry's result, or undefined when the batch was aborted before it settled. */
  async #settle(entry: Entry): Promise<BatchResult | undefined> {
    for (;;) {
      let slot: (() => void) | undefined
      let signal: AbortSignal | undefined
      try {
        const finished = await this.#finished(entry)
        if (finished) return finished
        // An input still to start is claimed only once it may go ahead: workers share the inputs, none hoards them.
        const state = entry.record?.state
        if (notYetStarted(state) || state === 'failed') {
          slot = await this.#lookahead.acquire('low')
        }
        signal = await this.#claim(entry)
        // Read again once claimed: another worker may have finished the input (or failed it) meanwhile.
        if (signal) return (await this.#finished(entry)) ?? (await this.#work(entry, { ...this.context, signal }, () => slot?.()))
        slot?.()
        await this.#elsewhere(entry)
      } catch (error) {
        if (this.context.signal.aborted) return undefined
        if (isLeaseLost(error) || signal?.aborted) continue
        return this.#failed(entry, error)
      } finally {
        slot?.()
        this.#release(entry)
      }
    }
  }

  /** The result of an input the journal says is over: done with its output present, or failed (without `retryFailed`). */
  async #finished(entry: Entry): Promise<BatchResult | undefined> {
    const record = (entry.record = await this.context.store.get(entry.key))
    const base = { input: entry.item.input, key: entry.key, jobId: record?.jobId, output: record?.output }
    if (record?.state === 'done' && (await exists(record.output))) {
      emitStage(this.context, entry, 'skipped')
      return { ...base, state: 'skipped' }
    }
    if (record?.state === 'failed' && !this.settings.retryFailed) {
      emitStage(this.context, entry, 'failed')
      return { ...base, state: 'failed', error: recordedError(record) }
    }
    return undefined
  }

  /** Claims the input; resolves to the signal its work listens to, or undefined when another worker holds it. */
  async #claim(entry: Entry): Promise<AbortSignal | undefined> {
    const { store, worker, signal } = this.context
    if (!(await store.claim(entry.key, worker, this.settings.leaseMs))) return undefined
    const controller = new AbortController()
    const onStop = () => controller.abort(signal.reason)
    signal.addEventListener('abort', onStop, { once: true })
    this.#held.set(entry.key, { controller, dispose: () => signal.removeEventListener('abort', onStop) })
    return controller.signal
  }

  #release(entry: Entry): void {
    const held = this.#held.get(entry.key)
    if (held === undefined) return
    this.#held.delete(entry.key)
    held.dispose()
    void this.context.store.release(entry.key, this.context.worker).catch(() => undefined)
  }

  /** Another worker holds the input: wait (a third of a lease at a time) until it settles or its claim expires. */
  async #elsewhere(entry: Entry): Promise<void> {
    emitStage(this.context, entry, 'elsewhere')
    await sleep(this.settings.leaseMs / 3, this.context.signal)
  }

  /**
   * Takes the input from where the journal left it to its output, under `context.signal` (its claim's); `started`
   * gives back its lookahead slot.
   */
  async #work(entry: Entry, context: StepContext, started: () => void): Promise<BatchResult> {
    if (entry.record?.state === 'failed') entry.record = undefined
    let status: JobStatus | undefined
    try {
      if (notYetStarted(entry.record?.state)) status = await this.#bringToStart(entry, context)
    } finally {
      started()
    }
    if (status?.status !== 'completed') {
      emitStage(context, entry, 'processing')
      try {
        status = await this.#poller.completion(entry.record!.jobId!, context.signal)
      } catch (error) {
        if (error instanceof ProcessingError) await journal(context, entry, { state: 'failed', error: describe(error) })
        throw error
      }
    }
    const release = await this.#transfers.acquire('high')
    try {
      await download(context, entry, status)
    } finally {
      release()
    }
    emitStage(context, entry, 'done')
    const { jobId, creditsUsed } = entry.record!
    return {
      input: entry.item.input,
      key: entry.key,
      state: 'done',
      jobId,
      output: entry.output,
      ...(creditsUsed === undefined ? {} : { creditsUsed }),
    }
  }

  /**
   * Creates (or resumes) and uploads the job, then starts it in its turn. Resolves to undefined once started, or to
   * the job's status when it was past its start already (started before a crash, unjournaled).
   */
  async #bringToStart(entry: Entry, context: StepContext): Promise<JobStatus | undefined> {
    let starting = false
    try {
      const found = entry.record?.jobId === undefined ? undefined : await this.#resume(entry, context)
      if (found !== undefined) return found
      if (entry.record?.state !== 'uploaded') {
        emitStage(context, entry, 'queued')
        const transfer = await this.#transfers.acquire('low')
        try {
          if (entry.record?.upload === undefined) await create(context, entry)
          if (entry.record?.state === 'created') await upload(context, entry, entry.record.upload!)
        } finally {
          transfer()
        }
      }
      emitStage(context, entry, 'waiting')
      await this.#inTurn(async () => {
        if (this.#creditsRanOut) throw this.#creditsRanOut
        await this.#stillHeld(entry, context)
        starting = true
        try {
          await start(context, entry)
        } catch (error) {
          if (error instanceof InsufficientCreditsError) this.#creditsRanOut = error
          throw error
        }
      })
      return undefined
    } catch (error) {
      // Journaled as failed only when nothing can have been charged: before the start, or a start the API refused
      // outright. After an ambiguous start (a 408 included) the record stays `starting`, and a rerun reads the status.
      const refused = error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429 && error.status !== 408
      if (!context.signal.aborted && !isLeaseLost(error) && (!starting || refused) && entry.record?.state !== 'started') {
        await journal(context, entry, { state: 'failed', error: describe(error) }).catch(() => undefined)
      }
      throw error
    }
  }

  /**
   * Right before a start (which charges): the claim is renewed, and the record read again must be the one this worker
   * knows. Otherwise another worker took the input over meanwhile (another job, or a later state), and this one stops.
   */
  async #stillHeld(entry: Entry, context: StepContext): Promise<void> {
    const { store, worker, signal } = context
    throwIfAborted(signal)
    if (!(await store.claim(entry.key, worker, this.settings.leaseMs))) throw leaseLost(entry.key, worker, undefined)
    const current = await store.get(entry.key)
    if (!unchanged(current, entry.record)) throw leaseLost(entry.key, worker, current?.worker)
    throwIfAborted(signal)
  }

  /**
   * A journaled job not known to have started: its status says where it is. Past the start: its status (journaled
   * `started`). At `uploaded`: ready to start (after a `starting` record, read again after the reconcile delay, as a
   * start may still be on its way). At `created`: uploaded again to its journaled target; a job journaled `created`
   * with no live target (none, or expiring within a minute) is replaced by a new one (an unstarted job costs nothing).
   * A job journaled `uploaded` or `starting` is never replaced: without a live target, or after a start, the input
   * fails, naming the job.
   */
  async #resume(entry: Entry, context: StepContext): Promise<JobStatus | undefined> {
    const record = entry.record!
    const jobId = record.jobId!
    const read = () => context.internals.calls.status(jobId, { signal: context.signal })
    let exchange = await read()
    if (record.state === 'starting' && hasNotStarted(exchange.data)) {
      await sleep(RECONCILE_DELAY_MS, context.signal, jobId)
      exchange = await read()
    }
    const status = exchange.data
    if (status.status === 'uploaded') {
      if (record.state !== 'uploaded') await journal(context, entry, { state: 'uploaded' })
      return undefined
    }
    if (status.status === 'created') {
      if (record.state === 'starting') throw startNotTaken(jobId)
      const live = record.upload !== undefined && Date.parse(record.upload.expires_at ?? '') - Date.now() > 60_000
      if (record.state === 'uploaded') {
        if (!live) throw uploadNotTaken(jobId)
        await journal(context, entry, { state: 'created' })
      } else if (!live) entry.record = undefined
      return undefined
    }
    if (status.status === 'failed') throw jobFailed(status, exchange)
    await journal(context, entry, { state: 'started' })
    return status
  }

  /** Runs `step` after every step queued before it: the starts go one at a time, in the order they became ready. */
  async #inTurn(step: () => Promise<void>): Promise<void> {
    const previous = this.#turn
    let done!: () => void
    this.#turn = new Promise((resolve) => (done = resolve))
    try {
      await previous
      await step()
    } finally {
      done()
    }
  }

  #failed(entry: Entry, error: unknown): BatchResult {
    emitStage(this.context, entry, 'failed')
    const jobId = entry.record?.jobId
    return { input: entry.item.input, key: entry.key, state: 'failed', ...(jobId === undefined ? {} : { jobId }), error: asError(error) }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

function describe(error: unknown): NonNullable<JobRecord['error']> {
  const { name, message } = asError(error)
  const code = error instanceof VideoBGRemoverError ? (error as { code?: unknown }).code : undefined
  return { name, message, ...(typeof code === 'string' ? { code } : {}) }
}
