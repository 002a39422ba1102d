import { stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { outputExtension } from '../../../formats'
import { Prefer, Video, type Foreground, type RemoveBGOptionsInit } from '../../index'
import type { Command } from '../context'
import { CliError, ExitCode } from '../exit-codes'
import { describeLength, download, outputPath, stem } from '../output'
import type { StatusLine, Transfer } from '../ui'

/** `vbr remove <file|url>`: create, upload, start, wait, download. Everything is checked before anything is shown. */
export const remove: Command = async ({ client, ui, signal, cwd }, input = '', options) => {
  const isUrl = /^https?:\/\//i.test(input)
  const path = isUrl ? input : resolve(cwd, input)
  const size = isUrl ? undefined : await inputSize(path, input)
  const video = Video.open(path, { contentType: options.contentType }) // refuses a bad file type before anything is sent
  const format = options.color ? 'mp4' : (options.format ?? Prefer.WEBM_VP9)
  const removeOptions: RemoveBGOptionsInit = options.color
    ? { background: options.color, model: options.model }
    : { prefer: format, model: options.model }
  const output = await outputPath(cwd, options.output, `${stem(input)}-nobg.${outputExtension(format)}`, options.force)

  let upload: Transfer | undefined = isUrl ? undefined : ui.transfer('Uploading', basename(path), size)
  let status: StatusLine | undefined = isUrl ? ui.waiting() : undefined
  let foreground: Foreground
  try {
    foreground = await video.removeBackground({
      client: client(),
      options: removeOptions,
      webhookUrl: options.webhook,
      pollSeconds: options.poll,
      timeout: options.timeout,
      signal,
      onUploadProgress: ({ loaded, total }) => {
        upload?.update(loaded, total)
        if (upload && loaded >= total) {
          upload.done()
          upload = undefined
          status = ui.waiting()
        }
      },
      onStatus: (next, job) => (status ??= ui.waiting()).update(next, job.id),
    })
    status?.end(true)
  } catch (error) {
    status?.end(false)
    throw error
  }

  const bytes = await download(ui, foreground, output, signal)
  ui.note(`job ${foreground.jobId} · ${describeLength(foreground.lengthSeconds)} · ${foreground.format}`)
  const { jobId, format: outputFormat, model, lengthSeconds, source, url, maskUrl, thumbnailUrl, status: job } = foreground
  ui.result(output, { jobId, format: outputFormat, model, lengthSeconds, source, url, maskUrl, thumbnailUrl, status: job, output, bytes })
}

/** The size of the file to upload; a missing file or a directory is a usage error, before any output. */
async function inputSize(path: string, input: string): Promise<number> {
  const info = await stat(path).catch(() => undefined)
  if (!info) throw new CliError(`The file ${input} does not exist.`, ExitCode.USAGE)
  if (!info.isFile()) throw new CliError(`${input} is a directory, not a video file.`, ExitCode.USAGE)
  return info.size
}
