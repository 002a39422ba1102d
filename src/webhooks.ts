/**
 * Reading webhook deliveries: `parseWebhook` for the body, `verifyWebhook` to confirm it against the job's status
 * (deliveries are unsigned).
 *
 * @module @videobgremover/sdk/webhooks
 */
import { ValidationError } from './errors'
import type { JobStatus } from './schemas'

/** A webhook delivery as sent: unsigned, so nothing in it is trusted until `verifyWebhook` confirms it. */
export interface WebhookEvent {
  /** `job.started`, `job.completed` or `job.failed`, from `event` or derived from `status`. */
  type: 'job.started' | 'job.completed' | 'job.failed' | (string & {})
  /** The job the delivery is about: the one field to act on, through `verifyWebhook`. */
  job_id: string
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

/** What `verifyWebhook` found: the delivery, and the job's real status read with your key. */
export interface VerifiedWebhook {
  /** The delivery, as `parseWebhook` read it. */
  event: WebhookEvent
  /** The job's status read from the API with your key: act on this, never on the delivery's contents. */
  job: JobStatus
  /** True when the job's real status agrees with the event. */
  confirmed: boolean
}

/** The largest webhook body `parseWebhook` reads by default: 1 048 576 bytes (1 MiB). Deliveries are small JSON. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024

/**
 * Parses a delivery body (text, bytes or an already parsed object), keeping unknown fields. Nothing in it is
 * trusted: pass the result to `verifyWebhook`.
 *
 * @param options `maxBytes`: the largest body read, in bytes (default `MAX_WEBHOOK_BYTES`, 1 MiB).
 * @throws ValidationError when the body is over `maxBytes`, not JSON, not a JSON object, or has no `job_id`.
 */
export function parseWebhook(body: unknown, { maxBytes = MAX_WEBHOOK_BYTES } = {}): WebhookEvent {
  const text = typeof body === 'string' ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : undefined
  const size = body instanceof Uint8Array ? body.byteLength : text === undefined ? 0 : new TextEncoder().encode(text).byteLength
  if (size > maxBytes) throw new ValidationError(`The webhook body is ${size} bytes, over the ${maxBytes}-byte limit`, 'body')
  let value = body
  if (text !== undefined) {
    try {
      value = JSON.parse(text)
    } catch {
      throw new ValidationError('The webhook body is not JSON', 'body')
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('The webhook body must be a JSON object', 'body')
  }
  const fields = value as Record<string, unknown>
  if (typeof fields.job_id !== 'string' || fields.job_id === '') {
    throw new ValidationError('The webhook body has no job_id', 'job_id')
  }
  const event = typeof fields.event === 'string' ? fields.event : undefined
  const status = typeof fields.status === 'string' ? fields.status : undefined
  const type = event ?? (status ? `job.${status}` : 'unknown')
  return { ...fields, type, job_id: fields.job_id }
}

const STATUSES_BY_TYPE: Record<string, readonly string[]> = {
  'job.started': ['processing', 'completed', 'failed'],
  'job.completed': ['completed'],
  'job.failed': ['failed'],
}

/**
 * Reads the job's status with your key and reports whether it bears the event out (`confirmed`). Webhooks are
 * unsigned, so act on the returned `job`, never on the delivery's own fields; and put an unguessable token in the
 * `webhook_url`'s query to turn away random posts. Deliveries can repeat (up to 3 retries): de-duplicate on job id
 * plus event.
 *
 * @param client any client of this package (or an object with its `status(jobId)` method).
 * @throws what `client.status()` throws: `JobNotFoundError` for a job that is not your key's, `ApiError`,
 *   `ConnectionError`, `TimeoutError`.
 */
export async function verifyWebhook(event: WebhookEvent, client: { status(jobId: string): Promise<JobStatus> }): Promise<VerifiedWebhook> {
  const job = await client.status(event.job_id)
  const expected = Object.hasOwn(STATUSES_BY_TYPE, event.type) ? STATUSES_BY_TYPE[event.type] : undefined
  return { event, job, confirmed: expected?.includes(job.status) ?? false }
}
