/** What the commands show, and the three ways to show it (terminal, pipe, JSON): the commands never write directly. */
import type { ExitCode } from './exit-codes'
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
