import type { RequestOptions } from './core/http'
import type { LogLevel } from './core/logger'
import { API_KEY_ENV } from './defaults'
import { ValidationError } from './errors'
import { UPLOAD_CONTENT_TYPES } from './formats'
import type { JobJSON } from './job'
import type { CreateJobFileParams, CreateJobUrlParams, StartJobOptions } from './types'

/** Checks that refuse bad input before anything is sent; each error names the field. */

export function checkPositive(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(`${field} must be a positive number, got ${show(value)}`, field)
  }
  return value
}

export function checkNonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(`${field} must be zero or a positive number, got ${show(value)}`, field)
  }
  return value
}

/** A count of something whole and at least one: pixels, frames. */
export function checkPositiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ValidationError(`${field} must be a whole number ≥ 1, got ${show(value)}`, field)
  }
  return value
}

/**
 * The one colour grammar, for the client, the CLI and compose: `#RRGGBB` or `#RRGGBBAA`, the `#` optional. Returns
 * the colour with its `#`, hex digits as given.
 */
export function checkHexColor(value: unknown, field: string): string {
  const digits = typeof value === 'string' ? /^#?([0-9a-f]{6}(?:[0-9a-f]{2})?)$/i.exec(value)?.[1] : undefined
  if (digits === undefined) throw new ValidationError(`${field} must be a #RRGGBB colour, got ${show(value)}`, field)
  return `#${digits}`
}

export function checkNonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ValidationError(`${field} must be a whole number ≥ 0, got ${show(value)}`, field)
  }
  return value
}

/** The key as given, trimmed; undefined when absent. Refuses what fetch would fail on later with a vaguer error. */
export function checkApiKey(apiKey: unknown): string | undefined {
  if (apiKey === undefined) return undefined
  if (typeof apiKey !== 'string') {
    throw new ValidationError(`apiKey must be a string, got ${typeof apiKey}`, 'apiKey')
  }
  if (apiKey.trim() === '') {
    throw new ValidationError(`apiKey is empty: pass your key or leave it out to read ${API_KEY_ENV}`, 'apiKey')
  }
  // A header value cannot hold control characters (a pasted key often ends in a newline inside it).
  if ([...apiKey.trim()].some((char) => char < ' ' || char === '\u007f')) {
    throw new ValidationError('apiKey holds a line break or another control character: copy the key again', 'apiKey')
  }
  return apiKey.trim()
}

const LOG_LEVELS: readonly LogLevel[] = ['off', 'error', 'warn', 'info', 'debug']

export function checkLogLevel(level: LogLevel | undefined): LogLevel | undefined {
  if (level !== undefined && !LOG_LEVELS.includes(level)) {
    throw new ValidationError(`logLevel must be one of ${LOG_LEVELS.join(', ')}`, 'logLevel')
  }
  return level
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

export function checkBaseUrl(value: unknown, allowInsecureHttp = false): string {
  let url: URL
  try {
    url = new URL(String(value))
  } catch {
    throw new ValidationError(`baseUrl must be an absolute URL, got ${show(value)}`, 'baseUrl')
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new ValidationError(`baseUrl must be an https URL without query, fragment or credentials, got ${show(value)}`, 'baseUrl')
  }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname) && !allowInsecureHttp) {
    throw new ValidationError(
      `baseUrl ${url.origin} is plain http off loopback, so the key would travel unencrypted: use https or allowInsecureHttp: true`,
      'baseUrl',
    )
  }
  return url.href.replace(/\/+$/, '')
}

/** A job id: unreserved URL characters only, so no id can reach another endpoint. */
export const JOB_ID_PATTERN = '[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,199}'
const JOB_ID = new RegExp(`^${JOB_ID_PATTERN}$`)

export function checkJobId(value: unknown): string {
  if (typeof value !== 'string' || !JOB_ID.test(value)) {
    throw new ValidationError(`jobId must be the id of a job (letters, digits, '-', '_', '.', '~'), got ${show(value)}`, 'jobId')
  }
  return value
}

/** What `client.job()` takes: a job id, or the object `job.toJSON()` gave (extra fields are ignored). */
export function checkJobHandle(value: unknown): JobJSON {
  if (typeof value === 'string') return { id: checkJobId(value) }
  if (typeof value !== 'object' || value === null) {
    throw new ValidationError(`client.job() takes a job id or what job.toJSON() gave, got ${show(value)}`, 'jobId')
  }
  const fields = value as Record<string, unknown>
  const text = (field: 'format' | 'model' | 'source') => {
    const given = fields[field]
    if (given !== undefined && typeof given !== 'string') {
      throw new ValidationError(`job.${field} must be a string when given, got ${show(given)}`, field)
    }
    return given
  }
  return { id: checkJobId(fields.id), format: text('format'), model: text('model'), source: text('source') }
}

