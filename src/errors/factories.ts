/**
 * The factories for every failure that is not an API error response (those are `errorFromResponse`'s): each
 * decides the class, code and message of one kind of failure, so no other module builds an error of these classes.
 */
import { redact } from '../core/redact'
import {
  AbortError,
  ApiError,
  ConnectionError,
  FFmpegError,
  InsufficientCreditsError,
  JobStoreError,
  ProcessingError,
  RateLimitError,
  StorageError,
  TimeoutError,
  ValidationError,
  VideoBGRemoverError,
} from './classes'

/** An error's message with its cause's, e.g. `fetch failed (other side closed)`. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) {
    try {
      return String(error)
    } catch {
      return typeof error
    }
  }
  const cause = error.cause instanceof Error ? error.cause.message : undefined
  return cause && !error.message.includes(cause) ? `${error.message} (${cause})` : error.message
}

/** The caller's signal fired: `cause` is its reason. */
export function abortError(signal: AbortSignal | undefined, jobId?: string): AbortError {
  return new AbortError(undefined, { cause: signal?.reason, jobId })
}

/** How a network wait ended, for `networkError`. */
export interface NetworkFailure {
  /** The operation, e.g. `GET /v1/credits (no response)` or `Upload of job …`. */
  what: string
  /** The caller's signal: when it fired, the failure is an abort. */
  signal?: AbortSignal
  /** Whether the operation's own deadline fired, and after how many milliseconds. */
  timedOut: boolean
  timeoutMs?: number
  jobId?: string
  /** Redacted from the message; the cause is dropped when it holds it. */
  secret?: string
}

/** What a failed network wait means: `AbortError` when the caller aborted, `TimeoutError` past the deadline, else `ConnectionError`. */
export function networkError(error: unknown, failure: NetworkFailure): VideoBGRemoverError {
  const { what, jobId, secret } = failure
  if (failure.signal?.aborted) return abortError(failure.signal, jobId)
  if (failure.timedOut) return new TimeoutError(`${what} timed out after ${failure.timeoutMs} ms`, { jobId })
  if (error instanceof VideoBGRemoverError) return error
  const reason = describeError(error)
  const cause = secret && reason.includes(secret) ? {} : { cause: error }
  return new ConnectionError(redact(`${what} failed: ${reason}`, secret), { ...cause, jobId })
}

/** A body cut off at `received` of `expected` bytes. */
export function truncatedBody(what: string, received: number, expected: number, jobId?: string): ConnectionError {
  return new ConnectionError(`${what} ended after ${received} of ${expected} bytes`, { jobId })
}

/** A 2xx whose body the SDK cannot use: not JSON, nested too deep, too large, or missing a field it needs. */
export interface UnusableBody {
  code: 'invalid_json' | 'invalid_response' | 'response_too_large'
  message: string
  status: number
  headers: Record<string, string>
  body?: unknown
  jobId?: string
}

export function unusableBody(details: UnusableBody): ApiError {
  return new ApiError({ ...details, requestId: details.headers['x-request-id'] })
}

/** A redirect from the API, refused so that the key never follows it to another host. */
export function redirectRefused(where: string, status: number, headers: Record<string, string>, jobId?: string): ApiError {
  const target = headers.location ? ` to ${headers.location}` : ''
  return new ApiError({
    status,
    code: 'redirect_refused',
    message: `${where} redirected${target}: not followed, so the key stays with baseUrl's host`,
    headers,
    jobId,
  })
}

/** What the status read that reported a job's failure answered. */
export interface StatusExchange {
  status: number
  headers: Record<string, string>
}

/** A job whose status came back `failed`: the server's message, and the whole status as `body`. */
export function jobFailed(job: { id: string; message?: string | null; error?: unknown }, exchange: StatusExchange): ProcessingError {
  const reason = job.message ?? (typeof job.error === 'string' ? job.error : undefined)
  return new ProcessingError({
    status: exchange.status,
    headers: exchange.headers,
    requestId: exchange.headers['x-request-id'],
    code: 'job_failed',
    message: reason ?? `Job ${job.id} failed`,
    body: job,
    jobId: job.id,
  })
}

