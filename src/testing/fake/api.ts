import { drift } from './drift'
import { applyFault, FaultQueue, type FakeFault } from './faults'
import { errorBody, json, parseJson, requestId, type Reply } from './http'
import { snapshot, type FakeJob, type FakeUpload, type JobState, type Mutable } from './job-state'
import { JobBook } from './jobs'
import { RateWindow, type FakeRateLimit } from './rate-window'
import { forcedReply, stampResponse, storagePreflight, type FakeMisbehaviour } from './misbehaviour'
import { matchRoute, type FakeEndpoint, type Route } from './routes'
import { download, upload } from './storage'

/** The API key the fake accepts unless `apiKeys` says otherwise: well-formed (`vbr_` + 32 hex), and fake. */
export const FAKE_API_KEY = 'vbr_' + '0123456789abcdef'.repeat(2)

// The API version api-contract.md §1 records; the real API sends it on every response.
const API_VERSION = '1.2.0'

/** One request the fake received, as `FakeApi.requests` lists it. */
export interface LedgerEntry {
  /** What the request was for: an API call (`createJob`, `startJob`, …), `upload`, `download`, or `unknown`. */
  readonly endpoint: FakeEndpoint
  /** The HTTP method. */
  readonly method: string
  /** The full request URL, query included. */
  readonly url: string
  /** The URL's path. */
  readonly path: string
  /** Request headers, names lowercased. */
  readonly headers: Readonly<Record<string, string>>
  /** Parsed JSON body of an API request (the raw text when it is not JSON). */
  readonly body?: unknown
  /** The job the request named (in its path, or the `video_id` query), if any. */
  readonly jobId?: string
  /** Response status sent; 0 when the connection was dropped before a response. */
  readonly status: number
  /** When the request arrived, in milliseconds of the fake's clock. */
  readonly time: number
  /** What storage received, for an upload that got as far as reading its body. */
  readonly upload?: FakeUpload
  /** The injected fault this request met. */
  readonly fault?: FakeFault
}

/**
 * How a `FakeApi` behaves. Every field is optional; times are in milliseconds unless named in seconds. The
 * misbehaviours (`rejectEveryKey`, `rateLimitExhausted`, `dateSkewMs`, `storageCors`) are `FakeMisbehaviour`'s.
 */
export interface FakeApiOptions extends FakeMisbehaviour {
  /** Keys the API accepts. Default: `[FAKE_API_KEY]`. */
  apiKeys?: readonly string[]
  /** Starting credit balance, shared by every key. Default 1000. */
  credits?: number
  /** Length of a started job's video in seconds, which is also the credits a start charges. Default 10. */
  videoLengthSeconds?: number | ((job: FakeJob) => number)
  /** How long a started job processes before it completes or fails, in ms of the fake's clock. Default 0. */
  processingMs?: number
  /** The fake's clock, in epoch ms. Default `Date.now`; pass a controllable one to step jobs and expiries. */
  now?: () => number
  /** Called at start: a message makes the job fail with it once processing ends (credits refunded). */
  failJob?: (job: FakeJob) => string | undefined
  /** Error bodies as `{"error": "…"}` (`'flat'`, the default) or the errors page's envelope with an `X-Request-Id`. */
  errorStyle?: 'flat' | 'envelope'
  /** Enforce the API's rate limits (429 with `Retry-After`). Default: no limits, and no `X-RateLimit-*` headers. */
  rateLimit?: FakeRateLimit
  /** Lifetime of a signed upload URL in ms. Default 3 600 000 (1 h). */
  uploadTtlMs?: number
  /** Lifetime of a signed result URL in ms. Default 3 600 000 (1 h). */
  resultTtlMs?: number
  /**
   * Serve results as pseudo-random bytes (`fakeResultBytes`) with the main output this many bytes long, instead of the
   * real media fixtures (`fakeResultFile`). Default: the fixtures.
   */
  resultSize?: number | ((job: FakeJob) => number)
  /**
   * Answer with drifted bodies (numbers as strings, timestamps without a zone, retyped and unknown fields; see
   * `drift.ts`) while keeping every field a client needs, to check that your code tolerates the real API's drift.
   * Default false: bodies as documented.
   */
  drift?: boolean
}

/**
 * An in-memory VideoBGRemover API and storage host behind one web-standard handler.
 * Job progress is derived from the clock when observed, so no timers are left running.
 */
export class FakeApi {
  private readonly apiKeys: ReadonlySet<string>
  private readonly now: () => number
  private readonly jobs: JobBook
  private readonly rateWindow: RateWindow | undefined
  private readonly ledger: Mutable<LedgerEntry>[] = []
  private readonly faults = new FaultQueue()

