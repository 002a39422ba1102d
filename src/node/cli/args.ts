import { parseArgs } from 'node:util'
import { TRANSPARENT_FORMATS } from '../../formats'
import { Model } from '../index'
import { checkHexColor, checkPositive } from '../../validate'
import { CliError, ExitCode } from './exit-codes'
import { checkComposeFlags, readComposeFlags, type Backdrop, type Placement, type Sizing } from './compose-options'

export const COMMANDS = ['remove', 'batch', 'compose', 'probe', 'resume', 'credits', 'status', 'wait', 'delete', 'doctor', 'fake'] as const
export type CommandName = (typeof COMMANDS)[number]

/** Options common to every command. */
export interface GlobalOptions {
  apiKey?: string
  baseUrl?: string
  /** Allow a plain http:// base URL off loopback. */
  allowInsecureHttp: boolean
  json: boolean
}

export interface CommandOptions {
  output?: string
  format?: string
  model?: string
  color?: string
  webhook?: string
  /** Seconds to wait for processing. */
  timeout?: number
  /** Seconds between status polls (adaptive when absent). */
  poll?: number
  /** The upload's content type when the file name does not say it. */
  contentType?: string
  /** Replace an existing output file. */
  force?: boolean
  /** doctor: the browser origin to check storage CORS from. */
  origin?: string
  /** doctor: also process a 1-second clip (about 1 credit). */
  withJob?: boolean
  /** doctor: run against the offline fake API, started in-process. */
  fake?: boolean
  /** `false` (--no-preflight): skip the credit check before the job is created or started. */
  preflight?: false
  /** compose, remove: the background to put the person on (`--on`). */
  on?: Backdrop
  /** compose, remove --on: the person's size on the background (`--size`). */
  size?: Sizing
  /** compose, remove --on: where the person sits (`--at`). */
  at?: Placement
  /** remove --on: keep the cut-out beside the output instead of in a temporary file. */
  keep?: boolean
  /** batch: uploads and downloads in flight at once. */
  jobs?: number
  /** batch: the journal file (default inside the output directory). */
  journal?: string
  /** batch: print the plan, and do nothing. */
  dryRun?: boolean
  /** batch: refuse a batch estimated to cost more. */
  maxCredits?: number
  /** batch: retry the inputs an earlier run journaled as failed. */
  retryFailed?: boolean
}

export type Invocation =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'command'
      command: CommandName
      target?: string
      input?: string
      /** batch: every file, directory or URL named. */
      inputs?: string[]
      options: CommandOptions
      global: GlobalOptions
    }

export const FORMATS = TRANSPARENT_FORMATS
const MODEL_ALIASES: Record<string, string> = {
  original: Model.ORIGINAL,
  light: Model.LIGHT,
  pro: Model.PRO,
  human: Model.HUMAN,
}

const COMPOSING = ['on', 'size', 'at'] as const
/** Which command options each command accepts (the global ones are accepted everywhere). */
const ACCEPTS: Record<CommandName, readonly (keyof CommandOptions)[]> = {
  batch: ['output', 'format', 'model', 'color', 'contentType', 'preflight', 'jobs', 'journal', 'dryRun', 'maxCredits', 'retryFailed'],
  remove: ['output', 'format', 'model', 'color', 'webhook', 'timeout', 'poll', 'contentType', 'force', 'preflight', ...COMPOSING, 'keep'],
  compose: ['output', 'format', ...COMPOSING, 'force', 'timeout', 'poll'],
  resume: ['output', 'format', 'model', 'color', 'webhook', 'timeout', 'poll', 'contentType', 'force', 'preflight'],
  probe: ['contentType'],
  wait: ['output', 'timeout', 'poll', 'force'],
  credits: [],
  status: [],
  delete: [],
  doctor: ['origin', 'withJob', 'fake', 'timeout', 'poll'],
  fake: [],
}
export const TARGET: Record<CommandName, string | undefined> = {
  batch: '<files|dirs|urls>… -o <dir>',
  remove: '<file|url>',
  compose: '<file|job-id>',
  probe: '<file>',
  resume: '<job-id>',
  wait: '<job-id>',
  status: '<job-id>',
  delete: '<job-id>',
  credits: undefined,
  doctor: undefined,
  fake: undefined,
}
/** Commands that take a second, optional argument after their target. */
const INPUT: Partial<Record<CommandName, string>> = { resume: '[file|url]' }

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  format: { type: 'string', short: 'f' },
  model: { type: 'string', short: 'm' },
  color: { type: 'string' },
  webhook: { type: 'string' },
  timeout: { type: 'string' },
  poll: { type: 'string' },
  'content-type': { type: 'string' },
  force: { type: 'boolean' },
  origin: { type: 'string' },
  'with-job': { type: 'boolean' },
  fake: { type: 'boolean' },
  'no-preflight': { type: 'boolean' },
  jobs: { type: 'string', short: 'j' },
  journal: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'max-credits': { type: 'string' },
  'retry-failed': { type: 'boolean' },
  on: { type: 'string' },
  size: { type: 'string' },
  at: { type: 'string' },
  keep: { type: 'boolean' },
  'api-key': { type: 'string' },
  'base-url': { type: 'string' },
  'allow-insecure-http': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const

