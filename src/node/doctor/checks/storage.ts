import { linkSignal } from '../../../core/signal'
import { AbortError, StorageError, networkError } from '../../../errors'
import type { FileJob } from '../../../types'
import { storageUrlPolicy } from '../../../transfer/storage-url'
import { describe, duration, failedWith, settle, type Check, type DoctorRun, type Outcome } from '../run'

const SHORT_LIFETIME_MS = 10 * 60_000

/**
 * The signed upload URL of a fresh job (free, deleted afterwards): its host and scheme, its expiry by this
 * machine's clock, and, given an `origin`, whether a browser there may upload to it (a CORS preflight).
 */
export const storage: Check = {
  name: 'storage',
  async run(run): Promise<Outcome> {
    const created = await settle(run.client.createJobFile({ filename: 'vbr-doctor-storage.mp4', content_type: 'video/mp4' }, run.request))
    if (!created.ok) return failedWith(created.error, 'POST /v1/jobs')
    const job = created.value
    const outcome = await inspect(run, job)
    const deleted = await settle(run.client.deleteJob(job.id, run.request))
    outcome.evidence.push(deleted.ok ? 'job deleted' : `the job could not be deleted: ${describe(deleted.error)}`)
    return outcome
  },
}

async function inspect(run: DoctorRun, job: FileJob): Promise<Outcome> {
  const url = new URL(job.upload_url)
  const type = job.instructions?.headers?.['Content-Type']
  const evidence = [`upload URL on ${url.protocol}//${url.host}${type ? ` (signed for PUT with Content-Type ${type})` : ''}`]
  const problems: { result: 'warn' | 'fail'; advice: string }[] = []
  const data: Record<string, unknown> = { host: url.host, scheme: url.protocol.slice(0, -1) }
  // The SDK's own storage URL policy: what it would refuse to upload to, the check reports and does not contact.
  const unsafe = refusal(() => storageUrlPolicy(run.client.baseUrl)(job.upload_url, job.id))
  if (unsafe) {
    evidence.push(`${unsafe}; not contacted`)
    problems.push({ result: 'fail', advice: 'The API hands out upload URLs the SDK should not use: report it to the vendor.' })
  }
  const expires = Date.parse(job.expires_at ?? '')
  if (Number.isNaN(expires)) {
    evidence.push('no expires_at: the SDK cannot tell an expired URL before sending')
    problems.push({ result: 'warn', advice: 'The create answer carries no usable expires_at: report it to the vendor.' })
  } else {
    const left = expires - Date.now()
    data.expiresInMs = left
    evidence.push(
      left > 0
        ? `expires in ${duration(left)} (${job.expires_at}), by this machine's clock`
        : `expired ${duration(-left)} ago, by this machine's clock`,
    )
    if (left < SHORT_LIFETIME_MS) {
      const advice =
        "The upload URL expires too soon by this machine's clock (the SDK refuses an upload past expires_at): see the clock check."
      problems.push({ result: left > 0 ? 'warn' : 'fail', advice })
    }
  }
  const origin = unsafe ? undefined : run.options.origin // nothing is sent to a URL that fails the rule above
  if (origin === undefined && !unsafe) {
    evidence.push('browser uploads not checked: give doctor({ origin }) the origin of your web app')
  } else if (origin !== undefined) {
    const cors = await preflight(run, job.upload_url, origin)
    evidence.push(cors.evidence)
    data.cors = cors.allowed
    if (!cors.allowed) {
      problems.push({
        result: 'fail',
        advice:
          'Browsers upload straight to storage, so the bucket must allow your origin (CORS: PUT with Content-Type), which the vendor sets up. Until it does, upload from your server: send the file to your backend and call removeBackground there.',
      })
    }
  }
  const worst = problems.find((problem) => problem.result === 'fail') ?? problems[0]
  if (!worst) return { result: 'pass', evidence, data }
  return { result: worst.result, evidence, advice: problems.map((problem) => problem.advice).join(' '), data }
}

/**
 * What a browser at `origin` would learn before uploading: a CORS preflight of the signed URL, sent with doctor's
 * own fetch (never the key). Allowed when the answer is 2xx, names the origin (or `*`), and allows PUT and
 * Content-Type (not a CORS-safelisted type for video).
 */
async function preflight(run: DoctorRun, uploadUrl: string, origin: string): Promise<{ allowed: boolean; evidence: string }> {
  const timeoutMs = run.request.timeout!
  const link = linkSignal(run.options.signal, timeoutMs)
  const from = `a preflight from ${origin}`
  try {
    const response = await run
      .transport(uploadUrl, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
        signal: link.signal,
        redirect: 'manual',
      })
      .catch((error: unknown) => {
        throw networkError(error, { what: 'OPTIONS <upload URL>', signal: run.options.signal, timedOut: link.timedOut(), timeoutMs })
      })
    await response.body?.cancel().catch(() => {})
    const header = (name: string) => response.headers.get(name) ?? ''
    const lists = (name: string, item: string) =>
      header(name) === '*' ||
      header(name)
        .toLowerCase()
        .split(/\s*,\s*/)
        .includes(item)
    const allowOrigin = header('access-control-allow-origin')
    const missing = [
      ...(allowOrigin === '*' || allowOrigin === origin ? [] : ['this origin']),
      ...(lists('access-control-allow-methods', 'put') ? [] : ['PUT']),
      ...(lists('access-control-allow-headers', 'content-type') ? [] : ['Content-Type']),
    ]
    if (response.ok && missing.length === 0) {
      return { allowed: true, evidence: `${from} → ${response.status}, allowing PUT with Content-Type: browsers there may upload` }
    }
    const without = missing.length === 3 ? 'no CORS headers' : `no allowance for ${missing.join(', ')}`
    return { allowed: false, evidence: `${from} → ${response.status} with ${without}: a browser there cannot upload` }
  } catch (error) {
    if (error instanceof AbortError) throw error // an abort ends the run
    return { allowed: false, evidence: `${from} → ${describe(error)}` }
  } finally {
    link.dispose()
  }
}

/** Why `check` refuses, or undefined when it does not. */
function refusal(check: () => unknown): string | undefined {
  try {
    check()
    return undefined
  } catch (error) {
    if (error instanceof StorageError) return error.message
    throw error
  }
}
