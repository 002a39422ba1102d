import { RESULT_FILES, type ResultFileName } from './fixtures/results'

export const FAKE_API_KEY = 'vbr_' + '0123456789abcdef'.repeat(2)

export type FakeEndpoint =
  | 'credits'
  | 'createJob'
  | 'startJob'
  | 'status'
  | 'deleteJob'
  | 'deliveries'
  | 'upload'
  | 'download'
  | 'unknown'

export type FakeJobStatus = 'created' | 'uploaded' | 'processing' | 'completed' | 'failed'

export interface FakeBackground {
  readonly type: string
  readonly [field: string]: unknown
}

export interface FakeUpload {
  readonly bytes: number
  readonly sha256: string
}

export interface FakeWebhookDelivery {
  readonly event_type: 'job.started' | 'job.completed' | 'job.failed'
  readonly webhook_url: string
  readonly attempt_number: number
  readonly delivery_status: string
  readonly http_status_code: number
  readonly scheduled_at: string
  readonly delivered_at: string
  readonly created_at: string
  readonly payload: {
    readonly job_id: string
    readonly user_id: string
    readonly status: string
    readonly file_name: string
    readonly source: 'api'
    readonly error_message?: string
  }
}

/** A snapshot of a job's state. Times are in milliseconds of the fake's clock. */
export interface FakeJob {
  readonly id: string
  readonly apiKey: string
  readonly status: FakeJobStatus
  readonly filename: string
  /** Declared at creation (file jobs only). */
  readonly contentType?: string
  /** Source of a URL job. */
  readonly videoUrl?: string
  readonly createdAt: number
  /** The last accepted upload. */
  readonly upload?: FakeUpload
  /** The JSON body sent to start. */
  readonly options?: Readonly<Record<string, unknown>>
  readonly background?: FakeBackground
  readonly webhookUrl?: string
  readonly exportId?: string
  readonly startedAt?: number
  readonly lengthSeconds?: number
  /** Credits charged at start; back to 0 once a failed job is refunded. */
  readonly creditsUsed: number
  readonly message?: string
  readonly deliveries: readonly FakeWebhookDelivery[]
}

export type FakeFault =
  | { readonly status: number; readonly body?: string | object; readonly headers?: Record<string, string> }
  | { readonly delayMs: number }
  | { readonly drop: 'before-response' | 'after-effect' | 'mid-body' }
  | { readonly truncate: true }
  | { readonly html: true; readonly status?: number }
  | { readonly badSchema: true }

export interface LedgerEntry {
  readonly endpoint: FakeEndpoint
  readonly method: string
  readonly url: string
  readonly path: string
  /** Request headers, names lowercased. */
  readonly headers: Readonly<Record<string, string>>
  /** Parsed JSON body of an API request (the raw text when it is not JSON). */
  readonly body?: unknown
  readonly jobId?: string
  /** Response status sent; 0 when the connection was dropped before a response. */
  readonly status: number
  readonly time: number
  readonly upload?: FakeUpload
  readonly fault?: FakeFault
}

export interface FakeRateLimit {
  requestsPerWindow?: number
  startsPerWindow?: number
  windowMs?: number
}

export interface FakeApiOptions {
  apiKeys?: readonly string[]
  credits?: number
  videoLengthSeconds?: number | ((job: FakeJob) => number)
  processingMs?: number
  now?: () => number
  failJob?: (job: FakeJob) => string | undefined
  errorStyle?: 'flat' | 'envelope'
  rateLimit?: FakeRateLimit
  uploadTtlMs?: number
  resultTtlMs?: number
  resultSize?: number | ((job: FakeJob) => number)
}

