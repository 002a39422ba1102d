import type { CommandName } from './args'
import type { ExitCode } from './exit-codes'
import { describeFailure, errorJson } from './failure'
import { formatBytes, formatDuration } from './format'
import type { StatusLine, Stream, Transfer, Ui } from './ui'

/** A pipe or a log: one plain line per event on stderr. */
export class PlainUi implements Ui {
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
      done: () =>
        this.note(`${verb === 'Uploading' ? 'uploaded' : 'downloaded'} ${formatBytes(size)} in ${formatDuration(Date.now() - started)}`),
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

  composing(label: string): Transfer {
    const started = Date.now()
    let length = 0
    this.note(`composing ${label}`)
    return {
      update: (_, duration) => {
        length = duration
      },
      done: () => this.note(`composed ${length.toFixed(1)} s of video in ${formatDuration(Date.now() - started)}`),
    }
  }

  note(line: string): void {
    this.stderr.write(`${line}\n`)
  }

  result(text: string): void {
    this.stdout.write(`${text}\n`)
  }

  fail(error: unknown, code: ExitCode, command?: CommandName): void {
    const { message, hints } = describeFailure(error, code, command)
    this.stderr.write(`vbr: ${message}\n${hints.map((hint) => `${hint}\n`).join('')}`)
  }

  close(): void {}
}

/** `--json`: nothing but one JSON object on stdout, the result or `{ error }`. */
export class JsonUi implements Ui {
  readonly mode = 'json'

  constructor(private readonly stdout: Stream) {}

  transfer(): Transfer {
    return { update() {}, done() {} }
  }

  waiting(): StatusLine {
    return { update() {}, end() {} }
  }

  composing(): Transfer {
    return { update() {}, done() {} }
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
