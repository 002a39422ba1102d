import { readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { internalsOf } from '../../../client'
import { API_RATE_LIMITS } from '../../../core/limiter'
import { uploadContentType } from '../../../formats'
import { fileJobStore, planBatch, runBatch, type BatchResult, type RunBatchOptions } from '../../batch/index'
import { AbortError, InsufficientCreditsError, Prefer, type RemoveBGOptionsInit } from '../../index'
import { BatchView, type BatchTotals } from '../batch-view'
import type { Command } from '../context'
import { CliError, ExitCode } from '../exit-codes'

/** The files, URLs and the videos of the directories named, in order; a directory's videos sorted by name. */
async function expand(cwd: string, targets: readonly string[]): Promise<string[]> {
  const inputs: string[] = []
  for (const target of targets) {
    if (/^https?:\/\//i.test(target)) {
      inputs.push(target)
      continue
    }
    const path = resolve(cwd, target)
    const info = await stat(path).catch(() => undefined)
    if (!info) throw new CliError(`${target} does not exist.`, ExitCode.USAGE)
    if (info.isFile()) inputs.push(path)
    else {
      const names = (await readdir(path)).filter((name) => !name.startsWith('.') && uploadContentType(name) !== undefined).sort()
      if (names.length === 0) throw new CliError(`${target} holds no video (.mp4, .mov, .webm, …).`, ExitCode.USAGE)
      inputs.push(...names.map((name) => join(path, name)))
    }
  }
  return inputs
}

/** `argv` as a shell line: each argument quoted when it needs to be. */
const shellLine = (argv: readonly string[]) =>
  ['vbr', ...argv].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ')

/**
 * `vbr batch <files|dirs|urls>… -o <dir>`: runBatch with a live view, a summary, and the journal in `<dir>` (or
 * `--journal`). Exit 0 when every input is done, 10 when some failed, 4 when the preflight refuses, 130 on Ctrl-C
 * (after printing the command that resumes).
 */
export const batch: Command = async ({ client, ui, signal, cwd, streams, argv }, _target, options, _input, targets = []) => {
  const inputs = await expand(cwd, targets)
  const removeOptions: RemoveBGOptionsInit = options.color
    ? { background: options.color, model: options.model }
    : { prefer: options.format ?? Prefer.WEBM_VP9, model: options.model }
  const store = options.journal === undefined ? undefined : fileJobStore(resolve(cwd, options.journal))
  const settings: RunBatchOptions = {
    client: client(),
    outDir: resolve(cwd, options.output!),
    options: removeOptions,
    ...(store && { store }),
    ...(options.jobs !== undefined && { concurrency: options.jobs }),
    ...(options.maxCredits !== undefined && { maxCredits: options.maxCredits }),
    ...(options.preflight === false && { preflight: false }),
    retryFailed: options.retryFailed === true,
    signal,
  }
  const rate = internalsOf(settings.client)?.rateLimits ?? API_RATE_LIMITS
  const view = new BatchView(ui.mode, streams.stdout, streams.stderr, rate)
  try {
    const plan = await planBatch(inputs, settings).catch((error: unknown) => {
      if (options.dryRun && error instanceof InsufficientCreditsError) ui.note(`Dry run: ${error.message}`)
      throw error
    })
    view.plan(plan, options.dryRun === true)
    if (options.dryRun) return ExitCode.OK
    const began = Date.now()
    const totals: BatchTotals = { inputs: inputs.length, done: 0, skipped: 0, failed: 0, creditsUsed: 0, elapsedMs: 0 }
    const failures: BatchResult[] = []
    try {
      for await (const result of runBatch(inputs, { ...settings, preflight: false, onEvent: (event) => view.event(event) })) {
        totals[result.state]++
        totals.creditsUsed += result.creditsUsed ?? 0
        totals.elapsedMs = Date.now() - began
        if (result.state === 'failed') failures.push(result)
        view.result(result, totals)
      }
    } catch (error) {
      if (!(error instanceof AbortError)) throw error
      view.interrupted(shellLine(argv))
      throw error
    }
    totals.elapsedMs = Date.now() - began
    const code = failures.length > 0 ? ExitCode.BATCH_FAILED : ExitCode.OK
    view.summary(totals, failures, code)
    return code
  } finally {
    view.close()
    await store?.close?.()
  }
}
