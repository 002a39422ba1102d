/**
 * What the API answers, as the SDK returns it, and the shape each answer is read with under the tolerance policy
 * (core/tolerance.ts): `required` lists the only fields a call fails without.
 */
import { isRecord, optionalField, type IgnoreField, type ResponseShape } from './core/tolerance'
import type { TransparentName } from './formats'

/** A known value, or any other string the API may add later. */
export type Open<T extends string> = T | (string & {})

/** A job's status: `created` → `uploaded` → `processing` → `completed` or `failed`. */
export type JobStatusValue = Open<'created' | 'uploaded' | 'processing' | 'completed' | 'failed'>
/** A transparent output format (`webm_vp9`, `mov_prores`, …); see `Prefer`. */
export type TransparentFormat = Open<TransparentName>
/** A model name; see `Model`. */
export type ModelName = Open<'videobgremover-original' | 'videobgremover-light' | 'videobgremover-pro' | 'videobgremover-human'>

/** The credit balance (1 credit = 1 second of video), camelCase as the docs show it; unknown fields are kept. */
export interface Credits {
  totalCredits: number
  remainingCredits: number
  usedCredits: number
  userId?: string
}

/** How to upload to `upload_url`: the method and the exact headers the signature covers. */
export interface UploadInstructions {
  /** `PUT`. */
  method?: string
  /** Headers to send with the bytes (`Content-Type` equal to the declared type). */
  headers?: Record<string, string>
  note?: string
}

/** A job created for a file upload: PUT the bytes to `upload_url` before `expires_at`, then start it. */
export interface FileJob {
  id: string
  /** The signed URL to PUT the video to (about an hour). */
  upload_url: string
  status?: JobStatusValue
  filename?: string
  content_type?: string
  /** When `upload_url` stops working (ISO 8601, UTC). */
  expires_at?: string
  created_at?: string
  instructions?: UploadInstructions
}

/** A job created from a public URL, which the API has downloaded: start it next. */
export interface UrlJob {
  id: string
  status?: JobStatusValue
  message?: string
}

/** The answer to a start: processing began and credits were charged. */
export interface StartJobResponse {
  id: string
  status?: JobStatusValue
  /** Present when a background was given. */
  export_id?: string
  created_at?: string
  /** Credits charged (the docs say `creditsUsed`, an SDK mock `credits_used`; both land here). */
  creditsUsed?: number
  /** Seconds of video, which is also the credits charged. */
  video_length_seconds?: number
  /** Echo of the start options' background. */
  background?: Record<string, unknown>
}

/** A job's status; once `completed`, signed result URLs valid for about an hour. */
export interface JobStatus {
  id: string
  status: JobStatusValue
  filename?: string
  created_at?: string
  export_id?: string
  /** Seconds of video, which is also the credits charged. */
  length_seconds?: number
  thumbnail_url?: string
  transparent_thumbnail_url?: string
  /** The main output: its format is `output_format`. */
  processed_video_url?: string
  /** A greyscale mask video (white = foreground), when the format has one. */
  processed_mask_url?: string
  /** Progress or failure text, e.g. "Processing video with red background". */
  message?: string
  /** Echo of the start options' background. */
  background?: Record<string, unknown>
  output_format?: string
  source_video_url?: string
  /** The failure reason of a `failed` job, when given apart from `message`. */
  error?: string
}

/** The answer to `deleteJob`: the API may send no body, so only what it did send is here. */
export interface DeleteJobResponse {
  id: string
  message?: string
}

/** One webhook delivery attempt, as the API records it. */
export interface WebhookDelivery {
  event_type: Open<'job.started' | 'job.completed' | 'job.failed'>
  webhook_url?: string
  attempt_number?: number
  delivery_status?: string
  http_status_code?: number
  error_message?: string
  scheduled_at?: string
  delivered_at?: string
  /** The body that was sent. */
  payload?: Record<string, unknown>
  created_at?: string
}

/** The webhook delivery history of one job. */
export interface WebhookDeliveries {
  video_id: string
  total_deliveries: number
  deliveries: WebhookDelivery[]
}

/** A solid colour instead of transparency (MP4 output). */
export interface ColorBackground {
  type: 'color'
  /** `#RRGGBB`. */
  color: string
}
/** A transparent output in the given format (default `webm_vp9`). */
export interface TransparentBackground {
  type: 'transparent'
  transparent_format?: TransparentFormat
}
/** Server-side compositing over an image or video (H.264 MP4 output). */
export interface CompositionBackground {
  type: 'composition'
  composition: {
    /** `ai_ugc_ad`, `centered`, `fullscreen` or `picture_in_picture`. */
    template?: Open<'ai_ugc_ad' | 'centered' | 'fullscreen' | 'picture_in_picture'>
    background_type?: Open<'video' | 'image'>
    /** A public URL of the background image or video. */
    background_url?: string
    background_audio_enabled?: boolean
    /** 0 to 1. */
    background_audio_volume?: number
    export_format?: Open<'h264'>
    export_preset?: string
    export_crf?: number
    [key: string]: unknown
  }
}
/** The `background` of a start: a colour, a transparent format, or a composition. */
export type JobBackground = ColorBackground | TransparentBackground | CompositionBackground

