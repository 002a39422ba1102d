import {
  AbortError,
  ApiError,
  InsufficientCreditsError,
  JobNotFoundError,
  ProcessingError,
  StorageError,
  VideoBGRemoverError,
} from '../index'
import type { CommandName } from './args'
import { ExitCode } from './exit-codes'
import { printable } from './format'

/**
 * The SDK's messages name its options; on the command line they are flags. A message that mentions one of these
 * reads with the flag instead.
 */
const FLAGS_FOR_OPTIONS: readonly [option: string, flag: string][] = [
  ['pass { filename } or { contentType }', 'pass --content-type'],
  ['allowInsecureHttp: true', '--allow-insecure-http'],
  ['new VideoBGRemoverClient(apiKey)', '--api-key'],
  ['baseUrl', '--base-url'],
  ['apiKey', '--api-key'],
  ['pollSeconds', '--poll'],
  ['doctor({ origin })', '--origin'],
  ['jobTimeoutSeconds', '--timeout'],
  ['webhook_url', '--webhook'],
  ['background.color', '--color'],
  ['preflight: false', '--no-preflight'],
]

/** `message` with the SDK's option names replaced by the flags that set them. */
export function inFlags(message: string): string {
  return FLAGS_FOR_OPTIONS.reduce((text, [option, flag]) => text.replaceAll(option, flag), message)
}

/** The commands that create jobs, and so may leave one behind when they fail. */
const JOB_MAKERS: ReadonlySet<CommandName> = new Set(['remove', 'resume', 'batch'] as CommandName[])

/** What to tell the user about a failure: a message and what to do next. */
export function describeFailure(error: unknown, code: ExitCode, command?: CommandName): { message: string; hints: string[] } {
  const message = printable(inFlags(error instanceof Error ? error.message : String(error)))
  const jobId = error instanceof VideoBGRemoverError ? error.jobId : undefined
  const hints: string[] = []
  const leftBehind = (state: string) =>
    hints.push(
      `Job ${jobId} was left behind${state}.`,
      `  Check it:  vbr status ${jobId}`,
      `  Finish it: vbr resume ${jobId} <video> -o <file>`,
      `  Remove it: vbr delete ${jobId}`,
    )
  switch (code) {
    case ExitCode.INTERRUPTED:
      if (error instanceof AbortError && jobId) leftBehind(' (if it had started, it goes on processing)')
      else hints.push('Interrupted before a job was created: nothing was left behind.')
      return { message: 'Interrupted.', hints }
    case ExitCode.AUTH:
      hints.push('Pass --api-key or set VIDEOBGREMOVER_API_KEY (keys look like vbr_ followed by 32 characters).')
      break
    case ExitCode.CREDITS: {
      const left = error instanceof InsufficientCreditsError ? error.remainingCredits : undefined
      hints.push(`Top up your credits (1 credit per second of video)${left === undefined ? '' : `; ${left} left`}.`)
      if (jobId) {
        hints.push(
          `Job ${jobId} was created but not started (free): after topping up, vbr resume ${jobId} <video> starts it; or vbr delete ${jobId}`,
        )
      }
      return { message, hints }
    }
    case ExitCode.JOB_FAILED: {
      const said = message.startsWith(`Job ${jobId} failed`) ? message : `Job ${jobId ?? ''} failed: ${message}`
      return { message: said, hints: ['Failed jobs use no credits; try another clip or model.'] }
    }
    case ExitCode.USAGE:
      return { message, hints }
    case ExitCode.NOT_FOUND:
      if (error instanceof JobNotFoundError && jobId)
        return { message: `Job ${jobId} does not exist (or belongs to another API key).`, hints }
      return { message, hints }
  }
  if (error instanceof StorageError && (error.code === 'upload_url_unknown' || error.code === 'upload_url_expired')) {
    hints.push(
      `Start over with a new job: vbr remove <video>. Job ${jobId} never started and costs nothing (vbr delete ${jobId} removes it).`,
    )
    return { message, hints }
  }
  // A job is left behind only by a command that makes one; status, wait or delete name a job that was already there.
  if (jobId && (command === undefined || JOB_MAKERS.has(command))) leftBehind('')
  return { message, hints }
}

export function errorJson(error: unknown, code: ExitCode): Record<string, unknown> {
  const { message } = describeFailure(error, code)
  const details: Record<string, unknown> = {
    name: error instanceof Error ? error.name : 'Error',
    message: error instanceof Error ? error.message : String(error),
    exitCode: code,
  }
  if (code === ExitCode.INTERRUPTED) details.message = message
  if (error instanceof VideoBGRemoverError && error.jobId) details.jobId = error.jobId
  if (error instanceof ApiError) Object.assign(details, { status: error.status, code: error.code, requestId: error.requestId })
  if (error instanceof InsufficientCreditsError) {
    details.remainingCredits = error.remainingCredits
    details.requiredCredits = error.requiredCredits
  }
  if (error instanceof ProcessingError && error.code === 'job_failed') details.job = error.body
  return details
}