/** What `removeBackground` and `submit` take besides the options, the wait and the source. */
export interface SubmitSettings {
  jobId?: string
  onJobCreated?: unknown
  preflight?: boolean
  maxCredits?: number
}

export function checkSubmitSettings<T extends SubmitSettings>(settings: T): T {
  if (settings.jobId !== undefined) checkJobId(settings.jobId)
  if (settings.onJobCreated !== undefined && typeof settings.onJobCreated !== 'function') {
    throw new ValidationError(`onJobCreated must be a function, got ${show(settings.onJobCreated)}`, 'onJobCreated')
  }
  if (settings.preflight !== undefined && typeof settings.preflight !== 'boolean') {
    throw new ValidationError(`preflight must be true or false, got ${show(settings.preflight)}`, 'preflight')
  }
  if (settings.maxCredits !== undefined) {
    checkPositive(settings.maxCredits, 'maxCredits')
    if (settings.preflight === false) {
      throw new ValidationError('maxCredits needs the preflight, which measures the video: leave preflight on', 'maxCredits')
    }
  }
  return settings
}

export function checkWaitOptions<T extends { pollSeconds?: number; timeout?: number }>(options: T): T {
  if (options.pollSeconds !== undefined) checkPositive(options.pollSeconds, 'pollSeconds')
  if (options.timeout !== undefined) checkPositive(options.timeout, 'timeout')
  return options
}

/**
 * Open enums accept any string the API may add later, but a near miss of a known value (different case, or
 * at most two letters off) is a typo: refused, with the valid values listed.
 */
export function checkKnownValue<T extends string>(value: T, known: readonly string[], field: string): T {
  const valid = typeof value === 'string' && value.trim() !== ''
  if (valid && known.includes(value)) return value
  const typo = valid && known.find((name) => name.toLowerCase() === value.toLowerCase() || editDistance(name, value) <= 2)
  if (valid && !typo) return value
  const hint = typo ? ` Did you mean ${show(typo)}?` : ''
  throw new ValidationError(`${field} ${show(value)} is not valid.${hint} Known values: ${[...new Set(known)].join(', ')}`, field)
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

export function checkRequestOptions(options: RequestOptions = {}): RequestOptions {
  if (options.timeout !== undefined) checkPositive(options.timeout, 'timeout')
  if (options.maxRetries !== undefined) checkNonNegativeInteger(options.maxRetries, 'maxRetries')
  return options
}

export function checkCreateJobFile(params: CreateJobFileParams): CreateJobFileParams {
  if (typeof params?.filename !== 'string' || params.filename.trim() === '') {
    throw new ValidationError('filename must be the video file name, e.g. "clip.mp4"', 'filename')
  }
  if (!UPLOAD_CONTENT_TYPES.includes(params.content_type)) {
    throw new ValidationError(
      `content_type must be one of ${UPLOAD_CONTENT_TYPES.join(', ')} (video/mov for .mov), got ${show(params.content_type)}`,
      'content_type',
    )
  }
  return { filename: params.filename, content_type: params.content_type }
}

export function checkCreateJobUrl(params: CreateJobUrlParams): CreateJobUrlParams {
  if (!parseHttpUrl(params?.video_url)) {
    throw new ValidationError(`video_url must be a public http(s) URL, got ${show(params?.video_url)}`, 'video_url')
  }
  return { video_url: params.video_url }
}

export function checkStartOptions(options: StartJobOptions): StartJobOptions {
  const { background, webhook_url } = options
  if (background !== undefined) {
    if (!['color', 'transparent', 'composition'].includes(background?.type)) {
      throw new ValidationError(
        `background.type must be color, transparent or composition, got ${show(background?.type)}`,
        'background.type',
      )
    }
  }
  if (webhook_url !== undefined && !parseHttpUrl(webhook_url)) {
    throw new ValidationError(`webhook_url must be an http(s) URL, got ${show(webhook_url)}`, 'webhook_url')
  }
  const checked =
    background?.type === 'color'
      ? { ...options, background: { ...background, color: checkHexColor(background.color, 'background.color') } }
      : options
  return Object.fromEntries(Object.entries(checked).filter(([, value]) => value !== undefined && value !== null))
}

function parseHttpUrl(value: unknown): URL | undefined {
  try {
    const url = new URL(String(value))
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
  } catch {
    return undefined
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value)
  return typeof value
}
