import { RateLimiter } from '../../../core/limiter'
import type { RecordedResponse } from '../recorder'
import { duration, type Check, type Outcome } from '../run'

const ADVICE_SHARED =
  "Something else is spending this key's budget (100 requests and 3 job starts a minute): another process or machine with the same key. Give each service its own key, or lower rateLimit in each so that together they fit; on RateLimitError, wait retryAfterMs before calling again."

/**
 * The `X-RateLimit-*` headers of the calls already made with your key (no burst against the API), what the SDK's
 * pacer makes of them, and every 429 met: whether the SDK backed off before retrying, and whether the call got
 * through in the end.
 */
export const rateLimits: Check = {
  name: 'rate-limits',
  async run(run): Promise<Outcome> {
    if (!run.options.recorder) {
      return { result: 'warn', evidence: ['not checked: give doctor the recorder your client sends through (recorder)'] }
    }
    const calls = run.apiResponses().filter((call) => call.status > 0)
    if (calls.length === 0) return { result: 'warn', evidence: ['not checked: no API call got an answer (see reachability)'] }
    const pacer = new RateLimiter()
    for (const call of calls) pacer.observe(call.headers)
    const { limit, remaining, resetAt } = pacer.server
    const spacing = pacer.spacingMs()
    const evidence: string[] = []
    const data: Record<string, unknown> = { limit, remaining, resetAt, pacerSpacingMs: spacing, calls: calls.length }
    if (limit === undefined || remaining === undefined) {
      evidence.push('the API sent no X-RateLimit-* headers: the SDK paces itself at 100 requests and 3 starts a minute')
    } else {
      const reset = resetAt === undefined ? '' : `, the window resets in ${duration(Math.max(0, resetAt - Date.now()))}`
      evidence.push(`X-RateLimit-Limit ${limit}, ${remaining} left${reset}`)
      evidence.push(
        spacing > 0
          ? `the pacer spaces requests ${duration(spacing)} apart until the reset (under a fifth of the window left)`
          : "the SDK's pacer sends at once (it spaces requests only under a fifth of the window)",
      )
    }
    const runs = attemptsByCall(run.apiResponses())
    const limited = runs.filter((attempts) => attempts.some((attempt) => attempt.status === 429))
    if (limited.length === 0) {
      evidence.push(`no 429 in ${calls.length} calls`)
      if (limit === undefined) return { result: 'warn', evidence, data }
      if (spacing > 0) return { result: 'warn', evidence, advice: ADVICE_SHARED, data }
      return { result: 'pass', evidence, data }
    }
    const refused = limited.filter((attempts) => attempts.at(-1)!.status === 429)
    const count = limited.flat().filter((attempt) => attempt.status === 429).length
    const retryAfter = limited[0]!.find((attempt) => attempt.status === 429)?.headers['retry-after']
    evidence.push(`${count} of ${calls.length} answers were 429${retryAfter ? ` (Retry-After: ${retryAfter} s)` : ''}`)
    const waits = limited.flatMap(backoffs)
    if (waits.length > 0) evidence.push(`the SDK backed off before retrying: ${waits.map(duration).join(', ')}`)
    data.rateLimited = count
    data.backoffsMs = waits
    if (refused.length > 0) {
      evidence.push(`${refused.length} call(s) still refused after the SDK's retries (RateLimitError)`)
      return { result: 'fail', evidence, advice: ADVICE_SHARED, data }
    }
    evidence.push('every call got through after backing off')
    return { result: 'warn', evidence, advice: ADVICE_SHARED, data }
  },
}

/** Consecutive attempts of the same call (method and URL) grouped: the SDK's retries of one call. */
function attemptsByCall(responses: RecordedResponse[]): RecordedResponse[][] {
  const groups: RecordedResponse[][] = []
  for (const response of responses) {
    const last = groups.at(-1)?.at(-1)
    if (
      last &&
      last.method === response.method &&
      last.url === response.url &&
      (last.status === 0 || last.status === 429 || last.status >= 500)
    ) {
      groups.at(-1)!.push(response)
    } else groups.push([response])
  }
  return groups
}

/** The pause between an answer and the next attempt of the same call, in ms. */
function backoffs(attempts: RecordedResponse[]): number[] {
  return attempts.slice(1).map((attempt, i) => Math.max(0, attempt.startedAt - (attempts[i]!.startedAt + attempts[i]!.durationMs)))
}
