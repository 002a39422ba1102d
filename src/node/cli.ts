#!/usr/bin/env node
/**
 * `vbr`, the command-line client: `vbr --help` for usage and exit codes.
 * Layout: cli/args.ts parses the command line, cli/commands/ runs the commands (one file each), cli/ui.ts shows
 * progress and results (cli/tty.ts on a terminal, cli/plain.ts on a pipe or as JSON), cli/failure.ts says what went
 * wrong and what to do, cli/exit-codes.ts maps failures to exit codes.
 */
import { VERSION } from '../version'
import { parseCommandLine, type CommandName, type GlobalOptions } from './cli/args'
import { helpText } from './cli/help'
import { COMMAND_HANDLERS } from './cli/commands/index'
import { CliError, ExitCode, exitCodeFor } from './cli/exit-codes'
import { createUi, type Mode } from './cli/ui'
import { VideoBGRemoverClient, type NodeClientOptions } from './index'

function clientFor({ apiKey, baseUrl, allowInsecureHttp }: GlobalOptions, options: NodeClientOptions = {}): VideoBGRemoverClient {
  // Without a key, only a baseUrl pointing at your own backend (which adds the key) makes sense.
  if (!apiKey && !baseUrl) {
    throw new CliError('No API key.', ExitCode.AUTH)
  }
  return new VideoBGRemoverClient(apiKey, { ...(baseUrl ? { baseUrl } : {}), allowInsecureHttp, ...options })
}

/** The API keys this run was given (environment, `--api-key`): never printed, not even echoed in a usage error. */
function keysGiven(argv: readonly string[]): string[] {
  const flagged = argv.flatMap((arg, i) =>
    arg === '--api-key' ? [argv[i + 1] ?? ''] : arg.startsWith('--api-key=') ? [arg.slice(10)] : [],
  )
  return [process.env.VIDEOBGREMOVER_API_KEY ?? '', ...flagged].filter((key) => key.trim().length >= 8)
}

async function main(argv: readonly string[]): Promise<ExitCode> {
  const { stdout, stderr } = process
  // Decided before parsing, so that even a usage error is JSON with --json.
  const mode: Mode = argv.includes('--json') ? 'json' : stderr.isTTY && process.env.TERM !== 'dumb' ? 'tty' : 'plain'
  const ui = createUi(mode, stdout, stderr, keysGiven(argv))

  // Ctrl-C aborts whatever is in flight (the command then names the job left behind); a second one quits at once.
  const controller = new AbortController()
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(ExitCode.INTERRUPTED)
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let command: CommandName | undefined
  try {
    const invocation = parseCommandLine(argv)
    if (invocation.kind === 'help') {
      stdout.write(helpText())
      return ExitCode.OK
    }
    if (invocation.kind === 'version') {
      stdout.write(`vbr ${VERSION}\n`)
      return ExitCode.OK
    }
    command = invocation.command
    let client: VideoBGRemoverClient | undefined
    const context = {
      client: () => (client ??= clientFor(invocation.global)),
      newClient: (options: NodeClientOptions) => clientFor(invocation.global, options),
      ui,
      signal: controller.signal,
      cwd: process.cwd(),
      streams: { stdout, stderr },
      argv,
    }
    const { target, options, input, inputs } = invocation
    return (await COMMAND_HANDLERS[invocation.command](context, target, options, input, inputs)) ?? ExitCode.OK
  } catch (error) {
    let code = exitCodeFor(error)
    if (code === ExitCode.INTERRUPTED && !controller.signal.aborted) code = ExitCode.ERROR // an abort we did not ask for
    ui.fail(error, code, command)
    return code
  } finally {
    ui.close()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`vbr: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = ExitCode.ERROR
  },
)
