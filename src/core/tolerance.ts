import * as z from 'zod/mini'

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
    case 'number':
      if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
      return typeof value === 'string' && NUMERIC.test(value) ? Number(value) : undefined
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
