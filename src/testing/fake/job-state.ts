import type { Grant, ResultGrant } from './storage'

/** The lifecycle states of api-contract.md §5. */
export type FakeJobStatus = 'created' | 'uploaded' | 'processing' | 'completed' | 'failed'

/** The `background` a job was started with: a `type` plus whatever fields came with it, kept as sent. */
export interface FakeBackground {
  readonly type: string
  readonly [field: string]: unknown
}

/** What storage received from a signed upload. */
export interface FakeUpload {
  /** Bytes received. */
  readonly bytes: number
  /** SHA-256 of the bytes received, lowercase hex. */
  readonly sha256: string
}

/** One webhook delivery as `GET /v1/webhooks/deliveries` lists it. The fake records it; nothing is sent. */
export interface FakeWebhookDelivery {
  readonly event_type: 'job.started' | 'job.completed' | 'job.failed'
  readonly webhook_url: string
  readonly attempt_number: number
  readonly delivery_status: string
  readonly http_status_code: number
  readonly scheduled_at: string
  readonly delivered_at: string
  readonly created_at: string
  readonly payload: {
    readonly job_id: string
    readonly user_id: string
    readonly status: string
    readonly file_name: string
    readonly source: 'api'
    readonly error_message?: string
  }
}

/** A snapshot of a job's state. Times are in milliseconds of the fake's clock. */
export interface FakeJob {
  readonly id: string
  /** The key that created the job; other keys get a 404 for it. */
  readonly apiKey: string
  readonly status: FakeJobStatus
  readonly filename: string
  /** Declared at creation (file jobs only). */
  readonly contentType?: string
  /** Source of a URL job. */
  readonly videoUrl?: string
  readonly createdAt: number
  /** The last accepted upload. */
  readonly upload?: FakeUpload
  /** The JSON body sent to start. */
  readonly options?: Readonly<Record<string, unknown>>
  readonly background?: FakeBackground
  readonly webhookUrl?: string
  readonly exportId?: string
  readonly startedAt?: number
  readonly lengthSeconds?: number
  /** Credits charged at start; back to 0 once a failed job is refunded. */
  readonly creditsUsed: number
  readonly message?: string
  readonly deliveries: readonly FakeWebhookDelivery[]
}

/** `T` with its `readonly` modifiers removed: the fake's own writable copy of a public read-only shape. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** A job as the fake holds it: the public fields, writable, plus the storage grants that never leave the fake. */
export type JobState = Mutable<FakeJob> & {
  deliveries: FakeWebhookDelivery[]
  uploadGrant?: Grant
  /** Live result URLs by signature; each names the one file it may download. */
  resultGrants: Map<string, ResultGrant>
}

/** A copy of `job` for callers: its fields as they are now, without the storage grants (signatures stay inside the fake). */
export function snapshot(job: JobState): FakeJob {
  const { uploadGrant, resultGrants, deliveries, ...fields } = job
  return { ...fields, deliveries: [...deliveries] }
}
