/**
 * Reading webhook deliveries: `parseWebhook` for the body, `verifyWebhook` to confirm it against the job's status
 * (deliveries are unsigned).
 *
 * @module @videobgremover/sdk/webhooks
 */
import { parseJson } from './core/json'
import { ValidationError } from './errors'
import type { JobStatus } from './types'

/** A webhook delivery as sent: unsigned, so nothing in it is trusted until `verifyWebhook` confirms it. */
export interface WebhookEvent {
  /** `job.started`, `job.completed` or `job.failed`, from `event` or derived from `status`; `unknown` when neither says. */
  type: 'job.started' | 'job.completed' | 'job.failed' | (string & {})
  /**
   * The job the delivery is about, read from `job_id`, `id` or `video_id` (the vendor's payloads use all three):
   * the one field to act on, through `verifyWebhook`. Undefined when the body names no job: log it, act on nothing.
   */
  job_id?: string
  /** The job's status as the delivery states it (`started`, `completed` or `failed`); not trusted. */
  status?: string
  /** The event name, when the delivery carries one (`job.started`, …). */
  event?: string
  /** The account's user id. */
  user_id?: string
  /** The input's file name. */
  file_name?: string
  /** Why the job failed, on `job.failed`. */
  error_message?: string
  /** Where the job was started: `api`, or `web` for the vendor's web app. */
  source?: string
  [field: string]: unknown
}

/**
 * What `verifyWebhook` found. Act on `job`, read with your key; of the delivery, only its type and job id are kept,
 * so that no field it claims (a result URL, a status) can be mistaken for a verified one.
 */
export type VerifiedWebhook =
  | {
      /** The delivery's type and job id. */
      event: ClaimedEvent
      /** The job's status as the API reports it. */
      job: JobStatus
      /** The API's status is for the delivery's job and agrees with its type. */
      confirmed: true
    }
  | {
      /** The delivery's type and job id. */
      event: ClaimedEvent
      /** The job's status as the API reports it; undefined when the delivery named no job (nothing was read). */
      job?: JobStatus
      /** The API's status does not bear the delivery out, or it named no job. */
      confirmed: false
    }

/** What a delivery claims that a lookup can check: its type and the job it names. */
export interface ClaimedEvent {
  /** The delivery's type, as `parseWebhook` read it. */
  type: WebhookEvent['type']
  /** The job it names, when it names one. */
  job_id?: string
}

/** The largest webhook body `parseWebhook` reads by default: 1 048 576 bytes (1 MiB). Deliveries are small JSON. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024

/**
 * Parses a delivery body (text, bytes or an already parsed object), keeping unknown fields. Nothing in it is
 * trusted: pass the result to `verifyWebhook`. A body that names no job is still parsed (`job_id` undefined), so a
 * receiver can log it.
 *
 * @param options `maxBytes`: the largest body read, in bytes (default `MAX_WEBHOOK_BYTES`, 1 MiB).
 * @throws ValidationError when the body is over `maxBytes`, not JSON (or nested deeper than any delivery), or not
 *   a JSON object.
 */
export function parseWebhook(body: unknown, { maxBytes = MAX_WEBHOOK_BYTES } = {}): WebhookEvent {
  const text = typeof body === 'string' ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : undefined
  const size = body instanceof Uint8Array ? body.byteLength : text === undefined ? 0 : new TextEncoder().encode(text).byteLength
  if (size > maxBytes) throw new ValidationError(`The webhook body is ${size} bytes, over the ${maxBytes}-byte limit`, 'body')
  let value = body
  if (text !== undefined) {
    const parsed = parseJson(text)
    if (!parsed.ok) throw new ValidationError('The webhook body is not JSON', 'body')
    value = parsed.value
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('The webhook body must be a JSON object', 'body')
  }
  const fields = value as Record<string, unknown>
  const event = typeof fields.event === 'string' ? fields.event : undefined
  const status = typeof fields.status === 'string' ? fields.status : undefined
  const type = event ?? (status ? `job.${status}` : 'unknown')
  const jobId = [fields.job_id, fields.id, fields.video_id].find((id): id is string => typeof id === 'string' && id !== '')
  const { job_id: _named, ...rest } = fields
  return jobId === undefined ? { ...rest, type } : { ...rest, type, job_id: jobId }
}

const STATUSES_BY_TYPE: Record<string, readonly string[]> = {
  'job.started': ['processing', 'completed', 'failed'],
  'job.completed': ['completed'],
  'job.failed': ['failed'],
}

/**
 * Reads the job's status with your key and reports whether it bears the event out. A delivery that names no job is
 * not confirmed, and nothing is read.
 *
 * @param client anything with `status(jobId)`, normally your `VideoBGRemoverClient`.
 * @throws whatever `client.status` throws: `JobNotFoundError` for a job your key does not have, `ValidationError`
 *   for a `job_id` that is not a job id (nothing is sent then).
 */
export async function verifyWebhook(event: WebhookEvent, client: { status(jobId: string): Promise<JobStatus> }): Promise<VerifiedWebhook> {
  const claimed = { type: event.type, ...(event.job_id === undefined ? {} : { job_id: event.job_id }) }
  if (event.job_id === undefined) return { event: claimed, confirmed: false }
  const job = await client.status(event.job_id)
  const expected = Object.hasOwn(STATUSES_BY_TYPE, event.type) ? STATUSES_BY_TYPE[event.type] : undefined
  if (job.id === event.job_id && expected?.includes(job.status)) return { event: claimed, job, confirmed: true }
  return { event: claimed, job, confirmed: false }
}
