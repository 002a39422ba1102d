import { inspect } from 'node:util'
import { REDACTED } from '../../../core/redact'
import { ApiError } from '../../../errors'
import { WRONG_KEY, type Check, type Outcome } from '../run'

const SHOWN_IDS = 3

/**
 * Each call's request id is captured (read from the answers, and kept on the errors the SDK throws), and the
 * logger redacts the key: the wrong-key call logs at debug, and neither its log lines nor its error may hold that key.
 */
export const observability: Check = {
  name: 'observability',
  async run(run): Promise<Outcome> {
    const { outcome, logLines } = await run.wrongKey()
    const answers = [...run.apiResponses(), ...run.wrongKeyRecorder.responses].filter((call) => call.status > 0)
    const ids = answers.map((call) => call.headers['x-request-id']).filter((id): id is string => id !== undefined)
    const evidence: string[] = []
    const problems: string[] = []
    const data: Record<string, unknown> = { requestIds: ids, answers: answers.length }
    if (ids.length > 0) {
      const shown = ids.slice(0, SHOWN_IDS).join(', ') + (ids.length > SHOWN_IDS ? ', …' : '')
      evidence.push(`request ids on ${ids.length} of ${answers.length} answers: ${shown}`)
    } else if (answers.length > 0) {
      evidence.push('the API sent no request-id header: log the job id instead (every error after a job exists carries jobId)')
    }
    const error = outcome.ok ? undefined : outcome.error
    const sent = run.wrongKeyRecorder.responses.find((call) => call.status > 0)?.headers['x-request-id']
    if (error instanceof ApiError && sent !== undefined) {
      if (error.requestId === sent) evidence.push(`errors keep it: ${error.name}.requestId = ${sent}`)
      else problems.push(`the ${error.name} lost the request id ${sent} (it holds ${error.requestId ?? 'none'})`)
    }
    const leaked = logLines.some((line) => line.includes(WRONG_KEY))
    const renderings = error === undefined ? [] : [String(error), JSON.stringify(error), inspect(error, { depth: 8 })]
    if (leaked) problems.push('a debug log line holds the key')
    else {
      const masked = logLines.some((line) => line.includes(REDACTED)) ? `, x-api-key shown as ${REDACTED}` : ''
      evidence.push(
        `the SDK's debug log holds no key (${logLines.length} ${logLines.length === 1 ? 'line' : 'lines'} for one call${masked})`,
      )
    }
    if (renderings.some((text) => text.includes(WRONG_KEY))) problems.push('the error holds the key')
    else if (error !== undefined)
      evidence.push(`the ${error instanceof Error ? error.name : 'error'} holds no key (message, JSON, inspect)`)
    if (problems.length > 0) {
      return {
        result: 'fail',
        evidence: [...evidence, ...problems],
        advice: 'The SDK let the key or a request id slip: please report it. Until fixed, keep debug logging off.',
        data,
      }
    }
    return { result: 'pass', evidence, data }
  },
}