/** Thrown by `FakeApi.handle` (or raised by a response body) to tell an adapter to reset the connection. */
export class FakeConnectionDrop extends Error {
  override readonly name = 'FakeConnectionDrop'
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

interface Grant {
  readonly signature: string
  readonly expiresAt: number
}

type JobState = Mutable<FakeJob> & {
  deliveries: FakeWebhookDelivery[]
  uploadGrant?: Grant
  resultGrants: Map<string, Grant & { readonly file: string }>
}

interface Route {
  readonly endpoint: FakeEndpoint
  readonly jobId?: string
  readonly file?: string
}

type Reply =
  | { readonly status: number; readonly body: object }
  | { readonly status: number; readonly error: string; readonly details?: object }

const API_VERSION = '1.2.0'
const VIDEO_CONTENT_TYPES = new Set(['video/mp4', 'video/mov', 'video/webm'])
const SMALL_FILE_BYTES = 1024
const CHUNK_BYTES = 64 * 1024

const ROUTES: readonly (readonly [method: string, pattern: string, endpoint: FakeEndpoint])[] = [
  ['GET', 'v1/credits', 'credits'],
  ['POST', 'v1/jobs', 'createJob'],
  ['POST', 'v1/jobs/:id/start', 'startJob'],
  ['GET', 'v1/jobs/:id/status', 'status'],
  ['DELETE', 'v1/jobs/:id', 'deleteJob'],
  ['GET', 'v1/webhooks/deliveries', 'deliveries'],
  ['PUT', 'storage/upload/:id', 'upload'],
  ['GET', 'storage/results/:id/:file', 'download'],
]

const TRANSPARENT_EXTENSIONS: Readonly<Record<string, string>> = {
  webm_vp9: 'webm',
  mov_prores: 'mov',
  stacked_video: 'mp4',
  pro_bundle: 'zip',
  png_sequence: 'zip',
  gif: 'gif',
  webp: 'webp',
  lottie: 'json',
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  zip: 'application/zip',
  gif: 'image/gif',
  webp: 'image/webp',
  json: 'application/json',
  jpg: 'image/jpeg',
  png: 'image/png',
}

const ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  401: 'invalid_api_key',
  402: 'insufficient_credits',
  403: 'permission_denied',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
  504: 'timeout',
}

/**
 * An in-memory VideoBGRemover API and storage host behind one web-standard handler.
 * Job progress is derived from the clock when observed, so no timers are left running.
 */
export class FakeApi {
  private readonly apiKeys: ReadonlySet<string>
  private readonly initialCredits: number
  private readonly now: () => number
  private readonly limiter: RateLimiter | undefined
  private readonly userId = crypto.randomUUID()
  private readonly jobs = new Map<string, JobState>()
  private readonly processing = new Map<JobState, { finishesAt: number; failure?: string }>()
  private readonly startCounts = new Map<string, number>()
  private readonly ledger: Mutable<LedgerEntry>[] = []
  private readonly faults: { endpoint: FakeEndpoint | '*'; fault: FakeFault; remaining: number }[] = []
  private balance: number
  private used = 0

  constructor(private readonly options: FakeApiOptions = {}) {
    this.apiKeys = new Set(options.apiKeys ?? [FAKE_API_KEY])
    this.initialCredits = options.credits ?? 1000
    this.balance = this.initialCredits
    this.now = options.now ?? Date.now
    const limits = options.rateLimit
    this.limiter = limits && new RateLimiter(limits.requestsPerWindow ?? 100, limits.startsPerWindow ?? 3, limits.windowMs ?? 60_000)
  }

  /** Every request seen, in arrival order. */
  get requests(): readonly LedgerEntry[] {
    return this.ledger
  }

  /** Remaining credits, shared by every key. */
  get credits(): number {
    this.settle()
    return this.balance
  }

  set credits(value: number) {
    this.balance = value
  }

  job(id: string): FakeJob | undefined {
    this.settle()
    const job = this.jobs.get(id)
    return job && snapshot(job)
  }

  /** How many starts of the job took effect. */
  startsFor(jobId: string): number {
    return this.startCounts.get(jobId) ?? 0
  }

  /** Makes the next `times` requests to `endpoint` ('*' for any) fail with `fault`. */
  inject(endpoint: FakeEndpoint | '*', fault: FakeFault, times = 1): void {
    this.faults.push({ endpoint, fault, remaining: times })
  }

  reset(): void {
    this.jobs.clear()
    this.processing.clear()
    this.startCounts.clear()
    this.ledger.length = 0
    this.faults.length = 0
    this.limiter?.reset()
    this.balance = this.initialCredits
    this.used = 0
  }

