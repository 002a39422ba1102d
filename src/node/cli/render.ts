import { AbortError, ApiError, InsufficientCreditsError, ProcessingError, VideoBGRemoverError } from '../index'
import { ExitCode } from './exit-codes'

/** `tty`: live bars and status line on stderr. `plain`: one line per event. `json`: one JSON object on stdout. */
export type Mode = 'tty' | 'plain' | 'json'

export interface Stream {
  write(text: string): unknown
  columns?: number
}

export interface Transfer {
  update(loaded: number, total: number): void
  done(): void
}

export interface StatusLine {
  update(status: string, jobId: string): void
  /** Ends the line: `ok` when the job completed. */
  end(ok: boolean): void
}

/** Everything the commands show, whatever the mode. */
export interface Ui {
  readonly mode: Mode
  /** A byte transfer: a progress bar with rate and ETA on a terminal, start and end lines otherwise. */
  transfer(verb: 'Uploading' | 'Downloading', label: string, total?: number): Transfer
  /** The job's status while waiting: a live line with elapsed time on a terminal, one line per change otherwise. */
  waiting(jobId?: string): StatusLine
  /** A side note (stderr; nothing in json mode). */
  note(line: string): void
  /** The command's answer on stdout: `text` for people, `json` in json mode. */
  result(text: string, json: unknown): void
  /** Reports a failure: message and hints on stderr, or `{ error }` on stdout in json mode. */
  fail(error: unknown, code: ExitCode): void
  /** Clears any live line and stops its timer. */
  close(): void
}

export function createUi(mode: Mode, stdout: Stream, stderr: Stream): Ui {
  switch (mode) {
    case 'tty':
      return new TtyUi(stdout, stderr)
    case 'plain':
      return new PlainUi(stdout, stderr)
    case 'json':
      return new JsonUi(stdout)
  }
}

// ——— formatting ———

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let value = bytes / 1000
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