/**
 * A batch's job was journaled `starting` (its start sent), yet its status still reads `created` (no video): the batch
 * neither starts it nor replaces it with a second job.
 */
export function startNotTaken(jobId: string): JobStoreError {
  return new JobStoreError(
    `Job ${jobId} was sent its start, yet its status reads created (no video): it was not started again, and no second job was created. Check it with \`vbr status ${jobId}\`; rerun with retryFailed to process the input as a new job`,
    'job_unconfirmed',
    jobId,
  )
}

/**
 * A batch's job was journaled `uploaded`, yet its status reads `created`, and its upload URL is gone or expiring: the
 * batch does not replace it with a second job.
 */
export function uploadNotTaken(jobId: string): JobStoreError {
  return new JobStoreError(
    `Job ${jobId} was journaled as uploaded, yet its status reads created, and its upload URL has expired: no second job was created. Rerun with retryFailed to process the input as a new job`,
    'job_unconfirmed',
    jobId,
  )
}

/**
 * A batch's job, started, still reads `status` (before the start: `created` or `uploaded`) `polls` times in a row: the
 * batch stops waiting for it, leaving its record for a rerun to read again by id.
 */
export function jobStuck(jobId: string, status: string, polls: number): JobStoreError {
  return new JobStoreError(
    `Job ${jobId} was started, yet its status read ${status} ${polls} times in a row: the batch stopped waiting for it. Its journal record is kept: a rerun reads it again by id (and never starts it twice)`,
    'job_unconfirmed',
    jobId,
  )
}

/** A batch's start was refused with 429 `refusals` times in a row; `last` is the last refusal. Nothing was started. */
export function startsRateLimited(jobId: string, refusals: number, last: RateLimitError): RateLimitError {
  return new RateLimitError({
    status: last.status,
    code: last.code,
    message: `The start of job ${jobId} was refused with 429 ${refusals} times in a row (last: ${last.message}); it was not started: rerun the batch to start it (is another process using the key's start limit?)`,
    headers: last.headers,
    body: last.body,
    jobId,
    ...(last.requestId === undefined ? {} : { requestId: last.requestId }),
    ...(last.retryAfterMs === undefined ? {} : { retryAfterMs: last.retryAfterMs }),
  })
}

/** `wait()` could not read the job's status `failures` times in a row; the job itself goes on. */
export function statusUnreadable(jobId: string, failures: number, last: unknown): ConnectionError {
  return new ConnectionError(
    `The status of job ${jobId} could not be read ${failures} times in a row (last: ${describeError(last)}); it may still finish: wait again`,
    { cause: last, jobId },
  )
}

/** `wait()` ran past its `timeout` (seconds); the job itself goes on. */
export function waitTimedOut(jobId: string, timeoutSeconds: number | undefined, lastStatus?: { status: string }): TimeoutError {
  const seen = lastStatus ? ` (last status: ${lastStatus.status})` : ''
  return new TimeoutError(`Job ${jobId} did not finish within ${timeoutSeconds} s${seen}; it may still: wait again, do not start anew`, {
    jobId,
    lastStatus,
  })
}

const CODE_BY_STORAGE_CODE = new Map<string, [code: string, hint: string]>([
  ['ExpiredToken', ['url_expired', 'the signed URL has expired']],
  ['SignatureDoesNotMatch', ['signature_mismatch', 'the signature does not match (is Content-Type the one declared?)']],
])

/** A refusal from the storage host (signed upload or download), whose bodies are S3-style XML. */
export function storageRefused(status: number, text: string, jobId: string | undefined): StorageError {
  const [code, hint] = CODE_BY_STORAGE_CODE.get(/<Code>([^<]+)</.exec(text)?.[1] ?? '') ?? [
    status >= 500 ? 'storage_error' : 'storage_rejected',
    /<Message>([^<]+)</.exec(text)?.[1] ?? `status ${status}`,
  ]
  return new StorageError({ status, code, message: `Storage refused job ${jobId}'s transfer: ${hint}`, body: text, jobId })
}

