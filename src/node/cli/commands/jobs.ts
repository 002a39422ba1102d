import type { Command } from '../context'
import { describeLength } from '../output'

/** `vbr credits`: the balance. */
export const credits: Command = async ({ client, ui, signal }) => {
  const balance = await client().credits({ signal })
  ui.result(`${balance.remainingCredits} credits left (${balance.usedCredits} used of ${balance.totalCredits})`, balance)
}

/** `vbr status <id>`: one status read, as a small table. */
export const status: Command = async ({ client, ui, signal }, jobId = '') => {
  const job = await client().status(jobId, { signal })
  const rows: [string, unknown][] = [
    ['job', jobId],
    ['status', job.status],
    ['message', job.message ?? job.error],
    ['file', job.filename],
    ['created', job.created_at],
    ['length', job.length_seconds === undefined ? undefined : describeLength(job.length_seconds)],
    ['format', job.output_format],
    ['result', job.processed_video_url],
    ['mask', job.processed_mask_url],
  ]
  const text = rows
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([name, value]) => `${`${name}:`.padEnd(9)}${String(value)}`)
    .join('\n')
  ui.result(text, job)
}

/** `vbr delete <id>`: delete the job and its files. */
export const deleteJob: Command = async ({ client, ui, signal }, jobId = '') => {
  const deleted = await client().deleteJob(jobId, { signal })
  ui.result(`Deleted job ${jobId}${deleted.message ? `: ${deleted.message}` : ''}`, deleted)
}