/** The flag of each option, for messages. */
const FLAG_OF: Record<keyof CommandOptions, string> = {
  output: '--output',
  format: '--format',
  model: '--model',
  color: '--color',
  webhook: '--webhook',
  timeout: '--timeout',
  poll: '--poll',
  contentType: '--content-type',
  force: '--force',
  origin: '--origin',
  withJob: '--with-job',
  fake: '--fake',
  preflight: '--no-preflight',
  on: '--on',
  size: '--size',
  at: '--at',
  keep: '--keep',
  jobs: '--jobs',
  journal: '--journal',
  dryRun: '--dry-run',
  maxCredits: '--max-credits',
  retryFailed: '--retry-failed',
}

const usage = (message: string) => new CliError(`${message}\nRun \`vbr --help\` for usage.`, ExitCode.USAGE)

/** Parses `argv` (without node and the script) into what to run; throws CliError(USAGE) on bad input. */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Invocation {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true })
  } catch (error) {
    throw usage(error instanceof Error ? error.message.split('. ')[0]! : String(error))
  }
  const { values, positionals } = parsed
  if (values.help || positionals[0] === 'help') return { kind: 'help' }
  if (values.version) return { kind: 'version' }

  const [name, ...rest] = positionals
  if (name === undefined) throw usage('No command given.')
  if (!(COMMANDS as readonly string[]).includes(name)) throw usage(`Unknown command "${name}".`)
  const command = name as CommandName

  const expected = TARGET[command]
  if (expected !== undefined && rest.length === 0) throw usage(`vbr ${command} needs ${expected}.`)
  const extra = command === 'batch' ? [] : expected === undefined ? rest : rest.slice(INPUT[command] === undefined ? 1 : 2)
  if (extra.length > 0) throw usage(`Unexpected argument "${extra[0]}" for vbr ${command}.`)

  const options: CommandOptions = {
    output: values.output,
    format: values.format,
    model: values.model === undefined ? undefined : (MODEL_ALIASES[values.model] ?? values.model),
    color: values.color === undefined ? undefined : checkColor(values.color),
    webhook: values.webhook,
    timeout: values.timeout === undefined ? undefined : seconds(values.timeout, '--timeout'),
    poll: values.poll === undefined ? undefined : seconds(values.poll, '--poll'),
    contentType: values['content-type'],
    force: values.force || undefined,
    origin: values.origin === undefined ? undefined : checkOrigin(values.origin),
    withJob: values['with-job'] || undefined,
    fake: values.fake || undefined,
    preflight: values['no-preflight'] ? false : undefined,
    jobs: values.jobs === undefined ? undefined : count(values.jobs, '--jobs', 1),
    journal: values.journal,
    dryRun: values['dry-run'] || undefined,
    maxCredits: values['max-credits'] === undefined ? undefined : count(values['max-credits'], '--max-credits', 0),
    retryFailed: values['retry-failed'] || undefined,
    ...inCliWords(() => readComposeFlags(values)),
  }
  for (const key of Object.keys(options) as (keyof CommandOptions)[]) {
    if (options[key] !== undefined && !ACCEPTS[command].includes(key)) throw usage(`vbr ${command} does not take ${FLAG_OF[key]}.`)
  }
  inCliWords(() => checkComposeFlags(command, options, values.json))
  if (options.on === undefined && options.format !== undefined && !FORMATS.includes(options.format as (typeof FORMATS)[number])) {
    throw usage(`Unknown --format "${options.format}"; use one of ${FORMATS.join(', ')}.`)
  }
  if (command === 'batch' && options.output === undefined) throw usage('vbr batch needs -o <dir>, the directory for the outputs.')
  if (options.format !== undefined && options.color !== undefined) {
    throw usage('--format (transparent output) and --color (solid background) exclude each other.')
  }

  return {
    kind: 'command',
    command,
    target: expected === undefined ? undefined : rest[0],
    ...(INPUT[command] !== undefined && rest[1] !== undefined && { input: rest[1] }),
    ...(command === 'batch' && { inputs: rest }),
    options,
    global: {
      apiKey: values['api-key'] ?? (env.VIDEOBGREMOVER_API_KEY || undefined),
      baseUrl: values['base-url'] ?? (env.VIDEOBGREMOVER_BASE_URL || undefined),
      allowInsecureHttp: values['allow-insecure-http'] ?? false,
      json: values.json ?? false,
    },
  }
}

/** What `read` gives, or its error, already in the CLI's words, as a usage error. */
function inCliWords<T>(read: () => T): T {
  try {
    return read()
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error))
  }
}

/** `value` checked by `check` (the SDK's own rule), or a usage error in the CLI's words. */
function flag<T>(value: string, check: (value: string) => T, message: string): T {
  try {
    return check(value)
  } catch {
    throw usage(message)
  }
}

const checkColor = (value: string) =>
  flag(value, (text) => checkHexColor(text, '--color').toLowerCase(), `--color must be a #RRGGBB colour, got "${value}".`)

const checkOrigin = (value: string) =>
  flag(
    value,
    (text) => {
      const url = new URL(text)
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(url.protocol)
      return url.origin
    },
    `--origin must be a web origin such as https://app.example.com, got "${value}".`,
  )

const seconds = (value: string, name: string) =>
  flag(
    value,
    (text) => checkPositive(text.trim() === '' ? Number.NaN : Number(text), name),
    `${name} must be a positive number of seconds, got "${value}".`,
  )

const count = (value: string, name: string, least: number) =>
  flag(
    value,
    (text) => {
      const number = Number(text)
      if (!Number.isInteger(number) || number < least || text.trim() === '') throw new RangeError(text)
      return number
    },
    `${name} must be a whole number of at least ${least}, got "${value}".`,
  )
