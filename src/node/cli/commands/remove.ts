import { basename } from 'node:path'
import { outputExtension } from '../../../formats'
import { Video, type Foreground } from '../../index'
import { composeStage } from '../compose-stage'
import type { Command } from '../context'
import { outputOptions, videoInput } from '../input'
import { describeLength, download, outputPath, stem } from '../output'
import type { StatusLine, Transfer } from '../ui'

/**
 * `vbr remove <file|url>`: preflight, create, upload, start, wait, download. Everything is checked before anything is
 * shown; the job's id is printed as soon as it exists, so that `vbr resume` can pick it up if this stops. With `--on`,
 * the result (`webm_vp9`, in a temporary file unless `--keep`) is then composed onto that background.
 */
export const remove: Command = async (context, input = '', options) => {
  const { client, ui, signal, cwd } = context
  const { path, isUrl, size } = await videoInput(cwd, input)
  const video = Video.open(path, { contentType: options.contentType }) // refuses a bad file type before anything is sent
  await using stage = options.on === undefined ? undefined : await composeStage(context, options, stem(input))
  // With --on, --format names the composed output; the API is asked for VP9 with alpha, which compose reads.
  const { format, removeOptions } = outputOptions(stage ? { ...options, format: undefined } : options)
  const name = `${stem(input)}-nobg.${outputExtension(format)}`
  const output = stage ? await stage.cutoutFile(name, options.keep) : await outputPath(cwd, options.output, name, options.force)

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
  const json = { jobId, format: outputFormat, model, lengthSeconds, source, url, maskUrl, thumbnailUrl, status: job }
  // Awaited here: leaving the function disposes the stage, and with it the temporary cut-out.
  if (stage) return await stage.compose(output, { ...json, ...(options.keep && { cutout: output }) })
  ui.result(output, { ...json, output, bytes })
}
