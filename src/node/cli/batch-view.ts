import type { BatchEvent, BatchPlan, BatchResult } from '../batch/index'
import { formatBytes, formatDuration } from './format'
import type { Mode, Stream } from './ui'

/** The totals of a batch, for the live view and the summary. */
export interface BatchTotals {
  inputs: number
  done: number
  skipped: number
  failed: number
  creditsUsed: number
  /** Milliseconds since the batch began. */
  elapsedMs: number
}

/** The key's start limit, for the ETA. */
export interface StartRate {
  startsPerWindow: number
  windowMs: number
}

const FINAL = new Set(['done', 'failed', 'skipped'])
const QUIET = new Set(['hashing', 'queued', 'elsewhere'])
const BAR = 16
const UP = (lines: number) => (lines > 0 ? `\x1b[${lines}A` : '')
const CLEAR_DOWN = '\r\x1b[J'

/** Where an input stands, as the live view shows it. */
interface Row {
  name: string
  stage: string
  bytes?: { loaded: number; total: number }
}

/**
 * What `vbr batch` shows: on a terminal, a live block on stderr with one line per active input (its stage, and a
 * bar while bytes move) and a totals line (done, failed, left, credits, an ETA no shorter than the start limit
 * allows); on a pipe, one plain line per step; with `--json`, one JSON line per result on stdout, then a summary.
 */
export class BatchView {
  readonly #rows = new Map<number, Row>()
  #drawn = 0
  #timer: ReturnType<typeof setInterval> | undefined
  #totals: BatchTotals = { inputs: 0, done: 0, skipped: 0, failed: 0, creditsUsed: 0, elapsedMs: 0 }
  #toStart = 0
  #started = 0
  readonly #began = Date.now()

  constructor(
    private readonly mode: Mode,
    private readonly stdout: Stream,
    private readonly stderr: Stream,
    private readonly rate: StartRate,
  ) {}

  /** The plan: inputs, estimated credits, and the time the start limit alone implies. */
  plan(plan: BatchPlan, dryRun: boolean): void {
    this.#toStart = plan.toStart
    this.#totals.inputs = plan.items.length
    const count = (action: string) => plan.items.filter((item) => item.action === action).length
    const lines = [
      `${plan.items.length} inputs: ${plan.toStart} to start, ${count('resume')} in flight, ${count('done')} done, ${count('failed')} failed, ${count('duplicate')} duplicates`,
      `estimated ${plan.estimatedCredits} credits${plan.unknownDurations ? ` (+ ${plan.unknownDurations} inputs of unknown length)` : ''}${plan.remainingCredits === undefined ? '' : `; ${plan.remainingCredits} left`}`,
      `the start limit (${this.rate.startsPerWindow} per ${formatDuration(this.rate.windowMs)}) alone takes ${formatDuration(plan.startLimitMs)}`,
    ]
    if (this.mode === 'json') {
      if (dryRun) this.stdout.write(`${JSON.stringify({ plan })}\n`)
      return
    }
    const out = dryRun ? this.stdout : this.stderr
    for (const line of lines) out.write(`${line}\n`)
    if (dryRun)
      for (const item of plan.items)
        out.write(
          `  ${item.action.padEnd(9)} ${String(item.input)} → ${item.output}${item.estimatedCredits === undefined ? '' : ` (${item.estimatedCredits} credits)`}\n`,
        )
  }

  event(event: BatchEvent): void {
    if (event.stage === 'starting') this.#started++
    if (FINAL.has(event.stage) || QUIET.has(event.stage)) this.#rows.delete(event.index)
    else this.#rows.set(event.index, { name: event.name, stage: event.stage, ...(event.bytes && { bytes: event.bytes }) })
    if (this.mode === 'plain' && !event.bytes?.loaded && !QUIET.has(event.stage) && !FINAL.has(event.stage)) {
      this.stderr.write(`${event.name}: ${event.stage}${event.jobId ? ` (job ${event.jobId})` : ''}\n`)
    }
    if (this.mode === 'tty') this.#timer ??= setInterval(() => this.#draw(), 100)
  }

