import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { outputExtension } from '../../../formats'
import { JOB_ID_PATTERN } from '../../../validate'
import { ValidationError, type Foreground } from '../../index'
import type { CommandOptions } from '../args'
import { composeStage } from '../compose-stage'
import type { Command, Context } from '../context'
import { CliError, ExitCode } from '../exit-codes'
import { download, stem } from '../output'
import type { StatusLine } from '../ui'

const JOB_ID = new RegExp(`^${JOB_ID_PATTERN}$`)

/**
 * `vbr compose <file|job-id> --on <#hex|image|video>`: puts a cut-out on a new background with a local ffmpeg (no
 * credits). The cut-out is a file of any output format, recognised by its content, or a job whose result is
 * downloaded first into a temporary file, removed at the end. Everything is checked before anything is downloaded.
 */
export const compose: Command = async (context, target = '', options) => {
  const file = await cutoutInput(context.cwd, target)
  await using stage = await composeStage(context, options, file ? stem(target) : target)
  if (file !== undefined) {
    await stage.compose(file, { cutout: file })
  } else {
    const result = await jobResult(context, target, options)
    const saved = await stage.cutoutFile(`${target}.${outputExtension(result.format)}`)
    await download(context.ui, result, saved, context.signal)
    const { jobId, format, model, lengthSeconds, source } = result
    await stage.compose(saved, { jobId, format, model, lengthSeconds, source })
  }
}

/** The job's result, once it is completed (waiting with a status line if it is still processing). */
async function jobResult({ client, ui, signal }: Context, jobId: string, options: CommandOptions): Promise<Foreground> {
  let status: StatusLine | undefined
  try {
    const onStatus = (next: string) => (status ??= ui.waiting(jobId)).update(next, jobId)
    const result = await client().job(jobId).result({ pollSeconds: options.poll, timeout: options.timeout, signal, onStatus })
    status?.end(true)
    return result
  } catch (error) {
    status?.end(false)
    if (!(error instanceof ValidationError && error.field === 'source')) throw error
    throw new CliError(`Job ${jobId} has not started yet: finish it first (vbr resume ${jobId} <video>), then compose it.`, ExitCode.USAGE)
  }
}

/** The cut-out's file; undefined for a job id (a name that is no file, and has no dot as a file name would). */
async function cutoutInput(cwd: string, target: string): Promise<string | undefined> {
  const path = resolve(cwd, target)
  const info = await stat(path).catch(() => undefined)
  if (info?.isFile()) return path
  if (info) throw new CliError(`${target} is a directory, not a cut-out file.`, ExitCode.USAGE)
  if (!target.includes('.') && JOB_ID.test(target)) return undefined
  throw new CliError(`The file ${target} does not exist (nor is it a job id).`, ExitCode.USAGE)
}
