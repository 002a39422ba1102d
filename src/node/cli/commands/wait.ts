import { outputExtension } from '../../../formats'
import { Foreground, type JobStatus } from '../../index'
import type { Command } from '../context'
import { download, outputPath } from '../output'

/** `vbr wait <id> [-o out]`: wait for the job; with -o, download its result, named from the id typed. */
export const wait: Command = async ({ client, ui, signal, cwd }, jobId = '', options) => {
  const line = ui.waiting(jobId)
  let job: JobStatus
  try {
    job = await client().wait(jobId, {
      pollSeconds: options.poll,
      timeout: options.timeout,
      signal,
      onStatus: (next) => line.update(next, jobId),
    })
    line.end(true)
  } catch (error) {
    line.end(false)
    throw error
  }
  if (options.output === undefined) {
    ui.result(`${jobId} ${job.status}${job.processed_video_url ? `\n${job.processed_video_url}` : ''}`, job)
    return
  }
  const format = job.output_format ?? 'mp4'
  const output = await outputPath(cwd, options.output, `${jobId}.${outputExtension(format)}`, options.force)
  const foreground = new Foreground(client(), job, { format, source: job.filename ?? jobId })
  const bytes = await download(ui, foreground, output, signal)
  ui.result(output, { ...job, output, bytes })
}
