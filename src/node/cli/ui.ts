/** What the commands show, and the three ways to show it (terminal, pipe, JSON): the commands never write directly. */
import type { CommandName } from './args'
import type { ExitCode } from './exit-codes'
import { printable } from './format'
import { JsonUi, PlainUi } from './plain'
import { TtyUi } from './tty'

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
  /**
   * A local render into `label`: a progress bar over seconds of video on a terminal, start and end lines otherwise.
   * `update(seconds, duration)` takes seconds written and the output's length.
   */
  composing(label: string): Transfer
  /** A side note (stderr; nothing in json mode). */
  note(line: string): void
  /** The command's answer on stdout: `text` for people, `json` in json mode. */
  result(text: string, json: unknown): void
  /**
   * Reports a failure: message and hints on stderr, or `{ error }` on stdout in json mode. `command` (when the command
   * line was understood) decides the hints: only a command that creates jobs can leave one behind.
   */
  fail(error: unknown, code: ExitCode, command?: CommandName): void
  /** Clears any live line and stops its timer. */
  close(): void
}

/**
 * The UI for `mode`. What it writes never holds one of `secrets` (the key from the environment or `--api-key`, which
 * a usage error might echo), and text that came from a server reaches the terminal without its control characters.
 */
export function createUi(mode: Mode, stdout: Stream, stderr: Stream, secrets: readonly string[] = []): Ui {
  const [out, err] = [stdout, stderr].map((stream) => withoutSecrets(stream, secrets)) as [Stream, Stream]
  switch (mode) {
    case 'tty':
      return printableUi(new TtyUi(out, err))
    case 'plain':
      return printableUi(new PlainUi(out, err))
    case 'json':
      return new JsonUi(out)
  }
}

function withoutSecrets(stream: Stream, secrets: readonly string[]): Stream {
  const present = secrets.filter((secret) => secret.length > 0)
  return {
    write: (text) => stream.write(present.reduce((written, secret) => written.split(secret).join('[redacted]'), text)),
    get columns() {
      return stream.columns
    },
  }
}

/** `ui` with every piece of text a server may have written made printable (JSON output escapes it by itself). */
function printableUi(ui: Ui): Ui {
  return {
    mode: ui.mode,
    transfer: (verb, label, total) => ui.transfer(verb, printable(label), total),
    waiting: (jobId) => {
      const line = ui.waiting(jobId === undefined ? undefined : printable(jobId))
      return { update: (status, id) => line.update(printable(status), printable(id)), end: (ok) => line.end(ok) }
    },
    composing: (label) => ui.composing(printable(label)),
    note: (line) => ui.note(printable(line)),
    result: (text, json) => ui.result(printable(text), json),
    fail: (error, code, command) => ui.fail(error, code, command),
    close: () => ui.close(),
  }
}