/** A storage URL (or a redirect to one) that the storage URL policy refuses; nothing was sent to it. */
export function storageUrlRefused(url: string, reason: string, jobId: string | undefined): StorageError {
  const shown = url.length > 80 ? `${url.slice(0, 80)}…` : url
  return new StorageError({ code: 'storage_url_refused', message: `Refused the storage URL ${JSON.stringify(shown)}: ${reason}`, jobId })
}

/** A storage host that redirected a transfer the SDK does not follow (uploads), or past the hops it follows (downloads). */
export function storageRedirectRefused(status: number | undefined, why: string, jobId: string | undefined): StorageError {
  const message = `Storage redirected job ${jobId}'s transfer: ${why}`
  return new StorageError({ ...(status === undefined ? {} : { status }), code: 'redirect_refused', message, jobId })
}

/** The signed upload URL expired before the upload started: nothing was sent. */
export function uploadUrlExpired(jobId: string, expiresAt: string): StorageError {
  return new StorageError({
    code: 'upload_url_expired',
    message: `The upload URL of job ${jobId} expired at ${expiresAt}: create a new job (an unstarted one costs nothing)`,
    jobId,
  })
}

/**
 * A job resumed at `created` whose signed upload URL is unknown here: the API hands it out only when the job is
 * created, and has no call that gives a fresh one. Nothing was sent to storage.
 */
export function uploadUrlUnknown(jobId: string): StorageError {
  return new StorageError({
    code: 'upload_url_unknown',
    message: `Job ${jobId} is still waiting for its video, and its upload URL is unknown here (the API gives it only when the job is created, to the process that created it): create a new job (an unstarted one costs nothing)`,
    jobId,
  })
}

/** `job.result()` on a job that has not started: only its video can take it further. */
export function jobNotStarted(jobId: string, status: string): ValidationError {
  const error = new ValidationError(
    `Job ${jobId} has not started (status ${status}), so it has no result to wait for: pass its video to finish it, Video.open(source).removeBackground({ client, jobId })`,
    'source',
  )
  error.jobId = jobId
  return error
}

/** What a preflight measured: the credits the video needs, and the duration they come from (seconds). */
export interface PreflightEstimate {
  requiredCredits: number
  durationSeconds: number
}

const describeEstimate = ({ requiredCredits, durationSeconds }: PreflightEstimate) =>
  `This ${Math.round(durationSeconds * 100) / 100} s video needs ${requiredCredits} credits (1 per started second)`

/**
 * The preflight found the balance short. Not an answer of the API (the credits read succeeded), so `status` is 0
 * rather than a 402 the server never sent. Nothing was created or uploaded.
 */
export function creditsShort(estimate: PreflightEstimate, remainingCredits: number): InsufficientCreditsError {
  return new InsufficientCreditsError({
    status: 0,
    code: 'preflight_insufficient_credits',
    message: `${describeEstimate(estimate)}; ${remainingCredits} are left. Nothing was created or uploaded: top up, or pass preflight: false to let the API decide at the start`,
    remainingCredits,
    requiredCredits: estimate.requiredCredits,
  })
}

/** The video would cost more than the call's `maxCredits`: refused with nothing sent at all. */
export function overMaxCredits(estimate: PreflightEstimate, maxCredits: number): InsufficientCreditsError {
  return new InsufficientCreditsError({
    status: 0,
    code: 'preflight_max_credits',
    message: `${describeEstimate(estimate)}, over maxCredits (${maxCredits}). Nothing was sent`,
    requiredCredits: estimate.requiredCredits,
  })
}

/** Writing a downloaded result to disk failed (the download itself may have been fine). */
export function saveFailed(jobId: string, path: string, cause: unknown): VideoBGRemoverError {
  if (cause instanceof VideoBGRemoverError) return cause
  return new VideoBGRemoverError(`Saving job ${jobId} to ${JSON.stringify(path)} failed: ${describeError(cause)}`, { cause, jobId })
}

