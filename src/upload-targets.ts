import type { FileJob } from './types'

/**
 * The signed upload URL of a file job, as the API gave it at creation: the only time it does, since it has no call
 * that hands out a fresh one for an existing job.
 */
export interface UploadTarget {
  job: FileJob
  /** The content type declared at creation: the URL is signed for it. */
  contentType: string
  /** Whether the video reached storage (the job may still read `created` until it starts). */
  uploaded: boolean
}

// Enough for every job a process has between creating and starting it; the oldest go first.
const MAX_TARGETS = 256
const targets = new Map<string, UploadTarget>()
const keyOf = (baseUrl: string, jobId: string) => `${baseUrl} ${jobId}`

/**
 * Keeps what a call resumed at `created` in this process needs to upload: after an abort, a failed upload or a
 * refused start. Keyed by the API's base URL and the job id; held in memory only, never written anywhere (a signed URL
 * lets anyone who holds it write the job's video until it expires).
 */
export function rememberUpload(baseUrl: string, job: FileJob, contentType: string): UploadTarget {
  const target = { job, contentType, uploaded: false }
  targets.set(keyOf(baseUrl, job.id), target)
  if (targets.size > MAX_TARGETS) targets.delete(targets.keys().next().value!)
  return target
}

/** The upload target of a job this process created, if it is still held. */
export function uploadTarget(baseUrl: string, jobId: string): UploadTarget | undefined {
  return targets.get(keyOf(baseUrl, jobId))
}

/** Forgets a job's upload target once the job has started: nothing will upload to it again. */
export function forgetUpload(baseUrl: string, jobId: string): void {
  targets.delete(keyOf(baseUrl, jobId))
}
