/** What the API answers, as the SDK returns it, and what the SDK sends: the types users see. */
import type { TransparentName } from './formats'

/**
 * A known value, or any other string the API may add later. Editors still suggest the known values, but a value the
 * SDK does not know yet (a new status, model or format) type-checks and passes through unchanged instead of failing.
 */
export type Open<T extends string> = T | (string & {})

/** A job's status: `created` → `uploaded` → `processing` → `completed` or `failed`. */
export type JobStatusValue = Open<'created' | 'uploaded' | 'processing' | 'completed' | 'failed'>
/** A transparent output format (`webm_vp9`, `mov_prores`, …); see `Prefer`. */
export type TransparentFormat = Open<TransparentName>
/** A model name; see `Model`. */
export type ModelName = Open<'videobgremover-original' | 'videobgremover-light' | 'videobgremover-pro' | 'videobgremover-human'>

/** The credit balance (1 credit = 1 second of video), camelCase as the docs show it; unknown fields are kept. */
export interface Credits {
  /** The account's credits in all, used and remaining. */
  totalCredits: number
  /** Credits left to spend: a start needs one per second of video. */
  remainingCredits: number
  /** Credits spent on started jobs so far (failed jobs are not charged). */
  usedCredits: number
  /** The account's user id, when the API sends it. */
  userId?: string
}

/** How to upload to `upload_url`: the method and the exact headers the signature covers. */
export interface UploadInstructions {
  /** The HTTP method: `PUT`. */
  method?: string
  /** Headers to send with the bytes (`Content-Type` equal to the declared type). */
  headers?: Record<string, string>
  /** Free text from the API about the upload; informative only. */
  note?: string
}

/** A job created for a file upload: PUT the bytes to `upload_url` before `expires_at`, then start it. */
export interface FileJob {
  /** The job's id: keep it to upload, start, poll or delete the job. */
  id: string
  /** The signed URL to PUT the video to; it works for about an hour (see `expires_at`). */
  upload_url: string
  /** `created`: the job waits for its upload. */
  status?: JobStatusValue
  /** The file name sent to `createJobFile`, echoed. */
  filename?: string
  /** The declared content type, echoed: the upload must send exactly this `Content-Type`. */
  content_type?: string
  /** When `upload_url` stops working (ISO 8601, UTC). Past it, the only way on is a new job (an unstarted job costs nothing). */
  expires_at?: string
  /** When the job was created (ISO 8601). */
  created_at?: string
  /** The exact upload recipe (method and headers); `client.upload()` follows it for you. */
  instructions?: UploadInstructions
}

/** A job created from a public URL, which the API has downloaded: start it next. */
export interface UrlJob {
  /** The job's id: start it with `startJob(id)`. */
  id: string
  /** `uploaded`: the API has the video and the job is ready to start. */
  status?: JobStatusValue
  /** The API's note, e.g. "Video downloaded successfully". */
  message?: string
}

/** The answer to a start: processing began and credits were charged. */
export interface StartJobResponse {
  /** The job's id. */
  id: string
  /** `processing` after a start that took effect. */
  status?: JobStatusValue
  /** Present when a background was given. */
  export_id?: string
  /** When processing started (ISO 8601). */
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
  /** The job's id. */
  id: string
  /** Where the job is: `created`, `uploaded`, `processing`, then `completed` or `failed`; any other value means "not done yet". */
  status: JobStatusValue
  /** The input's file name. */
  filename?: string
  /** When the job was created (ISO 8601). */
  created_at?: string
  /** The export's id, present when a background was given (not a UUID). */
  export_id?: string
  /** Seconds of video, which is also the credits charged; known once processing has probed the video. */
  length_seconds?: number
  /** A signed `.jpg` thumbnail URL (valid about an hour). */
  thumbnail_url?: string
  /** A signed `.png` thumbnail URL with transparency (valid about an hour). */
  transparent_thumbnail_url?: string
  /**
   * The main output, once `completed`: a signed URL valid about an hour (read the status again for a fresh one).
   * What the file is depends on the format asked for (`.webm`, `.mov`, `.mp4`, `.zip`, `.json`, `.gif`, `.webp`).
   */
  processed_video_url?: string
  /** A greyscale mask video (white = foreground), when the format has one; signed, valid about an hour. */
  processed_mask_url?: string
  /** Progress or failure text, e.g. "Processing video with red background". */
  message?: string
  /** Echo of the start options' background. */
  background?: Record<string, unknown>
  /** The output's format as the API names it, e.g. `mp4`; a free-form string. */
  output_format?: string
  /** The input video's URL, when the API sends it (undocumented by the vendor). */
  source_video_url?: string
  /** The failure reason of a `failed` job, when given apart from `message`. */
  error?: string
}

