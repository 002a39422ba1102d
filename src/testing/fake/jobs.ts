import type { FakeApiOptions } from './api'
import { iso, isObject, randomHex, type Reply } from './http'
import { snapshot, type FakeBackground, type FakeJob, type FakeJobStatus, type FakeWebhookDelivery, type JobState } from './job-state'
import { extensionOf, outputFormat } from './results'
import type { Route } from './routes'
import { grant, resultUrl, signedUrl } from './storage'

// The upload `content_type` enum of api-contract.md §4.2, kept here rather than imported from the SDK on purpose:
// the fake is the independent witness that catches a wrong table in the SDK.
const VIDEO_CONTENT_TYPES = new Set(['video/mp4', 'video/mov', 'video/webm'])

/**
 * The fake's jobs and credits, and the API endpoints that act on them (credits, create, start, status, delete,
 * webhook deliveries). A job moves `created` → `uploaded` → `processing` → `completed` or `failed`; processing ends
 * when the clock passes its finish time and someone looks (`settle`), so no timer is ever left running.
 */
export class JobBook {
  /** Remaining credits, shared by every key. */
  balance: number
  private used = 0
  private readonly userId = crypto.randomUUID()
  private readonly jobs = new Map<string, JobState>()
  private readonly processing = new Map<JobState, { finishesAt: number; failure?: string }>()
  private readonly startCounts = new Map<string, number>()

  constructor(
    private readonly options: FakeApiOptions,
    private readonly now: () => number,
    private readonly initialCredits: number,
  ) {
    this.balance = initialCredits
  }

  /** The job with `id`, as held (not a snapshot), whichever key owns it. */
  get(id: string): JobState | undefined {
    return this.jobs.get(id)
  }

  /** How many starts of the job took effect. */
  startsFor(jobId: string): number {
    return this.startCounts.get(jobId) ?? 0
  }

  /** Forgets every job and puts the credits back to their initial balance. */
  reset(): void {
    this.jobs.clear()
    this.processing.clear()
    this.startCounts.clear()
    this.balance = this.initialCredits
    this.used = 0
  }

  /** Moves every job whose processing time has passed to its final state; a failed job's credits are refunded. */
  settle(): void {
    const now = this.now()
    for (const [job, { finishesAt, failure }] of this.processing) {
      if (now < finishesAt) continue
      this.processing.delete(job)
      if (failure === undefined) {
        job.status = 'completed'
        job.message = 'Video processed successfully'
      } else {
        this.balance += job.creditsUsed
        this.used -= job.creditsUsed
        job.status = 'failed'
        job.message = failure
        job.creditsUsed = 0
      }
      this.notify(job, failure === undefined ? 'job.completed' : 'job.failed', finishesAt)
    }
  }

  /** Answers an authorised API request by `key`; `origin` is where signed storage URLs point. */
  reply(route: Route, key: string, body: unknown, origin: string): Reply {
    switch (route.endpoint) {
      case 'credits':
        return { status: 200, body: this.creditsBody() }
      case 'createJob':
        return this.createJob(key, body, origin)
      case 'startJob':
        return this.withJob(route, key, (job) => this.start(job, body))
      case 'status':
        return this.withJob(route, key, (job) => ({ status: 200, body: this.statusBody(job, origin) }))
      case 'deleteJob':
        return this.withJob(route, key, (job) => this.deleteJob(job))
      case 'deliveries':
        if (route.jobId === undefined) return { status: 400, error: 'video_id is required' }
        return this.withJob(route, key, (job) => ({
          status: 200,
          body: { video_id: job.id, total_deliveries: job.deliveries.length, deliveries: job.deliveries },
        }))
      default:
        return { status: 404, error: 'Not found' }
    }
  }

  /** Another key's job is as unknown as a missing one, as the API's 404 "Job not found" says (api-contract.md §9.2). */
  private withJob(route: Route, key: string, reply: (job: JobState) => Reply): Reply {
    const job = route.jobId === undefined ? undefined : this.jobs.get(route.jobId)
    return job === undefined || job.apiKey !== key ? { status: 404, error: 'Job not found' } : reply(job)
  }

  private creditsBody(): object {
    return { user_id: this.userId, total_credits: this.balance + this.used, remaining_credits: this.balance, used_credits: this.used }
  }

  /** Deleting refunds nothing (api-contract.md §4.7). */
  private deleteJob(job: JobState): Reply {
    this.jobs.delete(job.id)
    this.processing.delete(job)
    return { status: 200, body: { id: job.id, message: 'Job deleted' } }
  }

  private createJob(apiKey: string, body: unknown, origin: string): Reply {
    if (!isObject(body)) return { status: 400, error: 'Request body must be a JSON object' }
    if (body.video_url !== undefined) return this.createUrlJob(apiKey, body.video_url)
    const { filename, content_type: contentType } = body
    if (typeof filename !== 'string' || filename === '' || typeof contentType !== 'string') {
      return { status: 400, error: 'filename and content_type are required' }
    }
    if (!VIDEO_CONTENT_TYPES.has(contentType)) {
      return { status: 400, error: `Unsupported content_type: ${contentType}. Use video/mp4, video/mov or video/webm` }
    }
    const ttlMs = this.options.uploadTtlMs ?? 3_600_000
    const job = this.addJob(apiKey, filename, 'created')
    job.contentType = contentType
    job.uploadGrant = grant(this.now, ttlMs)
    return {
      status: 200,
      body: {
        id: job.id,
        status: job.status,
        filename,
        content_type: contentType,
        upload_url: signedUrl(origin, `/storage/upload/${job.id}`, job.uploadGrant, ttlMs),
        expires_at: iso(job.uploadGrant.expiresAt),
        created_at: iso(job.createdAt),
        instructions: {
          method: 'PUT',
          headers: { 'Content-Type': contentType },
          note: 'PUT the raw file bytes with exactly these headers before expires_at, then start the job.',
        },
      },
    }
  }

