import type { ClientBase, ClientInternals } from './client'
import type { Exchange } from './core/http'
import { hasNotStarted, startJobSafely } from './core/lifecycle'
import { throwIfAborted } from './core/signal'
import { jobFailed, uploadUrlUnknown, ValidationError, VideoBGRemoverError } from './errors'
import { preflight } from './preflight'
import type { JobStatus, StartJobOptions, StartJobResponse } from './types'
import type { ProgressCallback } from './transfer/progress'
import type { PreparedSource, UploadSource } from './transfer/source'
import { uploadToSignedUrl } from './transfer/upload'
import { forgetUpload, rememberUpload, uploadTarget, type UploadTarget } from './upload-targets'

/** A `removeBackground` or `submit` call, its input checked: what it takes to bring a job to the start. */
export interface Submission {
  client: ClientBase
  internals: ClientInternals
  source: PreparedSource
  startOptions: StartJobOptions
  /** The job to resume; a new one is created without it. */
  jobId?: string
  onJobCreated?: (jobId: string) => void | Promise<void>
  onUploadProgress?: ProgressCallback
  preflight?: boolean
  maxCredits?: number
  signal?: AbortSignal
}

/** Where the call left the job: started by it, or found already past the start. */
export type Submitted =
  { jobId: string; started: StartJobResponse; found?: undefined } | { jobId: string; started?: undefined; found: Exchange<JobStatus> }

/**
 * Creates (or resumes), uploads and starts a job, each step at most once: a resumed job goes on from the stage its
 * status reports, and one past the start (`processing`, `completed`, or a status the SDK does not know) is never
 * started again. Errors carry the job's id once it exists.
 */
export async function submitJob(submission: Submission): Promise<Submitted> {
  const { internals, signal } = submission
  let jobId = submission.jobId
  try {
    if (jobId === undefined) {
      await preflight(internals, submission.source, submission)
      jobId = await create(submission)
    } else {
      const found = await internals.calls.status(jobId, { signal })
      const { status } = found.data
      if (status === 'failed') throw jobFailed(found.data, found)
      if (!hasNotStarted(found.data)) return { jobId, found }
      const target = status === 'created' ? targetFor(submission, jobId) : undefined
      await preflight(internals, submission.source, submission)
      if (target && !target.uploaded) await upload(submission, target)
    }
    const started = await startJobSafely(internals.calls, jobId, submission.startOptions, { signal }, internals.maxRetries)
    forgetUpload(submission.client.baseUrl, jobId)
    return { jobId, started }
  } catch (error) {
    if (error instanceof VideoBGRemoverError && jobId !== undefined) error.jobId ??= jobId
    throw error
  }
}

/** Creates the job, tells the caller its id, then uploads the file (a URL job is born uploaded). */
async function create(submission: Submission): Promise<string> {
  const { internals, source, signal } = submission
  if (source.kind === 'url') {
    const { id } = await internals.createJobUrl({ video_url: source.reference }, { signal })
    await submission.onJobCreated?.(id)
    return id
  }
  const job = await internals.createJobFile({ filename: source.filename, content_type: source.contentType }, { signal })
  const target = rememberUpload(submission.client.baseUrl, job, source.contentType)
  try {
    await submission.onJobCreated?.(job.id)
    throwIfAborted(signal, job.id)
    await upload(submission, target)
  } catch (error) {
    if (error instanceof VideoBGRemoverError) error.jobId ??= job.id
    throw error
  }
  return job.id
}

async function upload(submission: Submission, target: UploadTarget): Promise<void> {
  const { internals, signal } = submission
  await uploadToSignedUrl(target.job, submission.source as UploadSource, { ...internals, signal, onProgress: submission.onUploadProgress })
  target.uploaded = true
}

/** The upload target of a job resumed at `created`, checked against the source before anything is sent. */
function targetFor(submission: Submission, jobId: string): UploadTarget {
  const { source } = submission
  if (source.kind === 'url') {
    throw new ValidationError(
      `Job ${jobId} is waiting for its file to be uploaded, which a URL cannot be: open the file it was created for`,
      'source',
    )
  }
  const target = uploadTarget(submission.client.baseUrl, jobId)
  if (!target) throw uploadUrlUnknown(jobId)
  if (target.contentType !== source.contentType) {
    throw new ValidationError(
      `Job ${jobId} was created for a ${target.contentType} upload, and its upload URL is signed for that type; this source is ${source.contentType}: open the same video`,
      'contentType',
    )
  }
  return target
}
