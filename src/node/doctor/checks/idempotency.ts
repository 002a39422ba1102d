import { ApiError } from '../../../errors'
import type { RecordedResponse } from '../recorder'
import { describe, failedWith, settle, type Check, type DoctorRun, type Outcome } from '../run'

/**
 * A job created (free) and started before its upload: the API must refuse the start and charge nothing, and the SDK
 * must not repeat it blindly (a start is repeated only after a status read showed it had not started). The job is
 * deleted afterwards.
 */
export const idempotency: Check = {
  name: 'idempotency',
  async run(run): Promise<Outcome> {
    const before = await run.balance()
    const created = await settle(
      run.client.createJobFile({ filename: 'vbr-doctor-idempotency.mp4', content_type: 'video/mp4' }, run.request),
    )
    if (!created.ok) return failedWith(created.error, 'POST /v1/jobs')
    const { id } = created.value
    const evidence = [`job ${id} created (free) and started before its upload`]
    const data: Record<string, unknown> = { jobId: id }
    const started = await settle(run.client.startJob(id, {}, run.request))
    let outcome: Outcome
    if (started.ok) {
      evidence.push(`start → accepted, ${started.value.creditsUsed ?? 'some'} credits charged`)
      outcome = {
        result: 'fail',
        evidence,
        advice:
          'The API started a job that has no video, and charged for it: report it to the vendor with the job id, and start jobs only once their upload resolved.',
      }
    } else if (
      started.error instanceof ApiError &&
      started.error.status >= 400 &&
      started.error.status < 500 &&
      started.error.status !== 429
    ) {
      const { error } = started
      evidence.push(`start refused: ${describe(error)}`)
      data.startCode = error.code
      data.startStatus = error.status
      outcome = { result: 'pass', evidence }
    } else {
      outcome = failedWith(started.error, 'the start before upload')
      outcome.evidence.unshift(...evidence)
    }
    outcome = judgeRepeats(outcome, startsOf(run, id))
    outcome = await judgeCharge(run, outcome, before.ok ? before.value.remainingCredits : undefined)
    const deleted = await settle(run.client.deleteJob(id, run.request))
    outcome.evidence.push(deleted.ok ? 'job deleted' : `the job could not be deleted: ${describe(deleted.error)}`)
    return { ...outcome, data: { ...data, ...outcome.data } }
  },
}

/** The start requests and status reads of job `id`, in order (none without a recorder). */
function startsOf(run: DoctorRun, id: string): RecordedResponse[] {
  const path = `/v1/jobs/${encodeURIComponent(id)}`
  return run
    .apiResponses()
    .filter(
      (call) =>
        (call.method === 'POST' && call.url.endsWith(`${path}/start`)) || (call.method === 'GET' && call.url.endsWith(`${path}/status`)),
    )
}

/** Every start after the first must follow a status read: otherwise the SDK repeated a start blindly. */
function judgeRepeats(outcome: Outcome, calls: RecordedResponse[]): Outcome {
  if (calls.length === 0) return outcome
  let starts = 0
  let blind = 0
  let readSinceStart = true
  for (const call of calls) {
    if (call.method === 'GET') readSinceStart = true
    else {
      starts++
      if (!readSinceStart) blind++
      readSinceStart = false
    }
  }
  const data = { ...outcome.data, startsSent: starts }
  if (blind > 0) {
    const evidence = [...outcome.evidence, `start sent ${starts} times, ${blind} of them without reading the status first`]
    return { result: 'fail', evidence, advice: 'The SDK repeated a start blindly: this can charge twice. Please report it.', data }
  }
  const sent =
    starts === 1 ? 'start sent once, not repeated' : `start sent ${starts} times, each after a status read showed it had not started`
  return { ...outcome, evidence: [...outcome.evidence, sent], data }
}

/** The balance after the refused start: unchanged, since nothing may be charged. */
async function judgeCharge(run: DoctorRun, outcome: Outcome, before: number | undefined): Promise<Outcome> {
  if (before === undefined) return outcome
  const after = await settle(run.client.credits(run.request))
  if (!after.ok) return { ...outcome, evidence: [...outcome.evidence, `the balance after could not be read: ${describe(after.error)}`] }
  const now = after.value.remainingCredits
  const data = { ...outcome.data, creditsBefore: before, creditsAfter: now }
  if (now === before) return { ...outcome, evidence: [...outcome.evidence, `credits unchanged (${before} before, ${now} after)`], data }
  const moved = `credits moved from ${before} to ${now} during the check`
  if (outcome.result === 'fail') return { ...outcome, evidence: [...outcome.evidence, moved], data }
  return {
    result: 'warn',
    evidence: [...outcome.evidence, `${moved}: another process using this key, or a charge for the refused start`],
    advice: 'Run doctor again when nothing else uses this key; if the balance still moves, report it with the job id.',
    data,
  }
}
