import type { Grant, ResultGrant } from './storage'

/** The lifecycle states of api-contract.md §5. */
export type FakeJobStatus = 'created' | 'uploaded' | 'processing' | 'completed' | 'failed'

/** The `background` a job was started with: a `type` plus whatever fields came with it, kept as sent. */
export interface FakeBackground {
  /** `color`, `transparent` or `composition`, or whatever else the client sent. */
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
  /** The event: `job.started` at start, then `job.completed` or `job.failed` when processing ends. */
  readonly event_type: 'job.started' | 'job.completed' | 'job.failed'
  /** The `webhook_url` the job was started with. */
  readonly webhook_url: string
  /** Always 1: the fake records one successful attempt per event. */
  readonly attempt_number: number
  /** Always `delivered`. */
  readonly delivery_status: string
  /** Always 200. */
  readonly http_status_code: number
  /** When the event happened (ISO 8601, on the fake's clock). */
  readonly scheduled_at: string
  /** The same time as `scheduled_at`. */
  readonly delivered_at: string
  /** The same time as `scheduled_at`. */
  readonly created_at: string
  /** The body the real API would have posted. */
  readonly payload: {
    /** The job's id. */
    readonly job_id: string
    /** The fake account's user id (one per `FakeApi`). */
    readonly user_id: string
    /** `started`, `completed` or `failed`. */
    readonly status: string
    /** The job's file name. */
    readonly file_name: string
    /** Always `api`. */
    readonly source: 'api'
    /** The failure message, on `job.failed`. */
    readonly error_message?: string
  }
}

/** A snapshot of a job's state. Times are in milliseconds of the fake's clock. */
export interface FakeJob {
  /** The job's id (a UUID). */
  readonly id: string
  /** The key that created the job; other keys get a 404 for it. */
  readonly apiKey: string
  /** Where the job is now, on the fake's clock. */
  readonly status: FakeJobStatus
  /** The file name given at creation, or the URL's last path segment for a URL job. */
  readonly filename: string
  /** Declared at creation (file jobs only). */
  readonly contentType?: string
  /** Source of a URL job. */
  readonly videoUrl?: string
  /** When the job was created, in ms of the fake's clock. */
  readonly createdAt: number
  /** The last accepted upload. */
  readonly upload?: FakeUpload
  /** The JSON body sent to start. */
  readonly options?: Readonly<Record<string, unknown>>
  /** The `background` of the start; undefined before the start, or when the start sent none (green screen). */
  readonly background?: FakeBackground
  /** The `webhook_url` of the start, if any. */
  readonly webhookUrl?: string
  /** Set at start when a background was given, as the API does. */
  readonly exportId?: string
  /** When the start took effect, in ms of the fake's clock. */
  readonly startedAt?: number
  /** Seconds of video, set at start (`videoLengthSeconds`). */
  readonly lengthSeconds?: number
  /** Credits charged at start; back to 0 once a failed job is refunded. */
  readonly creditsUsed: number
  /** The status message: progress, success, or the failure reason. */
  readonly message?: string
  /** The webhook deliveries recorded for this job (none without a `webhookUrl`). */
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
