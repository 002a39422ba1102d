import { ValidationError } from './errors'
import type { JobStatus } from './schemas'

/** A webhook delivery as sent: unsigned, so nothing in it is trusted until `verifyWebhook` confirms it. */
export interface WebhookEvent {
  /** `job.started`, `job.completed` or `job.failed`, from `event` or derived from `status`. */
  type: 'job.started' | 'job.completed' | 'job.failed' | (string & {})
  job_id: string
  status?: string
  event?: string
  user_id?: string
  file_name?: string
  error_message?: string
  source?: string
  [field: string]: unknown
}

export interface VerifiedWebhook {
  event: WebhookEvent
  /** The job's status read from the API with your key: act on this, never on the delivery's contents. */
  job: JobStatus
  /** True when the job's real status agrees with the event. */
  confirmed: boolean
}

export const MAX_WEBHOOK_BYTES = 1024 * 1024

/** Parses a delivery body (text, bytes or an already parsed object), keeping unknown fields. */
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

/** Reads the job's status with your key and reports whether it bears the event out. */
export async function verifyWebhook(
  event: WebhookEvent,
  client: { status(jobId: string): Promise<JobStatus> },
): Promise<VerifiedWebhook> {
  const job = await client.status(event.job_id)
  const expected = Object.hasOwn(STATUSES_BY_TYPE, event.type) ? STATUSES_BY_TYPE[event.type] : undefined
  return { event, job, confirmed: expected?.includes(job.status) ?? false }
}