  constructor(private readonly options: FakeApiOptions = {}) {
    this.apiKeys = new Set(options.apiKeys ?? [FAKE_API_KEY])
    this.now = options.now ?? Date.now
    this.jobs = new JobBook(options, this.now, options.credits ?? 1000)
    const limits = options.rateLimit
    this.rateWindow = limits && new RateWindow(limits.requestsPerWindow ?? 100, limits.startsPerWindow ?? 3, limits.windowMs ?? 60_000)
  }

  /** Every request seen, in arrival order. */
  get requests(): readonly LedgerEntry[] {
    return this.ledger
  }

  /** Remaining credits, shared by every key. */
  get credits(): number {
    this.jobs.settle()
    return this.jobs.balance
  }

  /** Sets the remaining credits, e.g. `fake.credits = 0` to meet a 402 at the next start. */
  set credits(value: number) {
    this.jobs.balance = value
  }

  /** A snapshot of the job with `id`, whichever key owns it; `undefined` when there is none (or it was deleted). */
  job(id: string): FakeJob | undefined {
    this.jobs.settle()
    const job = this.jobs.get(id)
    return job && snapshot(job)
  }

  /** How many starts of the job took effect. */
  startsFor(jobId: string): number {
    return this.jobs.startsFor(jobId)
  }

  /** Makes the next `times` requests to `endpoint` ('*' for any) fail with `fault`. */
  inject(endpoint: FakeEndpoint | '*', fault: FakeFault, times = 1): void {
    this.faults.add(endpoint, fault, times)
  }

  /** Back to a fresh fake: no jobs, requests, faults or rate windows, and the initial credits. */
  reset(): void {
    this.jobs.reset()
    this.ledger.length = 0
    this.faults.clear()
    this.rateWindow?.reset()
  }

  /**
   * Answers one request to the API or to a signed storage URL, recording it in `requests`. Throws
   * `FakeConnectionDrop` when an injected fault resets the connection; a bug in the fake answers 500 in text.
   */
  async handle(request: Request): Promise<Response> {
    this.jobs.settle()
    const url = new URL(request.url)
    const preflight = storagePreflight(request, url, this.options.storageCors)
    const route = preflight?.route ?? matchRoute(request.method, url)
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
    // A storage body stays unread here: the upload handler streams and hashes the media itself.
    if (route.endpoint !== 'upload' && route.endpoint !== 'download') entry.body = parseJson(await request.text())
    this.ledger.push(entry)
    if (preflight) {
      entry.status = preflight.response.status
      return stampResponse(preflight.response, request, route.endpoint, this.options, this.now())
    }
    const fault = this.faults.take(route.endpoint)
    entry.fault = fault
    const response = await applyFault(
      fault,
      request,
      () =>
        this.serve(request, route, entry).catch(
          (error: unknown) =>
            new Response(`The fake API failed: ${String(error)}`, { status: 500, headers: { 'content-type': 'text/plain' } }),
        ),
      this.options.errorStyle,
    )
    entry.status = response.status
    return stampResponse(response, request, route.endpoint, this.options, this.now())
  }

  private async serve(request: Request, route: Route, entry: Mutable<LedgerEntry>): Promise<Response> {
    switch (route.endpoint) {
      case 'upload':
        return upload(request, this.jobOf(route), this.now, entry)
      case 'download':
        return download(request, this.jobOf(route), route.file, this.now, this.options.resultSize)
      default:
        return this.api(request, route, entry.body)
    }
  }

  private jobOf(route: Route): JobState | undefined {
    return route.jobId === undefined ? undefined : this.jobs.get(route.jobId)
  }

  /** An API request: rate limit first (a refused request still counts), then the key, then the endpoint. */
  private api(request: Request, route: Route, body: unknown): Response {
    const key = request.headers.get('x-api-key') ?? ''
    const limit = this.rateWindow?.hit(key, route.endpoint === 'startJob', this.now())
    const forced = forcedReply(this.options, this.now())
    const reply: Reply = limit?.exceeded ?? forced ?? this.authorize(key) ?? this.jobs.reply(route, key, body, new URL(request.url).origin)
    const id = requestId()
    const answer =
      'error' in reply ? errorBody(reply, this.options.errorStyle, id) : this.options.drift ? drift(route.endpoint, reply.body) : reply.body
    const response = json(reply.status, answer, { ...limit?.headers, ...forced?.headers })
    response.headers.set('X-API-Version', API_VERSION)
    if (this.options.errorStyle === 'envelope') response.headers.set('X-Request-Id', id)
    return response
  }

  /** The API's two 401s (api-contract.md §2.1). */
  private authorize(key: string): Reply | undefined {
    if (key === '') return { status: 401, error: 'API key required' }
    if (!this.apiKeys.has(key)) return { status: 401, error: 'Invalid API key' }
    return undefined
  }
}
