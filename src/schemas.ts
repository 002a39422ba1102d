/**
 * How the SDK reads what the API answers: the tolerance policy (below) and the shape of each answer (at the end).
 * The result types themselves are in types.ts.
 */
import * as z from 'zod/mini'
import type { Credits, DeleteJobResponse, FileJob, JobStatus, StartJobResponse, UrlJob, WebhookDeliveries } from './types'
/**
 * The tolerance policy, applied to every response body: the API drifts (fields retyped, added, dropped), and a
 * call must not fail over a field the SDK can do without.
 * - *required* fields are the few without which the SDK cannot go on; missing or unusable, they fail the call
 *   with `invalid_response` naming the field (checked with zod);
 * - every other known field is coerced where the meaning is unambiguous (a numeric string is a number, a
 *   timestamp without a zone is UTC) and otherwise dropped, with one `warn` line naming it; `null` is absence;
 * - unknown fields are kept as they came; statuses and formats stay open strings.
 */
export type FieldKind = 'string' | 'number' | 'timestamp' | 'object' | 'boolean'

/** One response type: its known fields and their kinds, and what the method returns from the checked body. */
export interface ResponseShape<T> {
  required: Readonly<Record<string, FieldKind>>
  optional: Readonly<Record<string, FieldKind>>
  /** Turns the checked body into the method's result (defaults to the body itself). */
  finish?: (body: Record<string, unknown>, ignore: IgnoreField) => T
}

/** Reports an optional field that was dropped: its path and why. */
export type IgnoreField = (field: string, problem: string) => void

export type ReadResult<T> = { ok: true; value: T } | { ok: false; problem: string }

const NUMERIC = /^\s*-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i
const ZONELESS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** `value` as `kind`, coerced where that is unambiguous; undefined when it cannot be. */
function coerce(kind: FieldKind, value: unknown): unknown {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? value : undefined
    case 'number': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && NUMERIC.test(value) ? Number(value) : Number.NaN
      return Number.isFinite(number) ? number : undefined // "1e400" is a numeric string, but not a number anyone meant
    }
    case 'timestamp':
      if (typeof value !== 'string') return undefined
      // Date.parse reads a zoneless date-time as local time: the API's clock is UTC.
      return ZONELESS.test(value.trim()) ? `${value.trim()}Z` : value
    case 'object':
      return isRecord(value) ? value : undefined
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined
  }
}

const describeValue = (value: unknown) =>
  Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value === 'string' ? `"${value.slice(0, 40)}"` : typeof value

const KIND_CHECKS: Record<FieldKind, z.ZodMiniType> = {
  string: z.custom<string>((value) => typeof value === 'string' && value !== '', 'expected a non-empty string'),
  number: z.custom<number>((value) => typeof value === 'number' && Number.isFinite(value), 'expected a number'),
  timestamp: z.custom<string>((value) => typeof value === 'string', 'expected a timestamp'),
  object: z.custom<object>(isRecord, 'expected an object'),
  boolean: z.custom<boolean>((value) => typeof value === 'boolean', 'expected a boolean'),
}

const requiredSchemas = new WeakMap<object, z.ZodMiniType>()

/** The zod schema of a shape's required fields, built once. */
function requiredSchema(shape: ResponseShape<unknown>): z.ZodMiniType {
  let schema = requiredSchemas.get(shape)
  if (!schema) {
    schema = z.looseObject(Object.fromEntries(Object.entries(shape.required).map(([field, kind]) => [field, KIND_CHECKS[kind]])))
    requiredSchemas.set(shape, schema)
  }
  return schema
}

/** Reads `body` as `shape` under the tolerance policy; `ignore` hears of each optional field dropped. */
export function readResponse<T>(shape: ResponseShape<T>, body: unknown, ignore: IgnoreField): ReadResult<T> {
  if (!isRecord(body)) return { ok: false, problem: `expected a JSON object, got ${describeValue(body)}` }
  const checked: Record<string, unknown> = { ...body }
  for (const [field, kind] of Object.entries(shape.required)) {
    const value = coerce(kind, body[field])
    if (value !== undefined) checked[field] = value
  }
  const result = requiredSchema(shape).safeParse(checked)
  if (!result.success) {
    return {
      ok: false,
      problem: result.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        .join('; '),
    }
  }
  for (const [field, kind] of Object.entries(shape.optional)) {
    checked[field] = optionalField(field, kind, body[field], ignore)
    if (checked[field] === undefined) delete checked[field]
  }
  return { ok: true, value: shape.finish ? shape.finish(checked, ignore) : (checked as T) }
}

/** An optional field under the policy: absent or null → undefined; unusable → undefined, reported. */
export function optionalField(field: string, kind: FieldKind, value: unknown, ignore: IgnoreField): unknown {
  if (value === undefined || value === null) return undefined
  const coerced = coerce(kind, value)
  if (coerced === undefined) ignore(field, `expected ${kind === 'object' ? 'an object' : `a ${kind}`}, got ${describeValue(value)}`)
  return coerced
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