/** The error for a run that exited with `code`, its message ending with the last lines of `stderr`. */
export function toolFailed(tool: 'ffmpeg' | 'ffprobe', code: number | null, stderr: string): FFmpegError {
  return new FFmpegError(`${tool} exited with code ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}`, code, stderr)
}

/** The client's `rateLimit.store` failed to answer (Redis down, say): the request was not sent. */
export function rateLimitStoreFailed(error: unknown, jobId?: string): VideoBGRemoverError {
  if (error instanceof VideoBGRemoverError) return error
  return new ConnectionError(`rateLimit.store failed; nothing sent: ${describeError(error)}`, { cause: error, jobId })
}

/** Another process (alive, on this host) holds the journal file at `path`. */
export function journalLocked(path: string, holder: string): JobStoreError {
  return new JobStoreError(
    `The journal ${JSON.stringify(path)} is in use by ${holder}: run one batch per journal file at a time, or share a redisJobStore between workers`,
    'journal_locked',
  )
}

/** The file at `path` is not a batch journal: refused rather than appended to. */
export function journalUnreadable(path: string, reason: string): JobStoreError {
  return new JobStoreError(`${JSON.stringify(path)} is not a batch journal (${reason}): choose another path`, 'journal_unreadable')
}

/**
 * `worker` wrote (or was about to start) the record of `key` without holding its claim: its lease expired, and `holder`
 * (if anyone) claimed it since. The write was refused.
 */
export function leaseLost(key: string, worker: string | undefined, holder: string | undefined): JobStoreError {
  const since = holder === undefined ? 'its lease expired' : `worker ${holder} claimed it after this one's lease expired`
  return new JobStoreError(`Worker ${worker ?? '(unnamed)'} no longer holds input ${key.slice(0, 12)}…: ${since}`, 'lease_lost')
}

/** A batch's preflight: its inputs' estimated total, and how many inputs it covers. */
export interface BatchEstimate {
  requiredCredits: number
  /** Inputs still to start whose duration was read. */
  inputs: number
  /** Inputs still to start whose duration could not be read (not counted). */
  unknown: number
}

const describeBatch = ({ requiredCredits, inputs, unknown }: BatchEstimate) =>
  `The batch's ${inputs} input${inputs === 1 ? '' : 's'} still to start need ${requiredCredits} credits (1 per started second)${unknown ? `, plus ${unknown} of unknown length` : ''}`

/** The balance cannot pay for a whole batch: refused before any upload, with nothing created. */
export function batchCreditsShort(estimate: BatchEstimate, remainingCredits: number): InsufficientCreditsError {
  return new InsufficientCreditsError({
    status: 0,
    code: 'preflight_insufficient_credits',
    message: `${describeBatch(estimate)}; ${remainingCredits} are left. Nothing was created or uploaded: top up, or run fewer inputs`,
    remainingCredits,
    requiredCredits: estimate.requiredCredits,
  })
}

/**
 * A whole batch would cost more than its `maxCredits`, or holds inputs whose duration could not be read (so that
 * `maxCredits` cannot be kept): refused before any upload, with nothing created.
 */
export function batchOverMaxCredits(estimate: BatchEstimate, maxCredits: number, remainingCredits?: number): InsufficientCreditsError {
  const reason =
    estimate.requiredCredits > maxCredits
      ? `over maxCredits (${maxCredits})`
      : `and maxCredits (${maxCredits}) cannot bound the ${estimate.unknown} whose duration could not be read (a URL, an unknown container): not counted, they are refused rather than risked: process them in a batch without maxCredits`
  return new InsufficientCreditsError({
    status: 0,
    code: 'preflight_max_credits',
    message: `${describeBatch(estimate)}, ${reason}. Nothing was created or uploaded`,
    requiredCredits: estimate.requiredCredits,
    ...(remainingCredits === undefined ? {} : { remainingCredits }),
  })
}
