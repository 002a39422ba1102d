import type { CommandName } from './args'
import type { ExitCode } from './exit-codes'
import { describeFailure } from './failure'
import { formatBytes, formatDuration } from './format'
import type { StatusLine, Stream, Transfer, Ui } from './ui'

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const BAR_WIDTH = 24
const CLEAR_LINE = '\r\x1b[2K'

/** A terminal: a progress bar and a live status line redrawn in place on stderr. */
export class TtyUi implements Ui {
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

  composing(label: string): Transfer {
    this.#stopTimer()
    const started = Date.now()
    let last = { seconds: 0, duration: 0 }
    const name = label.length > 28 ? `${label.slice(0, 27)}…` : label
    const draw = () => {
      const { seconds, duration } = last
      const fraction = duration > 0 ? Math.min(seconds / duration, 1) : 0
      const elapsed = Date.now() - started
      const eta = fraction > 0 && fraction < 1 ? `  ETA ${formatDuration((elapsed / fraction) * (1 - fraction))}` : ''
      const head = `Composing ${name} `
      const tail = ` ${String(Math.floor(fraction * 100)).padStart(3)}%  ${seconds.toFixed(1)}/${duration.toFixed(1)} s of video${eta}`
      const width = Math.max(8, Math.min(BAR_WIDTH, this.#width() - head.length - tail.length - 2))
      const filled = Math.round(fraction * width)
      this.#draw(`${head}[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]${tail}`)
    }
    draw()
    return {
      update: (seconds, duration) => {
        last = { seconds, duration }
        draw()
      },
      done: () => this.#commit(`✓ Composed ${label} (${last.duration.toFixed(1)} s of video) in ${formatDuration(Date.now() - started)}`),
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

  fail(error: unknown, code: ExitCode, command?: CommandName): void {
    this.close()
    const { message, hints } = describeFailure(error, code, command)
    this.stderr.write(`✗ ${message}\n${hints.map((hint) => `${hint}\n`).join('')}`)
  }

  close(): void {
    this.#stopTimer()
    if (this.#live) this.stderr.write(`${CLEAR_LINE}`)
    this.#live = false
  }
}
