import { ConnectionError, TimeoutError } from '../../../errors'
import type { RecordedResponse } from '../recorder'
import { describe, duration, isLoopback, type Check } from '../run'

const TLS_TROUBLE = /certificate|self[- ]signed|ssl|tls|cert_|unable to verify/i

/** The base URL answers (any HTTP status will do), and over TLS unless it is this machine. */
export const reachability: Check = {
  name: 'reachability',
  async run(run) {
    const balance = await run.balance()
    const { hostname, protocol } = new URL(run.client.baseUrl)
    if (!balance.ok && (balance.error instanceof ConnectionError || balance.error instanceof TimeoutError)) {
      const why = `${balance.error.message} ${balance.error.cause instanceof Error ? balance.error.cause.message : ''}`
      return {
        result: 'fail',
        evidence: [`GET /v1/credits → ${describe(balance.error)}`],
        advice: TLS_TROUBLE.test(why)
          ? "The TLS handshake failed: a proxy that intercepts TLS needs its CA certificate in NODE_EXTRA_CA_CERTS; otherwise the base URL's certificate is wrong."
          : 'Check the base URL (baseUrl), DNS and firewall, and HTTPS_PROXY/NO_PROXY when a proxy is in the way.',
      }
    }
    const calls = run.apiResponses()
    let first = calls.find((call) => call.status > 0)
    let whose = ''
    if (!first) {
      await run.wrongKey() // without a recorder, the wrong-key call is the one doctor saw
      first = run.wrongKeyRecorder.responses.find((response) => response.status > 0)
      whose = ' (to a wrong key)'
    }
    const evidence: string[] = []
    if (first) evidence.push(`GET /v1/credits answered ${first.status}${whose} in ${duration(first.durationMs)}`)
    const lost = calls.filter((call) => call.status === 0)
    if (lost.length > 0) evidence.push(`${lost.length} attempt(s) got no answer (${lost[0]!.error}); a retry got through`)
    const version = first?.headers['x-api-version']
    if (version) evidence.push(`API version ${version}`)
    let result: 'pass' | 'warn' = lost.length > 0 ? 'warn' : 'pass'
    let advice: string | undefined = lost.length > 0 ? 'The network dropped a request: watch for it in production.' : undefined
    if (protocol === 'https:') evidence.push(`https: ${hostname}'s certificate passed Node's checks`)
    else if (isLoopback(hostname)) evidence.push(`plain http on loopback (${hostname}): no TLS needed`)
    else {
      evidence.push(`plain http to ${hostname}: the key crosses the network unencrypted`)
      result = 'warn'
      advice = 'Use an https:// base URL; plain http off loopback suits only a network you trust.'
    }
    return { result, evidence, ...(advice ? { advice } : {}), data: { status: first?.status, ms: first?.durationMs, apiVersion: version } }
  },
}

const PASS_SKEW_MS = 5_000
const FAIL_SKEW_MS = 60_000

/**
 * This machine's clock against the server's `Date` header, read from the response that came back fastest. The
 * header counts whole seconds and the response took time, so the skew is known to within half a second plus half
 * the round trip; the verdict goes by the smallest skew consistent with that.
 */
export const clock: Check = {
  name: 'clock',
  async run(run) {
    await run.wrongKey()
    const all = [...run.apiResponses(), ...run.wrongKeyRecorder.responses]
    const dated = all.filter((response) => Date.parse(response.headers.date ?? '') > 0)
    if (all.length === 0) return { result: 'warn', evidence: ['not checked: no response came back (see reachability)'] }
    if (dated.length === 0) return { result: 'warn', evidence: ['no response carried a Date header: the clocks could not be compared'] }
    const best = dated.reduce((a, b) => (b.durationMs < a.durationMs ? b : a))
    const { skewMs, uncertaintyMs } = skewOf(best)
    const least = Math.max(0, Math.abs(skewMs) - uncertaintyMs)
    const data = { skewMs, uncertaintyMs, serverDate: best.headers.date }
    const within = `±${duration(uncertaintyMs)}`
    if (least < PASS_SKEW_MS) {
      return { result: 'pass', evidence: [`within ${within} of the server's clock (Date: ${best.headers.date})`], data }
    }
    const behind = skewMs > 0
    const consequence = behind
      ? 'behind, it sends uploads after their URL expired (storage refuses them) and waits too long for a rate-limit reset'
      : 'ahead, it refuses uploads as expired too early and sends before a rate-limit window resets (429s)'
    return {
      result: least < FAIL_SKEW_MS ? 'warn' : 'fail',
      evidence: [
        `this machine's clock is ${duration(Math.abs(skewMs))} ${behind ? 'behind' : 'ahead of'} the server's (Date: ${best.headers.date}, ${within})`,
      ],
      advice: `Synchronise this machine's clock (NTP; timedatectl set-ntp true on Linux; a container keeps its host's clock). The SDK reads a signed upload URL's expires_at and X-RateLimit-Reset against it: ${consequence}.`,
      data,
    }
  },
}

/** Server time minus this machine's time at the moment the server stamped `Date`, and how far off that may be. */
function skewOf(response: RecordedResponse): { skewMs: number; uncertaintyMs: number } {
  // Date is truncated to the second: the server's moment lies within [date, date + 1 s), and this machine's within the round trip.
  const server = Date.parse(response.headers.date!) + 500
  const local = response.startedAt + response.durationMs / 2
  return { skewMs: Math.round(server - local), uncertaintyMs: Math.round(500 + response.durationMs / 2) }
}