/** The body of `POST /v1/jobs/{id}/start`; unset fields are left out. Without `background`: green screen. */
export interface StartJobOptions {
  background?: JobBackground
  model?: ModelName
  format?: Open<'mp4'>
  /** Receives `job.started`, `job.completed` and `job.failed`; put an unguessable token in its query. */
  webhook_url?: string
}

/** The body of `createJobFile`. */
export interface CreateJobFileParams {
  /** The video's file name, e.g. `clip.mp4`. */
  filename: string
  /** The type the upload will declare: `video/mp4`, `video/mov` or `video/webm`. */
  content_type: Open<'video/mp4' | 'video/mov' | 'video/webm'>
}

/** The body of `createJobUrl`. */
export interface CreateJobUrlParams {
  /** A public http(s) URL of the video; the API downloads it during the call. */
  video_url: string
}

export const creditsShape: ResponseShape<Credits> = {
  required: { total_credits: 'number', remaining_credits: 'number', used_credits: 'number' },
  optional: { user_id: 'string' },
  finish: ({ total_credits, remaining_credits, used_credits, user_id, ...rest }) => ({
    ...rest,
    totalCredits: total_credits as number,
    remainingCredits: remaining_credits as number,
    usedCredits: used_credits as number,
    ...(user_id === undefined ? {} : { userId: user_id as string }),
  }),
}

export const fileJobShape: ResponseShape<FileJob> = {
  required: { id: 'string', upload_url: 'string' },
  optional: { status: 'string', filename: 'string', content_type: 'string', expires_at: 'timestamp', created_at: 'timestamp', instructions: 'object' },
  finish: (job, ignore) => {
    if (!job.instructions) return job as unknown as FileJob
    const { headers, ...instructions } = job.instructions as Record<string, unknown>
    const known = { method: optionalField('instructions.method', 'string', instructions.method, ignore), headers: headerValues(headers, ignore) }
    return { ...job, instructions: { ...instructions, ...withoutUndefined(known) } } as unknown as FileJob
  },
}

export const urlJobShape: ResponseShape<UrlJob> = {
  required: { id: 'string' },
  optional: { status: 'string', message: 'string' },
}

export const startJobShape: ResponseShape<StartJobResponse> = {
  required: { id: 'string' },
  optional: {
    status: 'string',
    export_id: 'string',
    created_at: 'timestamp',
    creditsUsed: 'number',
    credits_used: 'number',
    video_length_seconds: 'number',
    background: 'object',
  },
  finish: ({ credits_used, ...wire }) => withoutUndefined({ ...wire, creditsUsed: wire.creditsUsed ?? credits_used }) as unknown as StartJobResponse,
}

export const jobStatusShape: ResponseShape<JobStatus> = {
  required: { id: 'string', status: 'string' },
  optional: {
    filename: 'string',
    created_at: 'timestamp',
    export_id: 'string',
    length_seconds: 'number',
    thumbnail_url: 'string',
    transparent_thumbnail_url: 'string',
    processed_video_url: 'string',
    processed_mask_url: 'string',
    message: 'string',
    background: 'object',
    output_format: 'string',
    source_video_url: 'string',
    error: 'string',
  },
}

export const deleteJobShape: ResponseShape<Partial<DeleteJobResponse>> = {
  required: {},
  optional: { id: 'string', message: 'string' },
}

const deliveryFields = {
  webhook_url: 'string',
  attempt_number: 'number',
  delivery_status: 'string',
  http_status_code: 'number',
  error_message: 'string',
  scheduled_at: 'timestamp',
  delivered_at: 'timestamp',
  payload: 'object',
  created_at: 'timestamp',
} as const

export const webhookDeliveriesShape: ResponseShape<WebhookDeliveries> = {
  required: { video_id: 'string' },
  optional: { total_deliveries: 'number' },
  finish: (body, ignore) => {
    const items = Array.isArray(body.deliveries) ? body.deliveries : []
    if (body.deliveries !== undefined && !Array.isArray(body.deliveries)) ignore('deliveries', 'expected an array')
    const deliveries = items.flatMap((item: unknown, index) => {
      if (!isRecord(item) || typeof item.event_type !== 'string') {
        ignore(`deliveries.${index}`, 'expected a delivery with an event_type')
        return []
      }
      const fields = Object.entries(deliveryFields).map(([field, kind]) => [field, optionalField(`deliveries.${index}.${field}`, kind, item[field], ignore)])
      return [withoutUndefined({ ...item, ...Object.fromEntries(fields) })]
    })
    return { ...body, total_deliveries: body.total_deliveries ?? deliveries.length, deliveries } as unknown as WebhookDeliveries
  },
}

/** Signed-upload headers as strings: a number is sent as its digits, anything else is dropped. */
function headerValues(headers: unknown, ignore: IgnoreField): Record<string, string> | undefined {
  if (headers === undefined || headers === null) return undefined
  if (!isRecord(headers)) return void ignore('instructions.headers', 'expected an object')
  const values: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string' || typeof value === 'number') values[name] = String(value)
    else ignore(`instructions.headers.${name}`, 'expected a string')
  }
  return values
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T
}
