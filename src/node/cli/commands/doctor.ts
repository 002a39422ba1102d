import { FAKE_API_KEY } from '../../../testing/index'
import { CLIP_SECONDS } from '../../doctor/clip'
import { startFakeServer, type FakeServerOptions } from '../../fake-server'
import { doctor as runDoctor, ResponseRecorder, VideoBGRemoverClient } from '../../index'
import type { Command } from '../context'
import { inCliTerms, reportTable } from '../doctor-report'
import { ExitCode } from '../exit-codes'

/**
 * The fake `--fake` checks: rate-limit headers and request ids on, as the checks look for them, 1-second videos
 * (the clip's length), and a second of processing.
 */
const FAKE: FakeServerOptions = { rateLimit: {}, errorStyle: 'envelope', videoLengthSeconds: CLIP_SECONDS, processingMs: 1_000 }

/**
 * `vbr doctor`: the vendor's pre-production checklist against the configured API and key (or, with `--fake`, the
 * offline fake API), as a table or, with `--json`, the report. Exit code 9 when any check failed.
 */
export const doctor: Command = async ({ ui, signal, newClient }, _target, options) => {
  if (options.withJob) {
    ui.note(`--with-job processes a ${CLIP_SECONDS}-second clip end to end: about ${CLIP_SECONDS} credit (1 credit per second of video).`)
  }
  await using fake = options.fake ? await startFakeServer(FAKE) : undefined
  const recorder = new ResponseRecorder()
  const client = fake
    ? new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: fake.url, fetch: recorder.fetch })
    : newClient({ fetch: recorder.fetch })
  ui.note(`Checking ${client.baseUrl}${fake ? ' (the offline fake API)' : ''} …`)
  const report = inCliTerms(
    await runDoctor(client, {
      recorder,
      origin: options.origin,
      withJob: options.withJob,
      jobTimeoutSeconds: options.timeout,
      pollSeconds: options.poll,
      signal,
    }),
  )
  const code = report.ok ? ExitCode.OK : ExitCode.CHECK_FAILED
  ui.result(reportTable(report, code), report)
  if (!options.withJob) ui.note(`Add --with-job to also process a ${CLIP_SECONDS}-second clip end to end (about ${CLIP_SECONDS} credit).`)
  return code
}