  result(result: BatchResult, totals: BatchTotals): void {
    this.#totals = totals
    const name = String(
      result.input instanceof URL ? result.input : typeof result.input === 'object' ? (result.input.name ?? 'input') : result.input,
    )
    if (this.mode === 'json') {
      const { input, key, state, jobId, output, creditsUsed, error } = result
      const shown = typeof input === 'object' && !(input instanceof URL) ? (input.name ?? null) : String(input)
      this.stdout.write(
        `${JSON.stringify({ input: shown, key, state, jobId, output, creditsUsed, error: error && { name: error.name, message: error.message } })}\n`,
      )
      return
    }
    const line = `${result.state === 'failed' ? '✗' : '✓'} ${name}: ${result.state}${result.output ? ` → ${result.output}` : ''}${result.error ? ` (${result.error.message})` : ''}`
    this.#above(line)
  }

  /** Writes a permanent line above the live block. */
  #above(line: string): void {
    if (this.mode === 'tty') {
      this.stderr.write(`${UP(this.#drawn)}${CLEAR_DOWN}${line}\n`)
      this.#drawn = 0
      this.#draw()
    } else this.stderr.write(`${line}\n`)
  }

  #draw(): void {
    const width = (this.stderr.columns || 80) - 1
    const room = Math.min(12, Math.max(1, ((this.stderr as { rows?: number }).rows || 24) - 3))
    const rows = [...this.#rows.values()]
    const lines = rows.slice(0, room).map(({ name, stage, bytes }) => {
      const label = name.length > 28 ? `${name.slice(0, 27)}…` : name.padEnd(28)
      if (!bytes?.total) return `  ${label} ${stage}`
      const fraction = Math.min(bytes.loaded / bytes.total, 1)
      const filled = Math.round(fraction * BAR)
      return `  ${label} ${stage.padEnd(11)} [${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}] ${formatBytes(bytes.loaded)}`
    })
    if (rows.length > room) lines.push(`  … and ${rows.length - room} more`)
    lines.push(this.#totalsLine())
    this.stderr.write(`${UP(this.#drawn)}${CLEAR_DOWN}${lines.map((line) => line.slice(0, width)).join('\n')}\n`)
    this.#drawn = lines.length
  }

  #totalsLine(): string {
    const { inputs, done, skipped, failed, creditsUsed } = this.#totals
    const elapsedMs = Date.now() - this.#began
    const left = inputs - done - skipped - failed
    const waiting = Math.max(0, this.#toStart - this.#started)
    const etaMs = Math.ceil(waiting / this.rate.startsPerWindow) * this.rate.windowMs
    return `done ${done + skipped} · failed ${failed} · left ${left} · ${creditsUsed} credits · ${formatDuration(elapsedMs)}${left ? ` · ETA ≥ ${formatDuration(etaMs)} (start limit)` : ''}`
  }

  /** The summary table at the end (json: one summary line). */
  summary(totals: BatchTotals, failures: readonly BatchResult[], exitCode: number): void {
    this.close()
    if (this.mode === 'json') {
      this.stdout.write(`${JSON.stringify({ summary: { ...totals, exitCode } })}\n`)
      return
    }
    const rows: [string, string][] = [
      ['inputs', String(totals.inputs)],
      ['done', String(totals.done)],
      ['skipped', `${totals.skipped} (done before)`],
      ['failed', String(totals.failed)],
      ['credits', String(totals.creditsUsed)],
      ['time', formatDuration(totals.elapsedMs)],
    ]
    this.stderr.write(`\n${rows.map(([name, value]) => `${name.padEnd(9)}${value}`).join('\n')}\n`)
    for (const failure of failures) {
      this.stderr.write(
        `✗ ${String(failure.input)}: ${failure.error?.message ?? 'failed'}${failure.jobId ? ` (job ${failure.jobId})` : ''}\n`,
      )
    }
    this.stderr.write(`exit code ${exitCode}\n`)
  }

  /** Ctrl-C: the journal is consistent; the command that goes on from it. */
  interrupted(resume: string): void {
    this.close()
    if (this.mode !== 'json') this.stderr.write(`Interrupted. The journal is consistent; resume with:\n  ${resume}\n`)
  }

  close(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    if (this.mode === 'tty' && this.#drawn > 0) this.stderr.write(`${UP(this.#drawn)}${CLEAR_DOWN}`)
    this.#drawn = 0
  }
}
