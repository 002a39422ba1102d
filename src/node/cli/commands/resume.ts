import { basename } from 'node:path'
import { outputExtension } from '../../../formats'
import { ValidationError, Video, type Foreground, type RemoveBackgroundParams } from '../../index'
import type { CommandOptions } from '../args'
import type { Command, Context } from '../context'
import { checkJobId } from '../../../validate'
import { CliError, ExitCode } from '../exit-codes'
import { outputOptions, videoInput } from '../input'
import { describeLength, download, outputPath, stem } from '../output'
import type { StatusLine, Transfer } from '../ui'

/**
 * `vbr resume <job-id> [file|url] [-o out]`: finishes a job from whatever stage it reached (upload, start, wait), and
 * downloads the result. Never starts a job twice, so it can be run again after any failure; a job that has not
 * started needs its video.
 */
export const resume: Command = async (context, jobId = '', options, input) => {
  const { ui, signal, cwd } = context
  checkJobId(jobId) // before it names a file or a directory is made for it
  const name = input === undefined ? jobId : `${stem(input)}-nobg`
  // An existing -o file is refused before any work; the final name waits for the job's format.
  if (options.output !== undefined)
    await outputPath(cwd, options.output, `${name}.${outputExtension(outputOptions(options).format)}`, options.force)

  let status: StatusLine | undefined
  let foreground: Foreground
  try {
    const onStatus: RemoveBackgroundParams['onStatus'] = (next) => (status ??= ui.waiting(jobId)).update(next, jobId)
    foreground =
      input === undefined ? await resultOf(context, jobId, options, onStatus) : await finish(context, jobId, input, options, onStatus)
    status?.end(true)
  } catch (error) {
    status?.end(false)
    throw error
  }

  const output = await outputPath(cwd, options.output, `${name}.${outputExtension(foreground.format)}`, options.force)
  const bytes = await download(ui, foreground, output, signal)
  ui.note(`job ${foreground.jobId} · ${describeLength(foreground.lengthSeconds)} · ${foreground.format}`)
  const { format, model, lengthSeconds, source, url, maskUrl, thumbnailUrl, status: job } = foreground
  ui.result(output, { jobId, format, model, lengthSeconds, source, url, maskUrl, thumbnailUrl, status: job, output, bytes })
}

/** Without the video: the job must have started already. */
async function resultOf(
  { client, signal }: Context,
  jobId: string,
  options: CommandOptions,
  onStatus: RemoveBackgroundParams['onStatus'],
): Promise<Foreground> {
  return client()
    .job(jobId)
    .result({ pollSeconds: options.poll, timeout: options.timeout, signal, onStatus })
    .catch((error: unknown) => {
      if (!(error instanceof ValidationError && error.field === 'source')) throw error
      throw new CliError(`Job ${jobId} has not started yet: pass its video to finish it, vbr resume ${jobId} <file>`, ExitCode.USAGE)
    })
}

/** With the video: upload and start as far as needed (a job past its start ignores the video and the options). */
async function finish(
  { client, ui, signal, cwd }: Context,
  jobId: string,
  input: string,
  options: CommandOptions,
  onStatus: RemoveBackgroundParams['onStatus'],
): Promise<Foreground> {
  const { path, isUrl } = await videoInput(cwd, input)
  const video = Video.open(path, { contentType: options.contentType })
  const named = options.format !== undefined || options.color !== undefined || options.model !== undefined
  let upload: Transfer | undefined
  let uploaded = false
  return video.removeBackground({
    client: client(),
    jobId,
    options: named ? outputOptions(options).removeOptions : undefined,
    webhookUrl: options.webhook,
    pollSeconds: options.poll,
    timeout: options.timeout,
    preflight: options.preflight,
    signal,
    onUploadProgress: ({ loaded, total }) => {
      if (isUrl || uploaded) return
      upload ??= ui.transfer('Uploading', basename(path), total)
      upload.update(loaded, total)
      if (loaded >= total) {
        upload.done()
        uploaded = true
      }
    },
    onStatus,
  })
}
