/**
 * `vbr doctor` as a process (the CLI bundled by test/setup/build-cli.ts): `--fake` end to end, and against fake
 * servers in this process told to misbehave through FakeApiOptions, as a user would.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { until } from '../kit'
import { parseCommandLine } from '../../src/node/cli/args'
import type { DoctorReport } from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeServer, type FakeServerOptions } from '../../src/testing/node'

const CLI = inject('cliPath')
const ORIGIN = 'https://app.example.com'
const CHECKS = [
  'reachability',
  'clock',
  'authentication',
  'key-format',
  'credits',
  'idempotency',
  'storage',
  'rate-limits',
  'observability',
]

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

const servers: FakeServer[] = []
afterAll(() => Promise.all(servers.map((server) => server.close())))

async function fake(options: FakeServerOptions): Promise<FakeServer> {
  const server = await startFakeServer({ rateLimit: {}, errorStyle: 'envelope', ...options })
  servers.push(server)
  return server
}

/** Runs `vbr args` on pipes, with the fake's key and, when given, `server` as the base URL. */
function vbr(args: string[], server?: FakeServer): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, VIDEOBGREMOVER_API_KEY: FAKE_API_KEY }
  delete env.VIDEOBGREMOVER_BASE_URL
  if (server) env.VIDEOBGREMOVER_BASE_URL = server.url
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** The table's row of `name` on one line: its first line and the lines under it up to the next row, unwrapped. */
function row(table: string, name: string): string {
  const lines = table.split('\n')
  const start = lines.findIndex((line) => line.startsWith(`${name} `))
  const end = lines.findIndex((line, i) => i > start && /^\S/.test(line))
  const [first, ...under] = lines.slice(start, end === -1 ? undefined : end)
  return [first, ...under.map((line) => line.trim())].join(' ')
}

describe.concurrent('vbr doctor', () => {
  it('--fake: every check passes against the offline fake, as a table on stdout (exit 0)', async () => {
    const run = await vbr(['doctor', '--fake', '--origin', ORIGIN])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^CHECK +RESULT +EVIDENCE\n/)
    for (const name of CHECKS) expect(run.stdout).toMatch(new RegExp(`^${name} +pass +\\S`, 'm'))
    expect(run.stdout).toContain('9 checks: 9 pass, 0 warn, 0 fail (exit code 0)')
    expect(run.stderr).toMatch(/^Checking http:\/\/127\.0\.0\.1:\d+ \(the offline fake API\) …$/m)
    expect(run.stderr).toContain('Add --with-job')
    expect(run.stdout + run.stderr).not.toContain(FAKE_API_KEY)
    expect(run.stdout + run.stderr).not.toMatch(/undefined/)
  })

  it('--fake --json prints the report alone, and nothing on stderr', async () => {
    const run = await vbr(['doctor', '--fake', '--json'])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    const report = JSON.parse(run.stdout) as DoctorReport
    expect(report).toMatchObject({ ok: true, summary: { pass: 9, warn: 0, fail: 0 } })
    expect(report.checks.map((check) => check.name)).toEqual(CHECKS)
    expect(report.checks.find((check) => check.name === 'storage')?.evidence).toContain(
      'browser uploads not checked: give --origin the origin of your web app',
    )
  })

  it('--with-job says what it costs first, processes the clip, and reports the credit used', async () => {
    const run = await vbr(['doctor', '--fake', '--with-job', '--poll', '0.05'])
    expect(run.code, run.stdout).toBe(0)
    expect(run.stderr.split('\n')[0]).toBe(
      '--with-job processes a 1-second clip end to end: about 1 credit (1 credit per second of video).',
    )
    const job = row(run.stdout, 'end-to-end')
    expect(job).toMatch(/^end-to-end +pass +a 1-second clip \(\d+ bytes\) → mp4/)
    expect(job).toMatch(/create \S+ m?s · upload \S+ m?s · start \S+ m?s · processing \S+ m?s · download \S+ m?s/)
    expect(job).toContain('credits used: 1 (1000 → 999; the start said 1)')
    expect(job).toMatch(/job [0-9a-f-]{36} deleted$/)
    expect(run.stdout).toContain('10 checks: 10 pass')
  })

  const misbehaviours: [string, string, FakeServerOptions, RegExp][] = [
    ['a key refused everywhere', 'authentication', { rejectEveryKey: true }, /→ The API refused this key/],
    ['429 for every request', 'rate-limits', { rateLimitExhausted: true }, /→ Something else is spending this key's budget/],
    ['a clock an hour off', 'clock', { dateSkewMs: -3_600_000 }, /this machine's clock is 1 h ahead of the server's.* → Synchronise/],
    [
      'a storage host without CORS',
      'storage',
      { storageCors: false },
      /a browser there cannot upload .* → Browsers upload straight to storage/,
    ],
  ]
  it.each(misbehaviours)(
    'against a fake with %s, %s fails with its advice and the other checks still run (exit 9)',
    async (_, failing, options, advice) => {
      const run = await vbr(['doctor', '--origin', ORIGIN], await fake(options))
      expect(run.code, run.stdout + run.stderr).toBe(9)
      expect(row(run.stdout, failing)).toMatch(new RegExp(`^${failing} +FAIL `))
      expect(row(run.stdout, failing)).toMatch(advice)
      for (const name of CHECKS) expect(run.stdout).toMatch(new RegExp(`^${name} +(pass|WARN|FAIL) +\\S`, 'm'))
      expect(run.stdout).toMatch(/\(exit code 9\)$/m)
    },
  )

  it('Ctrl-C stops it at once (exit 130)', async () => {
    const server = await fake({})
    server.api.inject('credits', { delayMs: 30_000 })
    const env = { ...process.env, VIDEOBGREMOVER_API_KEY: FAKE_API_KEY, VIDEOBGREMOVER_BASE_URL: server.url }
    const child = spawn(process.execPath, [CLI, 'doctor'], { env })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    await until(() => server.api.requests.some((entry) => entry.endpoint === 'credits'))
    child.kill('SIGINT')
    const [code] = (await once(child, 'close')) as [number]
    expect(code).toBe(130)
    expect(stderr).toContain('vbr: Interrupted.')
  })

  it('--help lists doctor, its flags and exit code 9', async () => {
    const run = await vbr(['--help'])
    expect(run.stdout).toContain('vbr doctor [--origin https://app.example] [--with-job] [--fake]')
    for (const flag of ['--origin <url>', '--with-job', '--fake']) expect(run.stdout).toContain(flag)
    expect(run.stdout).toMatch(/^ +9 {2}vbr doctor: at least one check failed$/m)
  })
})

describe('vbr doctor arguments (in process)', () => {
  it('takes --origin, --with-job, --fake, --timeout and --poll, keeping only the origin of the URL given', () => {
    const parsed = parseCommandLine(['doctor', '--origin', 'https://app.example.com/upload', '--with-job', '--fake', '--timeout', '60'], {})
    expect(parsed).toMatchObject({
      command: 'doctor',
      options: { origin: 'https://app.example.com', withJob: true, fake: true, timeout: 60 },
    })
  })

  it('refuses an origin that is not an http(s) URL, and doctor flags on other commands', () => {
    expect(() => parseCommandLine(['doctor', '--origin', 'app.example.com'], {})).toThrow('--origin must be a web origin')
    expect(() => parseCommandLine(['credits', '--with-job'], {})).toThrow('vbr credits does not take --with-job')
  })
})
