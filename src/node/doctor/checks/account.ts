import { ApiError, AuthenticationError } from '../../../errors'
import { describe, duration, failedWith, ownerOf, requestIdOf, type Check, type Outcome } from '../run'

const REFUSED_ADVICE =
  'The API refused this key: copy it again from the dashboard into VIDEOBGREMOVER_API_KEY (vbr_ + 32 characters, no quotes or spaces); a deleted or deactivated key answers 401 too.'

/** Your key answers 200 on `credits`; a deliberately wrong key answers 401, which the SDK maps to `AuthenticationError`. */
export const authentication: Check = {
  name: 'authentication',
  async run(run) {
    const [balance, wrong] = [await run.balance(), await run.wrongKey()]
    const ours = run.apiResponses().find((response) => response.status > 0)
    const keyless = ours !== undefined && ours.apiKey === undefined
    if (!balance.ok) {
      if (balance.error instanceof AuthenticationError) {
        return { result: 'fail', evidence: [`your key → ${describe(balance.error)} on GET /v1/credits`], advice: REFUSED_ADVICE }
      }
      return failedWith(balance.error, 'GET /v1/credits with your key')
    }
    const evidence = [`your key → 200 on GET /v1/credits${requestIdOf(ours)}`]
    const outcome = wrong.outcome
    if (outcome.ok) {
      evidence.push('a wrong key → 200: accepted')
      if (keyless) {
        const advice = 'Make sure your backend authorizes its callers before it adds the key (createProxyHandler: authorize).'
        return { result: 'warn', evidence: [...evidence, 'no key sent: baseUrl is a backend of yours that adds its own'], advice }
      }
      const advice =
        'baseUrl is not the API, or something in front of it adds a key of its own for anyone: find out what answers there before going live.'
      return { result: 'fail', evidence, advice }
    }
    const { error } = outcome
    if (error instanceof AuthenticationError) {
      evidence.push(`a wrong key → ${describe(error)} → AuthenticationError`)
      return { result: 'pass', evidence, data: { status: 200, wrongKeyStatus: error.status, wrongKeyRequestId: error.requestId } }
    }
    if (error instanceof ApiError && ownerOf(error) === undefined) {
      evidence.push(`a wrong key → ${describe(error)}, not 401`)
      const advice = `A wrong key should answer 401 (AuthenticationError); ${error.status} means a gateway or proxy in front of the API answers instead.`
      return { result: 'fail', evidence, advice }
    }
    const partial = failedWith(error, 'GET /v1/credits with a wrong key')
    return { ...partial, evidence: [...evidence, ...partial.evidence] }
  },
}

/** The key the client sends is `vbr_` + 32 characters, as seen on the wire (its length and prefix only). */
export const keyFormat: Check = {
  name: 'key-format',
  async run(run) {
    await run.balance()
    const sent = run.apiResponses()[0]
    if (!run.options.recorder) {
      return { result: 'warn', evidence: ['not checked: give doctor the recorder your client sends through (recorder)'] }
    }
    if (!sent) return { result: 'warn', evidence: ['not checked: no API call was recorded'] }
    if (!sent.apiKey) return { result: 'pass', evidence: ['no key sent: baseUrl is a backend of yours that adds its own'] }
    const { length, wellFormed } = sent.apiKey
    if (wellFormed) return { result: 'pass', evidence: [`vbr_ + 32 characters (${length} in all)`], data: { length } }
    return {
      result: 'warn',
      evidence: [`the key sent is ${length} characters long and is not vbr_ + 32 characters`],
      advice: 'Keys are vbr_ followed by 32 characters: look for a missing part, or a stray space, newline or quotes around the value.',
      data: { length },
    }
  },
}

const LOW_CREDITS = 60

/** The balance, and how much video it buys (1 credit per second). */
export const credits: Check = {
  name: 'credits',
  async run(run): Promise<Outcome> {
    const balance = await run.balance()
    if (!balance.ok) return failedWith(balance.error, 'GET /v1/credits')
    const { remainingCredits, usedCredits, totalCredits } = balance.value
    const evidence = [
      `${remainingCredits} credits left (${usedCredits} used of ${totalCredits})`,
      `${duration(Math.max(0, remainingCredits) * 1000)} of video at 1 credit per second`,
    ]
    const data = { remainingCredits, usedCredits, totalCredits, videoSeconds: remainingCredits }
    const advice =
      'Top up before going live: credits are charged at start, 1 per second of video, and a start with too few answers 402 (InsufficientCreditsError).'
    if (remainingCredits < 1) return { result: 'fail', evidence, advice, data }
    if (remainingCredits < LOW_CREDITS) return { result: 'warn', evidence: [...evidence, 'less than a minute of video'], advice, data }
    return { result: 'pass', evidence, data }
  },
}