  async handle(request: Request): Promise<Response> {
    this.settle()
    const url = new URL(request.url)
    const route = matchRoute(request.method, url)
    const entry: Mutable<LedgerEntry> = {
      endpoint: route.endpoint,
      method: request.method,
      url: request.url,
      path: url.pathname,
      headers: Object.fromEntries(request.headers),
      jobId: route.jobId,
      status: 0,
      time: this.now(),
    }
    if (route.endpoint !== 'upload' && route.endpoint !== 'download') entry.body = parseJson(await request.text())
    this.ledger.push(entry)
    const fault = this.takeFault(route.endpoint)
    entry.fault = fault
    const response = await this.applyFault(fault, request, () =>
      this.serve(request, route, entry).catch(
        (error: unknown) => new Response(`The fake API failed: ${String(error)}`, { status: 500, headers: { 'content-type': 'text/plain' } }),
      ),
    )
    entry.status = response.status
    return response
  }

  private takeFault(endpoint: FakeEndpoint): FakeFault | undefined {
    const index = this.faults.findIndex((queued) => queued.endpoint === endpoint || queued.endpoint === '*')
    const queued = this.faults[index]
    if (queued === undefined) return undefined
    queued.remaining -= 1
    if (queued.remaining <= 0) this.faults.splice(index, 1)
    return queued.fault
  }

  private async applyFault(fault: FakeFault | undefined, request: Request, serve: () => Promise<Response>): Promise<Response> {
    if (fault === undefined) return serve()
    if ('delayMs' in fault) {
      await delay(fault.delayMs, request.signal)
      return serve()
    }
    if ('html' in fault) {
      const status = fault.status ?? 502
      const page = `<!DOCTYPE html><html><head><title>${status} Bad Gateway</title></head><body><h1>${status} Bad Gateway</h1></body></html>`
      return new Response(page, { status, headers: { 'Content-Type': 'text/html; charset=utf-8' } })
    }
    if ('status' in fault) {
      const body = fault.body ?? this.errorBody({ status: fault.status, error: `Injected ${fault.status} response` }, requestId())
      return typeof body === 'string'
        ? new Response(body, { status: fault.status, headers: { 'Content-Type': 'text/plain', ...fault.headers } })
        : json(fault.status, body, fault.headers)
    }
    if ('badSchema' in fault) return json(200, { id: 123 })
    if ('truncate' in fault) return cutBody(await serve(), false)
    switch (fault.drop) {
      case 'before-response':
        throw new FakeConnectionDrop('Connection reset before the response')
      case 'after-effect':
        await (await serve()).body?.cancel()
        throw new FakeConnectionDrop('Connection reset after the request took effect')
      case 'mid-body':
        return cutBody(await serve(), true)
    }
  }

  private async serve(request: Request, route: Route, entry: Mutable<LedgerEntry>): Promise<Response> {
    switch (route.endpoint) {
      case 'upload':
        return this.upload(request, route, entry)
      case 'download':
        return this.download(request, route)
      default:
        return this.api(request, route, entry.body)
    }
  }

  private api(request: Request, route: Route, body: unknown): Response {
    const key = request.headers.get('x-api-key') ?? ''
    const limit = this.limiter?.hit(key, route.endpoint === 'startJob', this.now())
    const reply = limit?.exceeded ?? this.authorize(key) ?? this.route(route, key, body, new URL(request.url))
    const id = requestId()
    const response = json(reply.status, 'error' in reply ? this.errorBody(reply, id) : reply.body, limit?.headers)
    response.headers.set('X-API-Version', API_VERSION)
    if (this.options.errorStyle === 'envelope') response.headers.set('X-Request-Id', id)
    return response
  }

  private errorBody(reply: Extract<Reply, { error: string }>, requestId: string): object {
    if (this.options.errorStyle !== 'envelope') return { error: reply.error }
    const code = ERROR_CODES[reply.status] ?? (reply.status >= 500 ? 'internal_error' : 'invalid_request')
    return { error: { code, message: reply.error, request_id: requestId, ...reply.details } }
  }

  private authorize(key: string): Reply | undefined {
    if (key === '') return { status: 401, error: 'API key required' }
    if (!this.apiKeys.has(key)) return { status: 401, error: 'Invalid API key' }
    return undefined
  }

