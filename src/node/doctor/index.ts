import { throwIfAborted } from '../../core/signal'
import { AbortError, ValidationError, describeError } from '../../errors'
import type { VideoBGRemoverClient } from '../index'
import type { Outcome } from './run'
import type { CheckResult, DoctorCheck, DoctorOptions, DoctorReport } from './types'

export { ResponseRecorder, type RecordedResponse } from './recorder'
export type { CheckResult, DoctorCheck, DoctorCheckName, DoctorOptions, DoctorReport } from './types'

/**
 * Runs the vendor's pre-production checklist ("Responses & Errors": authentication, rate limits, idempotency,
 * observability) against the API `client` points at, with its key, plus reachability and TLS, clock skew, credits and
 * the signed upload URL (CORS for a browser `origin`). Every check runs, whatever the others found; none costs credits
 * unless `withJob` processes a 1-second clip (about 1 credit). It makes about ten API calls, two of them creating
 * free jobs that it deletes, and one start that the API refuses.
 *
 * Build the client with a `ResponseRecorder` as its `fetch` and pass the recorder too, so that the checks can read
 * the headers of the calls made (`Date`, `X-RateLimit-*`, `x-request-id`):
 *
 * ```ts
 * const recorder = new ResponseRecorder()
 * const client = new VideoBGRemoverClient(process.env.VIDEOBGREMOVER_API_KEY, { fetch: recorder.fetch })
 * const report = await doctor(client, { recorder })
 * if (!report.ok) console.log(report.checks.filter((check) => check.result === 'fail'))
 * ```
 *
 * @returns every check's verdict, evidence and advice; `ok` is false when any check failed. Never the key.
 * @throws AbortError when `signal` fires (at once); ValidationError for an `origin` that is not an http(s) URL.
 */
export async function doctor(client: VideoBGRemoverClient, options: DoctorOptions = {}): Promise<DoctorReport> {
  const origin = options.origin === undefined ? undefined : checkOrigin(options.origin)
  // The checks load when doctor runs, not with the package: a health endpoint pays for them, an import does not.
  const { CHECKS, DoctorRun, endToEnd } = await import('./checks/index')
  const run = new DoctorRun(client, { ...options, ...(origin === undefined ? {} : { origin }) })
  const startedAt = new Date()
  const began = performance.now()
  const checks: DoctorCheck[] = []
  for (const check of CHECKS) {
    if (check === endToEnd && !options.withJob) continue
    throwIfAborted(options.signal)
    const started = performance.now()
    const outcome = await check.run(run).catch((error: unknown): Outcome => {
      if (error instanceof AbortError) throw error
      return {
        result: 'fail',
        evidence: [`the check itself failed: ${describeError(error)}`],
        advice: 'This is a bug in doctor: please report it.',
      }
    })
    const done: DoctorCheck = { name: check.name, ...outcome, durationMs: Math.round(performance.now() - started) }
    checks.push(done)
    options.onCheck?.(done)
  }
  const summary: Record<CheckResult, number> = { pass: 0, warn: 0, fail: 0 }
  for (const check of checks) summary[check.result]++
  return {
    baseUrl: client.baseUrl,
    ok: summary.fail === 0,
    summary,
    checks,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - began),
  }
}

/** The origin of an http(s) URL (`https://app.example.com/page` → `https://app.example.com`). */
function checkOrigin(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new ValidationError(`origin must be a web origin such as https://app.example.com, got ${JSON.stringify(value)}`, 'origin')
  }
  return url.origin
}
