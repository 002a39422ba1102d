import { AbortError, InsufficientCreditsError, ProcessingError, StorageError, TimeoutError } from '../../../errors'
import { Foreground } from '../../../foreground'
import { CLIP_NAME, CLIP_SECONDS, clipBytes } from '../clip'
import { describe, duration, ownerOf, settle, type Check, type DoctorRun, type Outcome } from '../run'

const DEFAULT_JOB_TIMEOUT_SECONDS = 300

type Stage = 'create' | 'upload' | 'start' | 'processing' | 'download'

/**
 * A real 1-second clip end to end (only with `withJob`): create, upload, start, wait, download, each timed, and
 * the credits it used; the job is deleted afterwards, whatever happened.
 */
export const endToEnd: Check = {
  name: 'end-to-end',
  async run(run): Promise<Outcome> {
    const { client, request } = run
    const { signal } = run.options
    const timeout = run.options.jobTimeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS
    const stages: Partial<Record<Stage, number>> = {}
    let stage: Stage = 'create'
    const timed = async <T>(next: Stage, work: () => Promise<T>): Promise<T> => {
      stage = next
      const started = performance.now()
      const value = await work()
      stages[next] = Math.round(performance.now() - started)
      return value
    }
    const before = await settle(client.credits(request))
    let jobId: string | undefined
    let outcome: Outcome
    try {
      const clip = clipBytes()
      const job = await timed('create', () => client.createJobFile({ filename: CLIP_NAME, content_type: 'video/mp4' }, request))
      jobId = job.id
      await timed('upload', () => client.upload(job, clip, { signal }))
      const started = await timed('start', () => client.startJob(job.id, {}, request))
      const done = await timed('processing', () => client.wait(job.id, { pollSeconds: run.options.pollSeconds, timeout, signal }, request))
      const format = done.output_format ?? 'mp4'
      const output = await timed('download', () => new Foreground(client, done, { format, source: CLIP_NAME }).arrayBuffer({ signal }))
      const charged = await creditsUsed(run, before.ok ? before.value.remainingCredits : undefined, started.creditsUsed)
      outcome = {
        result: 'pass',
        evidence: [
          `a ${CLIP_SECONDS}-second clip (${clip.byteLength} bytes) → ${format} (${output.byteLength} bytes)`,
          timings(stages),
          charged.evidence,
        ],
        data: { jobId, stagesMs: stages, creditsUsed: charged.used, outputBytes: output.byteLength },
      }
    } catch (error) {
      if (error instanceof AbortError) throw error
      outcome = {
        result: 'fail',
        evidence: [`${stage} → ${describe(error)}`, ...(Object.keys(stages).length > 0 ? [timings(stages)] : [])],
        advice: adviceFor(error, stage, timeout),
        data: { jobId, stagesMs: stages, failedStage: stage },
      }
    }
    if (jobId !== undefined) {
      const deleted = await settle(client.deleteJob(jobId, request))
      outcome.evidence.push(deleted.ok ? `job ${jobId} deleted` : `job ${jobId} could not be deleted: ${describe(deleted.error)}`)
    }
    return outcome
  },
}

function timings(stages: Partial<Record<Stage, number>>): string {
  return Object.entries(stages)
    .map(([name, ms]) => `${name} ${duration(ms)}`)
    .join(' · ')
}

/** The credits the clip cost: the balance's drop when both reads worked, else what the start said. */
async function creditsUsed(run: DoctorRun, before: number | undefined, startSaid: number | undefined) {
  const after = await settle(run.client.credits(run.request))
  const said = startSaid === undefined ? '' : `; the start said ${startSaid}`
  if (before !== undefined && after.ok) {
    const used = before - after.value.remainingCredits
    return { used, evidence: `credits used: ${used} (${before} → ${after.value.remainingCredits}${said})` }
  }
  return { used: startSaid, evidence: `credits used: ${startSaid ?? 'unknown'} (the balance could not be read)` }
}

function adviceFor(error: unknown, stage: Stage, timeout: number): string {
  if (error instanceof InsufficientCreditsError) return `Top up: the clip needs ${CLIP_SECONDS} credit.`
  if (error instanceof ProcessingError && error.code === 'job_failed') {
    return 'The API could not process the clip (a failed job costs nothing): report it to the vendor with the job id.'
  }
  if (error instanceof TimeoutError && stage === 'processing') {
    return `The clip did not finish within ${timeout} s: processing is slow or stuck today; wait longer (jobTimeoutSeconds) or try again later.`
  }
  if (error instanceof StorageError) return 'Storage refused the clip: see the storage and clock checks.'
  const owner = ownerOf(error)
  if (owner) return `See the ${owner} check.`
  return 'See the other checks for the cause; if they all pass, report this with the job id.'
}