  private route(route: Route, key: string, body: unknown, url: URL): Reply {
    switch (route.endpoint) {
      case 'credits':
        return { status: 200, body: this.creditsBody() }
      case 'createJob':
        return this.createJob(key, body, url.origin)
      case 'startJob':
        return this.withJob(route, key, (job) => this.start(job, body))
      case 'status':
        return this.withJob(route, key, (job) => ({ status: 200, body: this.statusBody(job, url.origin) }))
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

  private withJob(route: Route, key: string, reply: (job: JobState) => Reply): Reply {
    const job = route.jobId === undefined ? undefined : this.jobs.get(route.jobId)
    return job === undefined || job.apiKey !== key ? { status: 404, error: 'Job not found' } : reply(job)
  }

  private creditsBody(): object {
    return { user_id: this.userId, total_credits: this.balance + this.used, remaining_credits: this.balance, used_credits: this.used }
  }

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
    job.uploadGrant = this.grant(ttlMs)
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

  /** Moves every job whose processing time has passed to its final state. */
  private settle(): void {
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

  private statusBody(job: JobState, origin: string): object {
    const base = { id: job.id, status: job.status, filename: job.filename, created_at: iso(job.createdAt), export_id: job.exportId }
    if (job.startedAt === undefined) return base
    const format = outputFormat(job.background)
    const started = { ...base, length_seconds: job.lengthSeconds, message: job.message, background: job.background, output_format: format }
    if (job.status !== 'completed') return started
    return {
      ...started,
      processed_video_url: this.resultUrl(job, `video.${extensionOf(format)}`, origin),
      processed_mask_url: this.resultUrl(job, 'mask.mp4', origin),
      thumbnail_url: this.resultUrl(job, 'thumbnail.jpg', origin),
      transparent_thumbnail_url: this.resultUrl(job, 'transparent_thumbnail.png', origin),
    }
  }

  private resultUrl(job: JobState, file: string, origin: string): string {
    const now = this.now()
    for (const [signature, grant] of job.resultGrants) if (now >= grant.expiresAt) job.resultGrants.delete(signature)
    const ttlMs = this.options.resultTtlMs ?? 3_600_000
    const grant = this.grant(ttlMs)
    job.resultGrants.set(grant.signature, { ...grant, file })
    return signedUrl(origin, `/storage/results/${job.id}/${file}`, grant, ttlMs)
  }

  private grant(ttlMs: number): Grant {
    return { signature: randomHex(32), expiresAt: this.now() + ttlMs }
  }

  private async upload(request: Request, route: Route, entry: Mutable<LedgerEntry>): Promise<Response> {
    const job = route.jobId === undefined ? undefined : this.jobs.get(route.jobId)
    const grant = job?.uploadGrant
    if (job === undefined || grant?.signature !== new URL(request.url).searchParams.get('X-Goog-Signature')) {
      return signatureMismatch()
    }
    if (this.now() >= grant.expiresAt) return expiredToken()
    if (request.headers.get('content-type') !== job.contentType) return signatureMismatch()
    const declared = request.headers.get('content-length')
    if (declared === null) return xmlError(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.')
    const upload = await receive(request.body)
    entry.upload = upload
    if (upload.bytes !== Number(declared)) return xmlError(400, 'IncompleteBody', 'The body size does not match Content-Length.')
    job.upload = upload
    if (job.status === 'created') job.status = 'uploaded'
    return new Response(null, { status: 200 })
  }

  private download(request: Request, route: Route): Response {
    const job = route.jobId === undefined ? undefined : this.jobs.get(route.jobId)
    const signature = new URL(request.url).searchParams.get('X-Goog-Signature') ?? ''
    const grant = job?.resultGrants.get(signature)
    if (job === undefined || grant === undefined || grant.file !== route.file) return signatureMismatch()
    if (this.now() >= grant.expiresAt) return expiredToken()
    const { size, chunks } = this.resultBody(job, grant.file)
    const contentType = CONTENT_TYPES[grant.file.split('.').pop() ?? ''] ?? 'application/octet-stream'
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.next()
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      },
    })
    return new Response(body, { status: 200, headers: { 'Content-Type': contentType, 'Content-Length': String(size) } })
  }

  private resultBody(job: JobState, file: string): { size: number; chunks: Iterator<Uint8Array<ArrayBuffer>> } {
    const { resultSize } = this.options
    if (resultSize === undefined) {
      const bytes = fakeResultFile(file, outputFormat(job.background))
      return { size: bytes.byteLength, chunks: [bytes].values() }
    }
    const size = !file.startsWith('video.') ? SMALL_FILE_BYTES : typeof resultSize === 'number' ? resultSize : resultSize(snapshot(job))
    return { size, chunks: resultChunks(job.id, file, size) }
  }
}

class RateLimiter {
  private readonly windows = new Map<string, { resetAt: number; requests: number; starts: number }>()

