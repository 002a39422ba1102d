import {
  AbortError,
  AuthenticationError,
  ConnectionError,
  InsufficientCreditsError,
  JobNotFoundError,
  ProcessingError,
  RateLimitError,
  TimeoutError,
  ValidationError,
} from '../index'

/** The CLI's exit codes, one per kind of failure. Documented in `vbr --help` and the README. */
export const ExitCode = {
  OK: 0,
  /** Anything else: an API error without a more specific code, or a bug. */
  ERROR: 1,
  /** Bad arguments, input the SDK refused before sending anything, or no ffmpeg for compose. */
  USAGE: 2,
  /** API key missing or rejected (401). */
  AUTH: 3,
  /** Not enough credits (402). */
  CREDITS: 4,
  /** No such job for this key (404). */
  NOT_FOUND: 5,
  /** The job ended `failed`. */
  JOB_FAILED: 6,
  /** The network failed or a request timed out. */
  NETWORK: 7,
  /** Rate limited (429) after the SDK's retries. */
  RATE_LIMITED: 8,
  /** `vbr doctor`: at least one check failed (the report says which). */
  CHECK_FAILED: 9,
  /** `vbr batch`: at least one input failed (the summary names them); the others are done. */
  BATCH_FAILED: 10,
  /** Ctrl-C (128 + SIGINT). */
  INTERRUPTED: 130,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** Rows of the table printed by `--help`. */
export const EXIT_CODE_HELP: readonly (readonly [ExitCode, string])[] = [
  [ExitCode.OK, 'success'],
  [ExitCode.ERROR, 'other error (unexpected API answer, server error)'],
  [ExitCode.USAGE, 'usage: bad arguments, input refused before sending (e.g. an .flv file), or no ffmpeg to compose'],
  [ExitCode.AUTH, 'authentication: API key missing or rejected'],
  [ExitCode.CREDITS, 'not enough credits'],
  [ExitCode.NOT_FOUND, 'job not found'],
  [ExitCode.JOB_FAILED, 'the job failed'],
  [ExitCode.NETWORK, 'network: connection failed or timed out (a started job may still finish)'],
  [ExitCode.RATE_LIMITED, 'rate limited: too many requests or job starts'],
  [ExitCode.CHECK_FAILED, 'vbr doctor: at least one check failed'],
  [ExitCode.BATCH_FAILED, 'vbr batch: at least one input failed (the summary says which); the rest are done'],
  [ExitCode.INTERRUPTED, 'interrupted (Ctrl-C); the job left behind is named (vbr batch: the command that resumes)'],
]

/** A failure the CLI itself detects (arguments, missing key), with the code to exit with. */
export class CliError extends Error {
  override name = 'CliError'
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message)
  }
}

/** Maps anything thrown to an exit code, most specific class first. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode
  if (error instanceof AbortError) return ExitCode.INTERRUPTED
  if (error instanceof ValidationError) return error.field === 'apiKey' ? ExitCode.AUTH : ExitCode.USAGE
  if (error instanceof AuthenticationError) return ExitCode.AUTH
  if (error instanceof InsufficientCreditsError) return ExitCode.CREDITS
  if (error instanceof JobNotFoundError) return ExitCode.NOT_FOUND
  if (error instanceof RateLimitError) return ExitCode.RATE_LIMITED
  if (error instanceof ProcessingError && error.code === 'job_failed') return ExitCode.JOB_FAILED
  if (error instanceof ConnectionError || error instanceof TimeoutError) return ExitCode.NETWORK
  return ExitCode.ERROR
}
