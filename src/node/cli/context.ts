import type { VideoBGRemoverClient } from '../index'
import type { CommandOptions } from './args'
import type { Ui } from './ui'

/** What every command gets: the client (built on first use: `vbr fake` needs none), the UI, Ctrl-C, the cwd. */
export interface Context {
  client(): VideoBGRemoverClient
  ui: Ui
  /** Fires on Ctrl-C. */
  signal: AbortSignal
  cwd: string
}

/** A command: its target (a file, URL or job id), its options, and the optional second argument some take. */
export type Command = (context: Context, target: string | undefined, options: CommandOptions, input?: string) => Promise<void>
