import { basename } from 'node:path'
import { outputExtension } from '../../../formats'
import { Video, type Foreground } from '../../index'
import type { Command } from '../context'
import { outputOptions, videoInput } from '../input'
import { describeLength, download, outputPath, stem } from '../output'
import type { StatusLine, Transfer } from '../ui'

/**
 * `vbr remove <file|url>`: preflight, create, upload, start, wait, download. Everything is checked before anything is
 * shown; the job's id is printed as soon as it exists, so that `vbr resume` can pick it up if this stops.
 */
export const remove: Command = async ({ client, ui, signal, cwd }, input = '', options) => {
  const { path, isUrl, size } = await videoInput(cwd, input)
  const video = Video.open(path, { contentType: options.contentType }) // refuses a bad file type before anything is sent
  const { format, removeOptions } = outputOptions(options)
  const output = await outputPath(cwd, options.output, `${stem(input)}-nobg.${outputExtension(format)}`, options.force)

  // A URL job is created while the API downloads the video, which takes a while: the status line shows it.
  let status: StatusLine | undefined = isUrl ? ui.waiting() : undefined
  let upload: Transfer | undefined
  let foreground: Foreground
  try {
    foreground = await video.removeBackground({
      client: client(),
      options: removeOptions,
      webhookUrl: options.webhook,
      pollSeconds: options.poll,
      timeout: options.timeout,
      preflight: options.preflight,
      signal,
      onJobCreated: (jobId) => {
        ui.note(`job ${jobId} created`)
        if (!isUrl) upload = ui.transfer('Uploading', basename(path), size)
      },
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
