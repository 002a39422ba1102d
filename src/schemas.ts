import * as z from 'zod/mini'

/** A known value or any other string the API may add later. */
type Open<T extends string> = T | (string & {})

const optional = <T extends z.core.SomeType>(schema: T) => z.optional(z.nullable(schema))
const openEnum = <T extends string>() => z.string() as unknown as z.ZodMiniType<Open<T>>

export type JobStatusValue = Open<'created' | 'uploaded' | 'processing' | 'completed' | 'failed'>
export type TransparentFormat = Open<
  | 'webm_vp9'
  | 'mov_prores'
  | 'png_sequence'
  | 'pro_bundle'
  | 'stacked_video'
  | 'gif'
  | 'webp'
  | 'lottie'
  | 'mask_video_inverted'
>
export type ModelName = Open<
  'videobgremover-original' | 'videobgremover-light' | 'videobgremover-pro' | 'videobgremover-human'
>

// Only looseObject, array, string, number and optional/nullable: each further zod kind costs bundle size.
const looseRecord = z.looseObject({})

export const creditsSchema = z.looseObject({
  user_id: optional(z.string()),
  total_credits: z.number(),
  remaining_credits: z.number(),
  used_credits: z.number(),
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
  id: z.string(),
  status: optional(openEnum<JobStatusValue>()),
  filename: optional(z.string()),
  content_type: optional(z.string()),
  upload_url: z.string(),
  expires_at: optional(z.string()),
  created_at: optional(z.string()),
  instructions: optional(
    z.looseObject({
      method: optional(z.string()),
      headers: optional(looseRecord),
      note: optional(z.string()),
    }),
  ),
})
export type FileJob = z.infer<typeof fileJobSchema>

export const urlJobSchema = z.looseObject({
  id: z.string(),
  status: optional(openEnum<JobStatusValue>()),
  message: optional(z.string()),
})
export type UrlJob = z.infer<typeof urlJobSchema>

export const startJobResponseSchema = z.looseObject({
  id: z.string(),
  status: optional(openEnum<JobStatusValue>()),
  export_id: optional(z.string()),
  created_at: optional(z.string()),
  creditsUsed: optional(z.number()),
  credits_used: optional(z.number()),
  video_length_seconds: optional(z.number()),
  background: optional(looseRecord),
})

/** The docs spell it `creditsUsed`, an SDK mock `credits_used`: both land in `creditsUsed`. */
export const withCreditsUsed = (wire: z.infer<typeof startJobResponseSchema>) => ({
  ...wire,
  creditsUsed: wire.creditsUsed ?? wire.credits_used,
})
export type StartJobResponse = ReturnType<typeof withCreditsUsed>

export const jobStatusSchema = z.looseObject({
  id: z.string(),
  status: openEnum<JobStatusValue>(),
  filename: optional(z.string()),
  created_at: optional(z.string()),
  export_id: optional(z.string()),
  length_seconds: optional(z.number()),
  thumbnail_url: optional(z.string()),
  transparent_thumbnail_url: optional(z.string()),
  processed_video_url: optional(z.string()),
  processed_mask_url: optional(z.string()),
  message: optional(z.string()),
  background: optional(looseRecord),
  output_format: optional(z.string()),
  source_video_url: optional(z.string()),
  error: optional(z.string()),
})
export type JobStatus = z.infer<typeof jobStatusSchema>

export const deleteJobResponseSchema = z.looseObject({
  id: z.string(),
  message: optional(z.string()),
})
export type DeleteJobResponse = z.infer<typeof deleteJobResponseSchema>

export const webhookDeliveriesSchema = z.looseObject({
  video_id: z.string(),
  total_deliveries: z.number(),
  deliveries: z.array(
    z.looseObject({
      event_type: openEnum<'job.started' | 'job.completed' | 'job.failed'>(),
      webhook_url: optional(z.string()),
      attempt_number: optional(z.number()),
      delivery_status: optional(z.string()),
      http_status_code: optional(z.number()),
      error_message: optional(z.string()),
      scheduled_at: optional(z.string()),
      delivered_at: optional(z.string()),
      payload: optional(looseRecord),
      created_at: optional(z.string()),
    }),
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