  /** The real API downloads the video during this call; the fake only names the job after the URL's last segment. */
  private createUrlJob(apiKey: string, videoUrl: unknown): Reply {
    const url = typeof videoUrl === 'string' && URL.canParse(videoUrl) ? new URL(videoUrl) : undefined
    if (url?.protocol !== 'http:' && url?.protocol !== 'https:') return { status: 400, error: 'video_url must be an http(s) URL' }
    const job = this.addJob(apiKey, url.pathname.split('/').pop() || 'video', 'uploaded')
    job.videoUrl = url.href
    return { status: 200, body: { id: job.id, status: job.status, message: 'Video downloaded successfully' } }
  }

  private addJob(apiKey: string, filename: string, status: FakeJobStatus): JobState {
    const job: JobState = {
      id: crypto.randomUUID(),
      apiKey,
      status,
      filename,
      createdAt: this.now(),
      creditsUsed: 0,
      deliveries: [],
      resultGrants: new Map(),
    }
    this.jobs.set(job.id, job)
    return job
  }

  /**
   * Charges 1 credit per second of video here, as the API does. A job that was never uploaded or already started
   * gets the contract's working assumption, a 409 (api-contract.md §13 question 6).
   */
  private start(job: JobState, body: unknown): Reply {
    const options = body ?? {}
    if (!isObject(options)) return { status: 400, error: 'Request body must be a JSON object' }
    const background = options.background ?? undefined
    if (background !== undefined && !isBackground(background)) return { status: 400, error: 'background.type is required' }
    if (job.status === 'created') return { status: 409, error: 'Job has not been uploaded' }
    if (job.status !== 'uploaded') return { status: 409, error: 'Job already started' }

    const webhookUrl = typeof options.webhook_url === 'string' ? options.webhook_url : undefined
    const candidate: FakeJob = { ...snapshot(job), options, background, webhookUrl }
    const length = this.options.videoLengthSeconds ?? 10
    const lengthSeconds = typeof length === 'function' ? length(candidate) : length
    if (this.balance < lengthSeconds) {
      return { status: 402, error: 'Insufficient credits', details: { remaining_credits: this.balance } }
    }
    const now = this.now()
    job.status = 'processing'
    job.startedAt = now
    job.message = 'Processing video...'
    job.options = options
    job.background = background
    job.webhookUrl = webhookUrl
    job.lengthSeconds = lengthSeconds
    job.creditsUsed = lengthSeconds
    if (background !== undefined) job.exportId = `exp_${randomHex(8)}`
    this.balance -= lengthSeconds
    this.used += lengthSeconds
    this.processing.set(job, { finishesAt: now + (this.options.processingMs ?? 0), failure: this.options.failJob?.(candidate) })
    this.startCounts.set(job.id, this.startsFor(job.id) + 1)
    this.notify(job, 'job.started', now)
    return {
      status: 200,
      body: {
        id: job.id,
        status: job.status,
        created_at: iso(now),
        creditsUsed: lengthSeconds,
        video_length_seconds: lengthSeconds,
        background,
        export_id: job.exportId,
      },
    }
  }

  /** Records the delivery the API would make to the job's `webhook_url`, delivered at the first attempt; nothing is sent. */
  private notify(job: JobState, event: FakeWebhookDelivery['event_type'], at: number): void {
    if (job.webhookUrl === undefined) return
    const time = iso(at)
    job.deliveries.push({
      event_type: event,
      webhook_url: job.webhookUrl,
      attempt_number: 1,
      delivery_status: 'delivered',
      http_status_code: 200,
      scheduled_at: time,
      delivered_at: time,
      created_at: time,
      payload: {
        job_id: job.id,
        user_id: this.userId,
        status: event.replace('job.', ''),
        file_name: job.filename,
        source: 'api',
        ...(event === 'job.failed' && { error_message: job.message }),
      },
    })
  }

  /** The status body grows with the job: processing fields once started, freshly signed result URLs once completed. */
  private statusBody(job: JobState, origin: string): object {
    const base = { id: job.id, status: job.status, filename: job.filename, created_at: iso(job.createdAt), export_id: job.exportId }
    if (job.startedAt === undefined) return base
    const format = outputFormat(job.background)
    const started = { ...base, length_seconds: job.lengthSeconds, message: job.message, background: job.background, output_format: format }
    if (job.status !== 'completed') return started
    const ttlMs = this.options.resultTtlMs ?? 3_600_000
    const url = (file: string) => resultUrl(job, file, origin, this.now, ttlMs)
    return {
      ...started,
      processed_video_url: url(`video.${extensionOf(format)}`),
      processed_mask_url: url('mask.mp4'),
      thumbnail_url: url('thumbnail.jpg'),
      transparent_thumbnail_url: url('transparent_thumbnail.png'),
    }
  }
}

function isBackground(value: unknown): value is FakeBackground {
  return isObject(value) && typeof value.type === 'string'
}
