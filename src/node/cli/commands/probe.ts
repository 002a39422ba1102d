import { Video, type Credits, type VideoBGRemoverClient } from '../../index'
import type { Command } from '../context'
import { CliError, ExitCode } from '../exit-codes'
import { videoInput } from '../input'

/**
 * `vbr probe <file>`: what the file's container says (duration, container, size), what it would cost, and the
 * balance: the preflight `vbr remove` makes, shown. Reads a few slices of the file; the balance needs a key, and is
 * left out without one.
 */
export const probe: Command = async ({ client, ui, signal, cwd }, input = '', options) => {
  const { path, isUrl } = await videoInput(cwd, input)
  if (isUrl) throw new CliError('vbr probe reads a local file; for a URL, the API reads the video when the job is created.', ExitCode.USAGE)
  const result = await Video.open(path, { contentType: options.contentType }).probe()
  const balance = await balanceOf(client, signal)
  const { durationSeconds, container, width, height, estimatedCredits } = result
  const enough = estimatedCredits === undefined || balance === undefined ? undefined : balance.remainingCredits >= estimatedCredits
  const rows: [string, string][] = [
    ['file', input],
    ['container', container ?? 'unknown'],
    ['duration', durationSeconds === undefined ? 'unknown (not read from the container)' : `${durationSeconds.toFixed(2)} s`],
    ['size', width === undefined ? 'unknown' : `${width}×${height}`],
    ['credits', estimatedCredits === undefined ? 'unknown' : `${estimatedCredits} (1 per started second)`],
  ]
  if (balance) rows.push(['left', `${balance.remainingCredits} credits${enough === false ? ' (not enough for this video)' : ''}`])
  const text = rows.map(([name, value]) => `${`${name}:`.padEnd(11)}${value}`).join('\n')
  ui.result(text, { file: path, ...result, remainingCredits: balance?.remainingCredits, enoughCredits: enough })
}

/** The balance, or undefined when no key is configured: the probe itself needs none. */
async function balanceOf(client: () => VideoBGRemoverClient, signal: AbortSignal): Promise<Credits | undefined> {
  let api: VideoBGRemoverClient
  try {
    api = client()
  } catch (error) {
    if (error instanceof CliError && error.exitCode === ExitCode.AUTH) return undefined
    throw error
  }
  return api.credits({ signal })
}
