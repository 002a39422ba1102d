import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { readdir, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ClientBase, ClientInternals } from '../../client'
import { MAX_FAILED_POLLS, startJobSafely } from '../../core/lifecycle'
import { sleep } from '../../core/signal'
import { notYetStarted, type JobRecord, type JobStore } from '../../batch/store'
import { Foreground } from '../../foreground'
import type { FileJob, JobStatus, StartJobOptions, StartJobResponse } from '../../types'
import { abortError, RateLimitError, saveFailed, startsRateLimited, ValidationError } from '../../errors'
import { uploadContentType } from '../../formats'
import { writeFileAtomically } from '../atomic-write'
import type { BatchItem } from './inputs'
import type { BatchEvent } from './types'

/** What the steps of every item share. */
export interface StepContext {
  client: ClientBase
  internals: ClientInternals
  store: JobStore
  worker: string
  startOptions: StartJobOptions
  /** The output format, for the result's file. */
  format: string
  signal: AbortSignal
  emit(event: BatchEvent): void
}

/** One input on its way: its item, content key, output path, and the journal's latest record of it. */
export interface Entry {
  item: BatchItem
  key: string
  output: string
  record?: JobRecord
}

/** Writes the entry's record with `changes`, durably, before the step it guards; the upload target goes once started. */
export async function journal(context: StepContext, entry: Entry, changes: Partial<JobRecord>): Promise<JobRecord> {
  const { upload, error: _error, outputBytes: _outputBytes, ...kept } = entry.record ?? {}
  const record: JobRecord = {
    ...kept,
    ...(upload !== undefined && notYetStarted(changes.state ?? entry.record?.state) ? { upload } : {}),
    ...changes,
    key: entry.key,
    input: entry.item.label,
    output: entry.output,
    worker: context.worker,
    updatedAt: Date.now(),
  } as JobRecord
  await context.store.put(record)
  return (entry.record = record)
}

const stageOf = (context: StepContext, entry: Entry, stage: BatchEvent['stage'], bytes?: BatchEvent['bytes']) =>
  context.emit({
    index: entry.item.index,
    name: entry.item.name,
    stage,
    ...(entry.record?.jobId === undefined ? {} : { jobId: entry.record.jobId }),
    ...(bytes ? { bytes } : {}),
  })
export { stageOf as emitStage }

/** Creates the job and journals its id (and upload target) before a byte is uploaded. */
export async function create(context: StepContext, entry: Entry): Promise<void> {
  const { internals, signal } = context
  const { item } = entry
  stageOf(context, entry, 'creating')
  if (item.url !== undefined) {
    const job = await internals.createJobUrl({ video_url: item.url }, { signal })
    await journal(context, entry, { state: 'uploaded', jobId: job.id })
    return
  }
  const contentType = uploadContentType(item.name)
  if (contentType === undefined) {
    throw new ValidationError(`Cannot tell the video type of ${JSON.stringify(item.name)}: name it .mp4, .mov or .webm`, 'inputs')
  }
  const job = await internals.createJobFile({ filename: item.name, content_type: contentType }, { signal })
  await journal(context, entry, { state: 'created', jobId: job.id, upload: job })
}

/** Uploads to the journaled target, then journals `uploaded` (the target kept until the job has started). */
export async function upload(context: StepContext, entry: Entry, target: FileJob): Promise<void> {
  stageOf(context, entry, 'uploading', { loaded: 0, total: 0 })
  await context.client.upload(target, entry.item.source, {
    signal: context.signal,
    onProgress: ({ loaded, total }) => stageOf(context, entry, 'uploading', { loaded, total }),
  })
  await journal(context, entry, { state: 'uploaded', jobId: target.id })
}

/**
 * Journals `starting`, then starts the job, never twice (an ambiguous failure is settled by a status read), and
 * journals `started`. A 429 means the start did not happen: it waits as the server says and tries again, up to
 * `MAX_FAILED_POLLS` refusals in a row (the bound `wait()` puts on failed polls); then it throws, the record left
 * `starting` for a rerun to read by id.
 */
export async function start(context: StepContext, entry: Entry): Promise<StartJobResponse> {
  const jobId = entry.record!.jobId!
  stageOf(context, entry, 'starting')
  await journal(context, entry, { state: 'starting' })
  for (let refusals = 1; ; refusals++) {
    try {
      const { internals, signal } = context
      const started = await startJobSafely(internals.calls, jobId, context.startOptions, { signal }, internals.maxRetries)
      await journal(context, entry, { state: 'started', ...(started.creditsUsed == null ? {} : { creditsUsed: started.creditsUsed }) })
      return started
    } catch (error) {
      if (!(error instanceof RateLimitError)) throw error
      if (refusals >= MAX_FAILED_POLLS) throw startsRateLimited(jobId, refusals, error)
      await sleep(error.retryAfterMs ?? 1_000, context.signal, jobId)
    }
  }
}

/** Removes what a download killed midway left in the output's directory: `.<name>.<random>.partial<ext>`. */
async function removeTemporaries(output: string): Promise<void> {
  const name = basename(output)
  const prefix = `.${name}.`
  const suffix = `.partial${extname(name)}`
  const entries = await readdir(dirname(output)).catch(() => [] as string[])
  await Promise.all(
    entries
      .filter((entry) => entry.startsWith(prefix) && entry.endsWith(suffix))
      .map((entry) => rm(join(dirname(output), entry), { force: true })),
  )
}

/** Moves a file found at `output` that is not this job's result aside, as `<stem>.found-<random><ext>`: nothing is lost. */
async function moveAside(output: string): Promise<void> {
  const extension = extname(output)
  await rename(output, join(dirname(output), `${basename(output, extension)}.found-${randomBytes(4).toString('hex')}${extension}`))
}

/**
 * Writes the completed job's result to the entry's output, atomically, and journals `done`. The whole result is
 * written to a temporary, whose size is journaled (`downloading`, `outputBytes`) before it is renamed into place: a
 * file at the output while the journal says `downloading` is this job's result, renamed just before a crash, only
 * when it has that size. Any other file there is moved aside, and the result downloaded again.
 */
export async function download(context: StepContext, entry: Entry, status: JobStatus): Promise<void> {
  const { output } = entry
  const { signal } = context
  await removeTemporaries(output)
  const present = await stat(output).catch(() => undefined)
  const recorded = entry.record?.state === 'downloading' ? entry.record.outputBytes : undefined
  let size = present?.size
  if (present === undefined || present.size !== recorded) {
    if (present !== undefined) await moveAside(output)
    stageOf(context, entry, 'downloading', { loaded: 0, total: 0 })
    const foreground = new Foreground(context.client, status, { format: context.format, source: entry.item.label })
    const onProgress = ({ loaded, total }: { loaded: number; total: number }) => stageOf(context, entry, 'downloading', { loaded, total })
    await writeFileAtomically(
      output,
      async (temporary) => {
        const body = (await foreground.stream({ signal, onProgress })) as import('node:stream/web').ReadableStream<Uint8Array>
        await pipeline(Readable.fromWeb(body), createWriteStream(temporary), { signal })
        size = (await stat(temporary)).size
        await journal(context, entry, { state: 'downloading', outputBytes: size })
      },
      { overwrite: false, signal },
    ).catch((error: unknown) => {
      if (signal.aborted) throw abortError(signal, foreground.jobId)
      throw saveFailed(foreground.jobId, output, error)
    })
  }
  await journal(context, entry, { state: 'done', outputBytes: size! })
}