  constructor(
    private readonly requestsPerWindow: number,
    private readonly startsPerWindow: number,
    private readonly windowMs: number,
  ) {}

  hit(key: string, isStart: boolean, now: number): { headers: Record<string, string>; exceeded?: Reply } {
    let window = this.windows.get(key)
    if (window === undefined || now >= window.resetAt) {
      window = { resetAt: now + this.windowMs, requests: 0, starts: 0 }
      this.windows.set(key, window)
    }
    window.requests += 1
    if (isStart) window.starts += 1
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(this.requestsPerWindow),
      'X-RateLimit-Remaining': String(Math.max(0, this.requestsPerWindow - window.requests)),
      'X-RateLimit-Reset': String(Math.ceil(window.resetAt / 1000)),
    }
    const error =
      window.requests > this.requestsPerWindow ? 'Rate limit exceeded'
      : isStart && window.starts > this.startsPerWindow ? 'Job start rate limit exceeded'
      : undefined
    if (error === undefined) return { headers }
    headers['Retry-After'] = String(Math.ceil((window.resetAt - now) / 1000))
    return { headers, exceeded: { status: 429, error } }
  }

  reset(): void {
    this.windows.clear()
  }
}

const FORMAT_OF_EXTENSION: Readonly<Record<string, string>> = { webm: 'webm_vp9', mov: 'mov_prores', zip: 'pro_bundle', gif: 'gif', webp: 'webp', json: 'lottie' }

/**
 * The real media file the fake storage serves for `file` (`video.webm`, `mask.mp4`, `thumbnail.jpg`, …) when no
 * `resultSize` is set. `format` is the job's output format; by default the one the extension implies
 * (`video.mp4` is the green-screen output, `video.zip` the pro bundle).
 */
export function fakeResultFile(file: string, format?: string): Uint8Array<ArrayBuffer> {
  const extension = file.slice(file.lastIndexOf('.') + 1)
  const isMain = file.startsWith('video.')
  const name = isMain ? `${format ?? FORMAT_OF_EXTENSION[extension]}.${extension}` : file
  // The green-screen mp4 stands for `mp4` (green screen, colour, composition) and any format without a fixture.
  const base64: string | undefined = RESULT_FILES[name as ResultFileName] ?? (isMain ? RESULT_FILES['green_screen.mp4'] : undefined)
  if (base64 === undefined) throw new Error(`The fake API has no result file ${file}`)
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))
}

/** The exact bytes the fake storage serves for a result file when `resultSize` is set: pseudo-random, `size` long. */
export function fakeResultBytes(jobId: string, file: string, size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of resultChunks(jobId, file, size)) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/** Deterministic pseudo-random bytes (xorshift32 seeded by FNV-1a of the file), one chunk at a time. */
function* resultChunks(jobId: string, file: string, size: number): Generator<Uint8Array<ArrayBuffer>> {
  let state = 0x811c9dc5
  for (const char of `${jobId}/${file}`) state = Math.imul(state ^ char.charCodeAt(0), 0x01000193)
  state ||= 1
  for (let offset = 0; offset < size; offset += CHUNK_BYTES) {
    const words = new Uint32Array(CHUNK_BYTES / 4)
    for (let i = 0; i < words.length; i++) {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      words[i] = state
    }
    yield new Uint8Array(words.buffer, 0, Math.min(CHUNK_BYTES, size - offset))
  }
}

function matchRoute(method: string, url: URL): Route {
  const at = url.pathname.indexOf('/v1/')
  const relative = url.pathname.startsWith('/storage/') ? url.pathname.slice(1) : at >= 0 ? url.pathname.slice(at + 1) : ''
  const parts = decodeSegments(relative.split('/'))
  if (parts === undefined) return { endpoint: 'unknown' }
  for (const [routeMethod, pattern, endpoint] of ROUTES) {
    const names = pattern.split('/')
    if (routeMethod !== method || names.length !== parts.length) continue
    if (!names.every((name, i) => name.startsWith(':') || name === parts[i])) continue
    const jobId = endpoint === 'deliveries' ? (url.searchParams.get('video_id') ?? undefined) : parts[names.indexOf(':id')]
    return { endpoint, jobId, file: parts[names.indexOf(':file')] }
  }
  return { endpoint: 'unknown' }
}

