import * as z from 'zod/mini'
import type { TransparentName } from './formats'

/** A known value or any other string the API may add later. */
type Open<T extends string> = T | (string & {})

// The browser budget (15 KB for the client and Video, zod included) leaves room for few zod kinds: looseObject,
// custom, optional and nullable. Plain type tests through z.custom cost about 0.3 KB less than string() and
// number(), whose checks machinery these schemas do not use.
const string = () => z.custom<string>((value) => typeof value === 'string', 'expected a string')
const number = () => z.custom<number>((value) => Number.isFinite(value), 'expected a number')
const optional = <T extends z.core.SomeType>(schema: T) => z.optional(z.nullable(schema))
const openEnum = <T extends string>() => string() as unknown as z.ZodMiniType<Open<T>>

export type JobStatusValue = Open<'created' | 'uploaded' | 'processing' | 'completed' | 'failed'>
export type TransparentFormat = Open<TransparentName>
export type ModelName = Open<
  'videobgremover-original' | 'videobgremover-light' | 'videobgremover-pro' | 'videobgremover-human'
>

const looseRecord = z.looseObject({})

export const creditsSchema = z.looseObject({
  user_id: optional(string()),
  total_credits: number(),
  remaining_credits: number(),
  used_credits: number(),
})

/** The balance as the docs show it: camelCase, other fields kept. */
export function toCredits({ total_credits, remaining_credits, used_credits, user_id, ...rest }: z.infer<typeof creditsSchema>) {
  return {
    ...rest,
    totalCredits: total_credits,
    remainingCredits: remaining_credits,
    usedCredits: used_credits,
    ...(user_id == null ? {} : { userId: user_id }),
  }
}
export type Credits = ReturnType<typeof toCredits>

export const fileJobSchema = z.looseObject({
  id: string(),
  status: optional(openEnum<JobStatusValue>()),
  filename: optional(string()),
  content_type: optional(string()),
  upload_url: string(),
  expires_at: optional(string()),
  created_at: optional(string()),
  instructions: optional(
    z.looseObject({
      method: optional(string()),
      headers: optional(looseRecord),
      note: optional(string()),
    }),
  ),
})
export type FileJob = z.infer<typeof fileJobSchema>

export const urlJobSchema = z.looseObject({
  id: string(),
  status: optional(openEnum<JobStatusValue>()),
  message: optional(string()),
})
export type UrlJob = z.infer<typeof urlJobSchema>

export const startJobResponseSchema = z.looseObject({
  id: string(),
  status: optional(openEnum<JobStatusValue>()),
  export_id: optional(string()),
  created_at: optional(string()),
  creditsUsed: optional(number()),
  credits_used: optional(number()),
  video_length_seconds: optional(number()),
  background: optional(looseRecord),
})

/** The docs spell it `creditsUsed`, an SDK mock `credits_used`: both land in `creditsUsed`. */
export const withCreditsUsed = (wire: z.infer<typeof startJobResponseSchema>) => ({
  ...wire,
  creditsUsed: wire.creditsUsed ?? wire.credits_used,
})
export type StartJobResponse = ReturnType<typeof withCreditsUsed>

export const jobStatusSchema = z.looseObject({
  id: string(),
  status: openEnum<JobStatusValue>(),
  filename: optional(string()),
  created_at: optional(string()),
  export_id: optional(string()),
  length_seconds: optional(number()),
  thumbnail_url: optional(string()),
  transparent_thumbnail_url: optional(string()),
  processed_video_url: optional(string()),
  processed_mask_url: optional(string()),
  message: optional(string()),
  background: optional(looseRecord),
  output_format: optional(string()),
  source_video_url: optional(string()),
  error: optional(string()),
})
export type JobStatus = z.infer<typeof jobStatusSchema>

export const deleteJobResponseSchema = z.looseObject({
  id: string(),
  message: optional(string()),
})
export type DeleteJobResponse = z.infer<typeof deleteJobResponseSchema>

const deliverySchema = z.looseObject({
  event_type: openEnum<'job.started' | 'job.completed' | 'job.failed'>(),
  webhook_url: optional(string()),
  attempt_number: optional(number()),
  delivery_status: optional(string()),
  http_status_code: optional(number()),
  error_message: optional(string()),
  scheduled_at: optional(string()),
  delivered_at: optional(string()),
  payload: optional(looseRecord),
  created_at: optional(string()),
})

export const webhookDeliveriesSchema = z.looseObject({
  video_id: string(),
  total_deliveries: number(),
  // Each item is checked as z.array would check it, without z.array's weight (about 0.3 KB).
  deliveries: z.custom<z.infer<typeof deliverySchema>[]>(
    (value) => Array.isArray(value) && value.every((item) => deliverySchema.safeParse(item).success),
    'expected an array of deliveries',
  ),
})
export type WebhookDeliveries = z.infer<typeof webhookDeliveriesSchema>

export interface ColorBackground {
  type: 'color'
  color: string
}
export interface TransparentBackground {
  type: 'transparent'
  transparent_format?: TransparentFormat
}
export interface CompositionBackground {
  type: 'composition'
  composition: {
    template?: Open<'ai_ugc_ad' | 'centered' | 'fullscreen' | 'picture_in_picture'>
    background_type?: Open<'video' | 'image'>
    background_url?: string
    background_audio_enabled?: boolean
    background_audio_volume?: number
    export_format?: Open<'h264'>
    export_preset?: string
    export_crf?: number
    [key: string]: unknown
  }
}
export type Background = ColorBackground | TransparentBackground | CompositionBackground

/** The body of `POST /v1/jobs/{id}/start`; unset fields are left out. */
export interface StartJobOptions {
  background?: Background
  model?: ModelName
  format?: Open<'mp4'>
  webhook_url?: string
}

export interface CreateJobFileParams {
  filename: string
  content_type: Open<'video/mp4' | 'video/mov' | 'video/webm'>
}

export interface CreateJobUrlParams {
  video_url: string
}