/** The answer to `deleteJob`: the API may send no body, so only what it did send is here. */
export interface DeleteJobResponse {
  /** The deleted job's id (the one asked for, when the API sent no body). */
  id: string
  /** The API's confirmation, when it sent one. */
  message?: string
}

/** One webhook delivery attempt, as the API records it. */
export interface WebhookDelivery {
  /** The event delivered: `job.started`, `job.completed` or `job.failed`. */
  event_type: Open<'job.started' | 'job.completed' | 'job.failed'>
  /** Where it was sent: the `webhook_url` given at start, token included. */
  webhook_url?: string
  /** 1 for the first attempt; the API retries up to 3 times, 10 seconds apart. */
  attempt_number?: number
  /** `delivered` once your endpoint answered 2xx; other values are not documented by the vendor. */
  delivery_status?: string
  /** The HTTP status your endpoint answered, when it answered. */
  http_status_code?: number
  /** Why the attempt failed, when it did. */
  error_message?: string
  /** When the attempt was due (ISO 8601). */
  scheduled_at?: string
  /** When it was delivered (ISO 8601), once it was. */
  delivered_at?: string
  /** The body that was sent. */
  payload?: Record<string, unknown>
  /** When the record was made (ISO 8601). */
  created_at?: string
}

/** The webhook delivery history of one job. */
export interface WebhookDeliveries {
  /** The job's id (the API names it `video_id`). */
  video_id: string
  /** How many attempts there were, for every event. */
  total_deliveries: number
  /** Every delivery attempt, one record each. */
  deliveries: WebhookDelivery[]
}

/** A solid colour instead of transparency (MP4 output). */
export interface ColorBackground {
  /** Always `color`. */
  type: 'color'
  /** `#RRGGBB`. */
  color: string
}
/** A transparent output in the given format (default `webm_vp9`). */
export interface TransparentBackground {
  /** Always `transparent`. */
  type: 'transparent'
  /** The output format, one of `Prefer` (default `webm_vp9`; the SDK always sends one). */
  transparent_format?: TransparentFormat
}
/** Server-side compositing over an image or video (H.264 MP4 output). */
export interface CompositionBackground {
  /** Always `composition`. */
  type: 'composition'
  /** What to composite the cut-out over, and how to encode it; fields the SDK does not know are sent as given. */
  composition: {
    /**
     * Where the cut-out goes: `ai_ugc_ad` (bottom right, about 35% of the canvas), `centered` (fit inside),
     * `fullscreen` (cover) or `picture_in_picture` (small, in a corner).
     */
    template?: Open<'ai_ugc_ad' | 'centered' | 'fullscreen' | 'picture_in_picture'>
    /** Whether `background_url` is a `video` or an `image`. */
    background_type?: Open<'video' | 'image'>
    /** A public URL of the background image or video. */
    background_url?: string
    /** Mix in the background video's audio. */
    background_audio_enabled?: boolean
    /** The background audio's volume, 0 to 1 (the cut-out's own audio stays at full volume). */
    background_audio_volume?: number
    /** The output codec: `h264` is the only value seen. */
    export_format?: Open<'h264'>
    /** The encoder preset, an x264 preset name such as `medium`. */
    export_preset?: string
    /** The encoder's constant rate factor, e.g. 23: lower is better quality and a larger file. */
    export_crf?: number
    [key: string]: unknown
  }
}
/** The `background` of a start: a colour, a transparent format, or a composition. */
export type JobBackground = ColorBackground | TransparentBackground | CompositionBackground

/** The body of `POST /v1/jobs/{id}/start`; unset fields are left out. Without `background`: green screen. */
export interface StartJobOptions {
  /** What replaces the background: a colour, a transparent format or a composition. Default: green screen (MP4). */
  background?: JobBackground
  /** The model, one of `Model` (default `videobgremover-original`). */
  model?: ModelName
  /** The container of colour, composition and green-screen outputs: `mp4`, the only value (and the default). */
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
