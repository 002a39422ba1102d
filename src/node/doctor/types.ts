import type { FetchFn } from '../../core/http'
import type { ResponseRecorder } from './recorder'

/** A check's verdict: `pass`; `warn` (works, but look at it; also a check that could not run because another failed); `fail`. */
export type CheckResult = 'pass' | 'warn' | 'fail'

/**
 * The checks `doctor()` runs, in this order (`end-to-end` only with `withJob`): `reachability` (the base URL answers;
 * TLS), `clock` (skew against the server's `Date`), `authentication` (your key 200, a wrong key 401), `key-format`,
 * `credits`, `idempotency` (a start before the upload is refused, charged nothing, and not repeated blindly),
 * `storage` (the signed upload URL; CORS for a browser origin), `end-to-end`, `rate-limits` and `observability`
 * (request ids, a redacting logger).
 */
export type DoctorCheckName =
  | 'reachability'
  | 'clock'
  | 'authentication'
  | 'key-format'
  | 'credits'
  | 'idempotency'
  | 'storage'
  | 'end-to-end'
  | 'rate-limits'
  | 'observability'

/** What one check found. */
export interface DoctorCheck {
  /** Which check. */
  name: DoctorCheckName
  /** The verdict. */
  result: CheckResult
  /** The facts behind it, one short sentence each: status codes, request ids, timings. Never the key. */
  evidence: string[]
  /** What to do about a `fail` or `warn`. */
  advice?: string
  /** The same facts as numbers and ids, for machines (e.g. `skewMs`, `requestIds`, stage timings in ms). */
  data?: Record<string, unknown>
  /** How long the check took, in milliseconds. */
  durationMs: number
}

/** Everything `doctor()` found. */
export interface DoctorReport {
  /** The API checked (the client's `baseUrl`). */
  baseUrl: string
  /** True when no check failed (warnings allowed). */
  ok: boolean
  /** How many checks gave each verdict. */
  summary: Record<CheckResult, number>
  /** Every check, in the order run. */
  checks: DoctorCheck[]
  /** When the run started (ISO 8601). */
  startedAt: string
  /** How long the whole run took, in milliseconds. */
  durationMs: number
}

/** Options of `doctor(client, options)`. Every field is optional. */
export interface DoctorOptions {
  /**
   * The recorder the client sends through (`new VideoBGRemoverClient(key, { fetch: recorder.fetch })`). Its
   * responses are the evidence for the key's format, its rate-limit headers and its request ids; without it those
   * checks say they could not look.
   */
  recorder?: ResponseRecorder
  /**
   * A browser origin such as `https://app.example.com`: the storage check then sends a CORS preflight for a signed
   * upload URL from it, since browser uploads go straight to storage. Default: browsers not checked.
   */
  origin?: string
  /**
   * Also process a real 1-second clip end to end (create, upload, start, wait, download, delete): about 1 credit.
   * Default false: every other check costs nothing.
   */
  withJob?: boolean
  /** Seconds to wait for the `withJob` clip to process (default 300). */
  jobTimeoutSeconds?: number
  /** Seconds between status polls of the `withJob` clip (default: the SDK's adaptive schedule). */
  pollSeconds?: number
  /** Milliseconds per attempt of each API call and of the CORS preflight (default 15 000). */
  timeout?: number
  /**
   * The fetch for doctor's own requests (the wrong-key call and the CORS preflight), never carrying your key.
   * Default: the recorder's `transport`, else `globalThis.fetch` through `HTTPS_PROXY` when set.
   */
  fetch?: FetchFn
  /** Stops the run at once: `doctor()` then rejects with an `AbortError`. */
  signal?: AbortSignal
  /** Called as each check finishes, e.g. to show progress. */
  onCheck?: (check: DoctorCheck) => void
}
