import { parseArgs } from 'node:util'
import { TRANSPARENT_FORMATS } from '../../formats'
import { Model } from '../index'
import { checkHexColor, checkPositive } from '../../validate'
import { CliError, EXIT_CODE_HELP, ExitCode } from './exit-codes'
import { checkComposeFlags, COMPOSE_HELP, readComposeFlags, type Backdrop, type Placement, type Sizing } from './compose-options'

export const COMMANDS = ['remove', 'compose', 'probe', 'resume', 'credits', 'status', 'wait', 'delete', 'doctor', 'fake'] as const
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
}

export type Invocation =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'command'; command: CommandName; target?: string; input?: string; options: CommandOptions; global: GlobalOptions }

const FORMATS = TRANSPARENT_FORMATS
const MODEL_ALIASES: Record<string, string> = {
  original: Model.ORIGINAL,
  light: Model.LIGHT,
  pro: Model.PRO,
  human: Model.HUMAN,
}

const COMPOSING = ['on', 'size', 'at'] as const
/** Which command options each command accepts (the global ones are accepted everywhere). */
const ACCEPTS: Record<CommandName, readonly (keyof CommandOptions)[]> = {
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
const TARGET: Record<CommandName, string | undefined> = {
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

export function helpText(): string {
  const codes = EXIT_CODE_HELP.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`).join('\n')
  return `vbr: remove the background from videos with the VideoBGRemover API

Usage:
  vbr remove <file|url> [-o out] [--format f] [--model m] [--color #hex] [--webhook url] [--no-preflight]
  vbr remove <file|url> --on <#hex|image|video> [--size s] [--at a] [--keep] [-o out|-]
  vbr compose <file|job-id> --on <#hex|image|video> [--size s] [--at a] [--format mp4|webm|mov] [-o out|-]
  vbr probe <file>
  vbr resume <job-id> [file|url] [-o out]
  vbr credits
  vbr status <job-id>
  vbr wait <job-id> [-o out]
  vbr delete <job-id>
  vbr doctor [--origin https://app.example] [--with-job] [--fake]
  vbr fake
  vbr --help | --version

Commands:
  remove   upload a video (or have the API fetch a URL), process it, wait and download the result; first
           checks that the credits cover the video's length, and prints the job's id as soon as it exists;
           with --on, then puts the person on that background (as vbr compose does)
  compose  put a cut-out on a colour, an image or a video with a local ffmpeg (no credits): a file of any
           output format, or a job's result (downloaded first into a temporary file)
  probe    read a video's duration, container and size from the file, its cost in credits, and the balance
  resume   finish a job from whatever stage it reached, never starting it twice: with the video when it has
           not started yet (same options as remove), without it once it has
  credits  show the credit balance (1 credit per second of video)
  status   show a job's status once
  wait     wait for a job to finish; with -o, download its result
  delete   delete a job and its files (no refund)
  doctor   run the vendor's pre-production checklist against your key: reachability, clock, authentication,
           credits, rate limits, idempotency, request ids, storage (free; --with-job: about 1 credit)
  fake     serve the offline fake API on 127.0.0.1 and print how to point vbr at it

Options:
  -o, --output <path>   where to write the result (a file or a directory);
                        default: <input name>-nobg.<ext> in the current directory; compose and --on:
                        <input name>-on-<background>.<ext>, or - for stdout
  -f, --format <f>      transparent output format (default webm_vp9):
${wrap(FORMATS.join(', '), 24, 110)}
${COMPOSE_HELP}
      --force           replace the output file if it exists
  -m, --model <m>       original, light, pro, human (or a full model name)
      --color <#hex>    a solid background colour (#RRGGBB, MP4 output) instead of transparency
      --webhook <url>   also report to this URL (job.started, job.completed, job.failed)
      --content-type <t>
                        the upload's type when the file name does not say it: video/mp4, video/mov, video/webm
      --no-preflight    start without checking first that the credits cover the video (the API checks at the start)
      --timeout <s>     stop waiting after this many seconds (the job goes on)
      --origin <url>    doctor: check that a browser at this origin may upload to storage (CORS)
      --with-job        doctor: also process a 1-second clip end to end (about 1 credit)
      --fake            doctor: check the offline fake API instead (started on 127.0.0.1; no key needed)
      --poll <s>        seconds between status checks (default: adaptive, 1 s growing to 10 s)
      --api-key <key>   API key (default: $VIDEOBGREMOVER_API_KEY; prefer the variable, arguments show in ps)
      --base-url <url>  API base URL (default: $VIDEOBGREMOVER_BASE_URL or https://api.videobgremover.com)
      --allow-insecure-http
                        allow a plain http:// base URL off loopback (the key then travels unencrypted)
      --json            print one JSON object on stdout (also for errors) and nothing else
  -h, --help            show this help
  -v, --version         show the version

Try it offline (no account, no credits): run \`vbr fake\` in one shell; it prints two \`export\` lines. Run them
in another shell, and every command there talks to the fake API.

On a terminal, progress bars and a live status line go to stderr; on a pipe, plain lines do. The result's path
(or the command's answer) goes to stdout. Ctrl-C stops at once and names the job left behind, which you can
resume with \`vbr resume <job-id> <file> -o out\` or remove with \`vbr delete <job-id>\`.

Compositing (vbr compose, --on) runs ffmpeg and ffprobe from PATH, or from FFMPEG_PATH and FFPROBE_PATH:
apt-get install ffmpeg (Debian, Ubuntu), brew install ffmpeg (macOS), winget install ffmpeg (Windows).

Exit codes:
${codes}
`
}

/** `text` broken at spaces into lines of at most `width` columns, each indented by `indent`. */
function wrap(text: string, indent: number, width: number): string {
  const lines: string[] = []
  for (const word of text.split(' ')) {
    const last = lines.at(-1)
    if (last !== undefined && indent + last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`
    else lines.push(word)
  }
  return lines.map((line) => ' '.repeat(indent) + line).join('\n')
}

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
  const extra = expected === undefined ? rest : rest.slice(INPUT[command] === undefined ? 1 : 2)
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
    ...inCliWords(() => readComposeFlags(values)),
  }
  for (const key of Object.keys(options) as (keyof CommandOptions)[]) {
    if (options[key] !== undefined && !ACCEPTS[command].includes(key)) throw usage(`vbr ${command} does not take ${FLAG_OF[key]}.`)
  }
  inCliWords(() => checkComposeFlags(command, options, values.json))
  if (options.on === undefined && options.format !== undefined && !FORMATS.includes(options.format as (typeof FORMATS)[number])) {
    throw usage(`Unknown --format "${options.format}"; use one of ${FORMATS.join(', ')}.`)
  }
  if (options.format !== undefined && options.color !== undefined) {
    throw usage('--format (transparent output) and --color (solid background) exclude each other.')
  }

  return {
    kind: 'command',
    command,
    target: expected === undefined ? undefined : rest[0],
    ...(INPUT[command] !== undefined && rest[1] !== undefined && { input: rest[1] }),
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
