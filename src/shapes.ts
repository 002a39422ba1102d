/**
 * The shape each answer of the API is read with under the tolerance policy (core/tolerance.ts): `required` lists the
 * only fields a call fails without; the rest are coerced or dropped.
 */
import { isRecord, optionalField, type IgnoreField, type ResponseShape } from './core/tolerance'
import type { Credits, DeleteJobResponse, FileJob, JobStatus, StartJobResponse, UrlJob, WebhookDeliveries } from './schemas'

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
  optional: {
    status: 'string',
    filename: 'string',
    content_type: 'string',
    expires_at: 'timestamp',
    created_at: 'timestamp',
    instructions: 'object',
  },
  finish: (job, ignore) => {
    if (!job.instructions) return job as unknown as FileJob
    const { headers, ...instructions } = job.instructions as Record<string, unknown>
    const known = {
      method: optionalField('instructions.method', 'string', instructions.method, ignore),
      headers: headerValues(headers, ignore),
    }
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
  finish: ({ credits_used, ...wire }) =>
    withoutUndefined({ ...wire, creditsUsed: wire.creditsUsed ?? credits_used }) as unknown as StartJobResponse,
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
      const fields = Object.entries(deliveryFields).map(([field, kind]) => [
        field,
        optionalField(`deliveries.${index}.${field}`, kind, item[field], ignore),
      ])
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