export function formatDuration(ms: number): string {
  const seconds = ms / 1000
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  const whole = Math.round(seconds)
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`
}

/** What to tell the user about a failure: a message and what to do next. */
export function describeFailure(error: unknown, code: ExitCode): { message: string; hints: string[] } {
  const message = error instanceof Error ? error.message : String(error)
  const jobId = error instanceof VideoBGRemoverError ? error.jobId : undefined
  const hints: string[] = []
  const leftBehind = (state: string) =>
    hints.push(
      `Job ${jobId} was left behind${state}.`,
      `  Check it:  vbr status ${jobId}`,
      `  Finish it: vbr wait ${jobId} -o <file>`,
      `  Remove it: vbr delete ${jobId}`,
    )
  switch (code) {
    case ExitCode.INTERRUPTED:
      if (error instanceof AbortError && jobId) leftBehind(' (if it had started, it goes on processing)')
      else hints.push('Interrupted before a job was created: nothing was left behind.')
      return { message: 'Interrupted.', hints }
    case ExitCode.AUTH:
      hints.push('Pass --api-key or set VIDEOBGREMOVER_API_KEY (keys look like vbr_ followed by 32 characters).')
      break
    case ExitCode.CREDITS: {
      const left = error instanceof InsufficientCreditsError ? error.remainingCredits : undefined
      hints.push(`Top up your credits (1 credit per second of video)${left === undefined ? '' : `; ${left} left`}.`)
      if (jobId) hints.push(`Job ${jobId} was created but not started (free); start again after topping up, or: vbr delete ${jobId}`)
      return { message, hints }
    }
    case ExitCode.JOB_FAILED:
      return { message: `Job ${jobId ?? ''} failed: ${message}`, hints: ['Failed jobs use no credits; try another clip or model.'] }
    case ExitCode.USAGE:
      return { message, hints }
  }
  if (jobId) leftBehind('')
  return { message, hints }
}

function errorJson(error: unknown, code: ExitCode): Record<string, unknown> {
  const { message } = describeFailure(error, code)
  const details: Record<string, unknown> = {
    name: error instanceof Error ? error.name : 'Error',
    message: error instanceof Error ? error.message : String(error),
    exitCode: code,
  }
  if (code === ExitCode.INTERRUPTED) details.message = message
  if (error instanceof VideoBGRemoverError && error.jobId) details.jobId = error.jobId
  if (error instanceof ApiError) Object.assign(details, { status: error.status, code: error.code, requestId: error.requestId })
  if (error instanceof InsufficientCreditsError) details.remainingCredits = error.remainingCredits
  if (error instanceof ProcessingError && error.code === 'job_failed') details.job = error.body
  return details
}

// ——— terminal ———

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const BAR_WIDTH = 24
const CLEAR_LINE = '\r\x1b[2K'

class TtyUi implements Ui {
  readonly mode = 'tty'
  #live = false
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(
    private readonly stdout: Stream,
    private readonly stderr: Stream,
  ) {}

  /** Redraws the live line in place, cut to the terminal's width. */
  #width(): number {
    return (this.stderr.columns || 80) - 1
  }

  #draw(line: string): void {
    const width = this.#width()
    this.stderr.write(CLEAR_LINE + (line.length > width ? line.slice(0, width) : line))
    this.#live = true
  }

  /** Replaces the live line with a permanent one. */
  #commit(line: string): void {
    this.#stopTimer()
    this.stderr.write(`${this.#live ? CLEAR_LINE : ''}${line}\n`)
    this.#live = false
  }

  #stopTimer(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  transfer(verb: 'Uploading' | 'Downloading', label: string, total?: number): Transfer {
    const started = Date.now()
    let last = { loaded: 0, total: total ?? 0 }
    const name = label.length > 28 ? `${label.slice(0, 27)}…` : label
    const draw = () => {
      const { loaded, total } = last
      const fraction = total > 0 ? Math.min(loaded / total, 1) : 0
      const seconds = (Date.now() - started) / 1000
      const rate = seconds > 0 ? loaded / seconds : 0
      const eta = rate > 0 && total > loaded ? `  ETA ${formatDuration(((total - loaded) / rate) * 1000)}` : ''
      const size = total > 0 ? `${formatBytes(loaded)}/${formatBytes(total)}` : formatBytes(loaded)
      const head = `${verb} ${name} `
      const tail = ` ${String(Math.floor(fraction * 100)).padStart(3)}%  ${size}  ${formatBytes(rate)}/s${eta}`
      const width = Math.max(8, Math.min(BAR_WIDTH, this.#width() - head.length - tail.length - 2))
      const filled = Math.round(fraction * width)
      this.#draw(`${head}[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]${tail}`)
    }
    draw()
    // Keeps the rate and ETA moving while the bytes stall.
    this.#stopTimer()
    this.#timer = setInterval(draw, 250)
    return {
      update: (loaded, total) => {
        last = { loaded, total }
        draw()
      },
      done: () => {
        const ms = Date.now() - started
        const verbDone = verb === 'Uploading' ? 'Uploaded' : 'Downloaded'
        this.#commit(`✓ ${verbDone} ${label} (${formatBytes(last.total)}) in ${formatDuration(ms)}`)
      },
    }
  }

  waiting(initialJobId?: string): StatusLine {
    const started = Date.now()
    let status = 'starting'
    let jobId = initialJobId
    let frame = 0
    const draw = () => {
      const job = jobId ? ` · job ${jobId}` : ''
      this.#draw(`${SPINNER[frame++ % SPINNER.length]} ${status}${job} · ${formatDuration(Date.now() - started)}`)
    }
    draw()
    this.#stopTimer()
    this.#timer = setInterval(draw, 100)
    return {
      update: (next, id) => {
        status = next
        jobId = id
        draw()
      },
      end: (ok) => {
        const mark = ok ? '✓' : '✗'
        this.#commit(`${mark} ${status}${jobId ? ` · job ${jobId}` : ''} · ${formatDuration(Date.now() - started)}`)
      },
    }
  }

  note(line: string): void {
    if (this.#live) this.stderr.write(CLEAR_LINE)
    this.stderr.write(`${line}\n`)
    this.#live = false
  }

  result(text: string): void {
    this.close()
    this.stdout.write(`${text}\n`)
  }

  fail(error: unknown, code: ExitCode): void {
    this.close()
    const { message, hints } = describeFailure(error, code)
    this.stderr.write(`✗ ${message}\n${hints.map((hint) => `${hint}\n`).join('')}`)
  }

  close(): void {
    this.#stopTimer()
    if (this.#live) this.stderr.write(`${CLEAR_LINE}`)
    this.#live = false
  }
}

// ——— pipes and logs ———

class PlainUi implements Ui {
  readonly mode = 'plain'

  constructor(
    private readonly stdout: Stream,
    private readonly stderr: Stream,
  ) {}

  transfer(verb: 'Uploading' | 'Downloading', label: string, total?: number): Transfer {
    const started = Date.now()
    let size = total ?? 0
    this.note(`${verb.toLowerCase()} ${label}${total ? ` (${formatBytes(total)})` : ''}`)
    return {
      update: (_, total) => {
        size = total
      },
      done: () => this.note(`${verb === 'Uploading' ? 'uploaded' : 'downloaded'} ${formatBytes(size)} in ${formatDuration(Date.now() - started)}`),
    }
  }

  waiting(): StatusLine {
    const started = Date.now()
    let last = ''
    return {
      update: (status, jobId) => {
        if (status === last) return
        last = status
        this.note(`job ${jobId}: ${status} (${formatDuration(Date.now() - started)})`)
      },
      end: () => {},
    }
  }

  note(line: string): void {
    this.stderr.write(`${line}\n`)
  }

  result(text: string): void {
    this.stdout.write(`${text}\n`)
  }

  fail(error: unknown, code: ExitCode): void {
    const { message, hints } = describeFailure(error, code)
    this.stderr.write(`vbr: ${message}\n${hints.map((hint) => `${hint}\n`).join('')}`)
  }

  close(): void {}
}

class JsonUi implements Ui {
  readonly mode = 'json'

  constructor(private readonly stdout: Stream) {}

  transfer(): Transfer {
    return { update() {}, done() {} }
  }

  waiting(): StatusLine {
    return { update() {}, end() {} }
  }

  note(): void {}

  result(_text: string, json: unknown): void {
    this.stdout.write(`${JSON.stringify(json)}\n`)
  }

  fail(error: unknown, code: ExitCode): void {
    this.stdout.write(`${JSON.stringify({ error: errorJson(error, code) })}\n`)
  }

  close(): void {}
}
