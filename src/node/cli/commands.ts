import { stat } from 'node:fs/promises'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { Foreground, Prefer, Video, type JobStatus, type RemoveBGOptionsInit, type VideoBGRemoverClient } from '../index'
import { outputExtension } from '../../formats'
import type { CommandName, CommandOptions } from './args'
import { CliError, ExitCode } from './exit-codes'
import { type StatusLine, type Transfer, type Ui } from './render'

export interface Context {
  client: VideoBGRemoverClient
  ui: Ui
  /** Fires on Ctrl-C. */
  signal: AbortSignal
  cwd: string
}

type Command = (context: Context, target: string | undefined, options: CommandOptions) => Promise<void>

/** `vbr remove <file|url>`: create, upload, start, wait, download. */
const remove: Command = async ({ client, ui, signal, cwd }, input = '', options) => {
  const isUrl = /^https?:\/\//i.test(input)
  const format = options.color ? 'mp4' : (options.format ?? Prefer.WEBM_VP9)
  const removeOptions: RemoveBGOptionsInit = options.color
    ? { background: options.color, model: options.model }
    : { prefer: format, model: options.model }
  const output = await outputPath(cwd, options.output, `${stem(input)}-nobg.${outputExtension(format)}`)
  const path = isUrl ? input : resolve(cwd, input)
  const video = Video.open(path) // refuses a bad file type before anything is sent

  const size = isUrl ? undefined : (await stat(path).catch(() => undefined))?.size
  let upload: Transfer | undefined = isUrl ? undefined : ui.transfer('Uploading', basename(path), size)
  let status: StatusLine | undefined = isUrl ? ui.waiting() : undefined
  let foreground: Foreground
  try {
    foreground = await video.removeBackground({
      client,
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

/** `vbr wait <id> [-o out]`: wait for the job; with -o, download its result. */
const wait: Command = async ({ client, ui, signal, cwd }, jobId = '', options) => {
  const line = ui.waiting(jobId)
  let job: JobStatus
  try {
    job = await client.wait(jobId, {
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
    ui.result(`${job.id} ${job.status}${job.processed_video_url ? `\n${job.processed_video_url}` : ''}`, job)
    return
  }
  const format = job.output_format ?? 'mp4'
  const output = await outputPath(cwd, options.output, `${job.id}.${outputExtension(format)}`)
  const foreground = new Foreground(client, job, { format, source: job.filename ?? job.id })
  const bytes = await download(ui, foreground, output, signal)
  ui.result(output, { ...job, output, bytes })
}

const credits: Command = async ({ client, ui, signal }) => {
  const balance = await client.credits({ signal })
  ui.result(`${balance.remainingCredits} credits left (${balance.usedCredits} used of ${balance.totalCredits})`, balance)
}

const status: Command = async ({ client, ui, signal }, jobId = '') => {
  const job = await client.status(jobId, { signal })
  const rows: [string, unknown][] = [
    ['job', job.id],
    ['status', job.status],
    ['message', job.message ?? job.error],
    ['file', job.filename],
    ['created', job.created_at],
    ['length', job.length_seconds == null ? undefined : describeLength(job.length_seconds)],
    ['format', job.output_format],
    ['result', job.processed_video_url],
    ['mask', job.processed_mask_url],
  ]
  const text = rows
    .filter(([, value]) => value != null && value !== '')
    .map(([name, value]) => `${`${name}:`.padEnd(9)}${String(value)}`)
    .join('\n')
  ui.result(text, job)
}

const deleteJob: Command = async ({ client, ui, signal }, jobId = '') => {
  const deleted = await client.deleteJob(jobId, { signal })
  ui.result(`Deleted job ${deleted.id}${deleted.message ? `: ${deleted.message}` : ''}`, deleted)
}

export const COMMAND_HANDLERS: Record<CommandName, Command> = { remove, wait, credits, status, delete: deleteJob }

async function download(ui: Ui, foreground: Foreground, output: string, signal: AbortSignal): Promise<number> {
  const transfer = ui.transfer('Downloading', basename(output))
  let bytes = 0
  await foreground.save(output, {
    signal,
    onProgress: ({ loaded, total }) => {
      bytes = loaded
      transfer.update(loaded, total)
    },
  })
  transfer.done()
  return bytes
}

/** `-o` as given (a file, or a directory to put `fallback` in), checked before any work is paid for. */
async function outputPath(cwd: string, option: string | undefined, fallback: string): Promise<string> {
  if (option === undefined) return resolve(cwd, fallback)
  const path = resolve(cwd, option)
  const info = await stat(path).catch(() => undefined)
  if (info?.isDirectory() || /[\\/]$/.test(option)) {
    if (!info) throw new CliError(`The output directory ${option} does not exist.`, ExitCode.USAGE)
    return join(path, fallback)
  }
  const parent = await stat(dirname(path)).catch(() => undefined)
  if (!parent?.isDirectory()) throw new CliError(`Cannot write ${option}: ${dirname(path)} is not a directory.`, ExitCode.USAGE)
  return path
}

/** `clip` for `/videos/clip.mp4` or `https://host/clip.mp4?x=1`. */
function stem(input: string): string {
  let name = input
  try {
    if (/^https?:\/\//i.test(input)) name = decodeURIComponent(new URL(input).pathname)
  } catch {}
  const base = basename(name)
  return base.slice(0, base.length - extname(base).length) || 'video'
}

function describeLength(seconds: number | undefined): string {
  return seconds === undefined ? 'length unknown' : `${seconds} s of video = ${seconds} credits`
}