function decodeSegments(segments: string[]): string[] | undefined {
  try {
    return segments.map(decodeURIComponent)
  } catch {
    return undefined
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isBackground(value: unknown): value is FakeBackground {
  return isObject(value) && typeof value.type === 'string'
}

function outputFormat(background: FakeBackground | undefined): string {
  if (background?.type !== 'transparent') return 'mp4'
  return typeof background.transparent_format === 'string' ? background.transparent_format : 'webm_vp9'
}

function extensionOf(format: string): string {
  return TRANSPARENT_EXTENSIONS[format] ?? 'mp4'
}

function snapshot(job: JobState): FakeJob {
  const { uploadGrant, resultGrants, deliveries, ...fields } = job
  return { ...fields, deliveries: [...deliveries] }
}

function signedUrl(origin: string, path: string, grant: Grant, ttlMs: number): string {
  return `${origin}${path}?X-Goog-Expires=${Math.ceil(ttlMs / 1000)}&X-Goog-Signature=${grant.signature}`
}

function iso(time: number): string {
  return new Date(time).toISOString()
}

function requestId(): string {
  return `req_${randomHex(12)}`
}

function randomHex(bytes: number): string {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)))
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

function json(status: number, body: unknown, headers?: Record<string, string>): Response {
  const bytes = new TextEncoder().encode(JSON.stringify(body))
  return new Response(bytes, {
    status,
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(bytes.byteLength), ...headers },
  })
}

function xmlError(status: number, code: string, message: string): Response {
  const xml = `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
  return new Response(xml, { status, headers: { 'Content-Type': 'application/xml; charset=UTF-8' } })
}

function signatureMismatch(): Response {
  return xmlError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.')
}

function expiredToken(): Response {
  return xmlError(400, 'ExpiredToken', 'The provided token has expired.')
}

/** Passes the first half of the body on, then ends it cleanly (`fail` false) or errors it like a reset connection. */
function cutBody(response: Response, fail: boolean): Response {
  const keep = Math.floor(Number(response.headers.get('content-length') ?? 0) / 2)
  const headers = new Headers(response.headers)
  if (!fail) headers.set('Content-Length', String(keep))
  const reader = response.body?.getReader()
  let remaining = keep
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = reader !== undefined && remaining > 0 ? await reader.read() : undefined
      if (next?.value !== undefined) {
        const chunk = next.value.subarray(0, remaining)
        remaining -= chunk.byteLength
        controller.enqueue(chunk)
        return
      }
      await reader?.cancel()
      if (fail) controller.error(new FakeConnectionDrop('Connection reset mid-body'))
      else controller.close()
    },
    cancel: (reason) => reader?.cancel(reason),
  })
  return new Response(body, { status: response.status, headers })
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

interface Hasher {
  update(chunk: Uint8Array): void
  digest(): Promise<string>
}

interface NodeCrypto {
  createHash(algorithm: 'sha256'): { update(data: Uint8Array): unknown; digest(encoding: 'hex'): string }
}

/** Streams into node:crypto where the runtime exposes it; otherwise buffers for Web Crypto, which cannot hash incrementally. */
function sha256(): Hasher {
  const runtime = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  const nodeCrypto = runtime.process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined
  if (nodeCrypto !== undefined) {
    const hash = nodeCrypto.createHash('sha256')
    return { update: (chunk) => void hash.update(chunk), digest: async () => hash.digest('hex') }
  }
  const chunks: Uint8Array<ArrayBuffer>[] = []
  return {
    update: (chunk) => void chunks.push(chunk.slice()),
    digest: async () => hex(new Uint8Array(await crypto.subtle.digest('SHA-256', await new Blob(chunks).arrayBuffer()))),
  }
}

async function receive(body: ReadableStream<Uint8Array> | null): Promise<FakeUpload> {
  const hasher = sha256()
  let bytes = 0
  const reader = body?.getReader()
  while (reader !== undefined) {
    const { done, value } = await reader.read()
    if (done) break
    bytes += value.byteLength
    hasher.update(value)
  }
  return { bytes, sha256: await hasher.digest() }
}
