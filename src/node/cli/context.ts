import type { NodeClientOptions, VideoBGRemoverClient } from '../index'
import type { CommandOptions } from './args'
import type { ExitCode } from './exit-codes'
import type { Stream, Ui } from './ui'

/** What every command gets: the client (built on first use: `vbr fake` needs none), the UI, Ctrl-C, the cwd. */
export interface Context {
  client(): VideoBGRemoverClient
  /** A fresh client with the command line's key and base URL, plus `options` (e.g. a recording `fetch`). */
  newClient(options: NodeClientOptions): VideoBGRemoverClient
  ui: Ui
  /** Fires on Ctrl-C. */
  signal: AbortSignal
  cwd: string
  /** The raw streams, for views of their own (vbr batch's live view). */
  streams: { stdout: Stream; stderr: Stream }
  /** The command line as typed, after `vbr` (to print the command that resumes an interrupted batch). */
  argv: readonly string[]
}

/**
 * Runs a command on its target (a file, URL or job id), its options and the optional second argument some take; it
 * may end with an exit code of its own (vbr doctor's 9), else 0.
 */
export type Command = (
  context: Context,
  target: string | undefined,
  options: CommandOptions,
  input?: string,
  /** vbr batch: every input named. */
  inputs?: readonly string[],
) => Promise<void | ExitCode>
