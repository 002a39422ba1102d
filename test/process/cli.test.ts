/**
 * Drives the real `vbr` process (the CLI bundled once per run by test/setup/build-cli.ts) against fake API servers
 * in this process.
 * Tests that change a server's state (credits, faults) get their own server, so they can run concurrently.
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { until } from '../kit'
import { CLI, clientFor, envFor, json, SAMPLE, useCli, UUID, type Run } from '../kit/cli'
import { Video } from '../../src/node/index'
import { parseCommandLine } from '../../src/node/cli/args'
import { VERSION } from '../../src/version'
import { FAKE_API_KEY, startFakeServer } from '../../src/testing/node'

const { vbr, fake, dir: folder } = useCli()
let dir: string
beforeAll(() => {
  dir = folder()
})

describe.concurrent('vbr', () => {
  it('--help lists the commands, options and every exit code; --version prints the version', async () => {
    const [help, version] = await Promise.all([vbr(['--help']), vbr(['--version'])])
    expect(help.code).toBe(0)
    for (const command of [
      'remove <file|url>',
      'probe <file>',
      'resume <job-id> [file|url]',
      'credits',
      'status <job-id>',
      'wait <job-id>',
      'delete <job-id>',
    ]) {
      expect(help.stdout).toContain(`vbr ${command}`)
    }
    for (const option of [
      '--output',
      '--format',
      '--model',
      '--color',
      '--webhook',
      '--no-preflight',
      '--api-key',
      '--base-url',
      '--json',
    ]) {
      expect(help.stdout).toContain(option)
    }
    expect(help.stdout).toContain('Exit codes:')
    for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8, 130]) expect(help.stdout).toMatch(new RegExp(`^ +${code}  \\S`, 'm'))
    expect(version).toMatchObject({ code: 0, stdout: `vbr ${VERSION}\n` })
  })

  it('refuses bad usage with exit code 2 (plain message, or JSON with --json)', async () => {
    const server = await fake()
    const [none, avi, fileInTheWay, asJson] = await Promise.all([
      vbr([], { server }),
      vbr(['remove', 'clip.flv'], { server }), // refused by the SDK (ValidationError) before anything is sent
      vbr(['remove', 'sample.mp4', '-o', 'sample.mp4/out.webm'], { server }), // checked before any work is paid for
      vbr(['remove', '--json'], { server }),
    ])
    for (const run of [none, avi, fileInTheWay]) {
      expect(run.code, run.stderr).toBe(2)
      expect(run.stderr).toMatch(/^vbr: /)
    }
    expect(none.stderr).toContain('Run `vbr --help` for usage.')
    expect(avi.stderr).toMatch(/\.mp4.*clip\.flv/)
    expect(asJson.code).toBe(2)
    expect(asJson.stderr).toBe('')
    expect(json(asJson).error).toMatchObject({ name: 'CliError', exitCode: 2, message: expect.stringContaining('needs <file|url>') })
    expect(server.api.requests).toHaveLength(0)
  })

  it('credits: a line for people, the balance object with --json', async () => {
    const [plain, asJson] = await Promise.all([vbr(['credits']), vbr(['credits', '--json'])])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toMatch(/^\d+ credits left \(\d+ used of \d+\)\n$/)
    expect(asJson.code).toBe(0)
    expect(json(asJson)).toMatchObject({
      totalCredits: expect.any(Number),
      remainingCredits: expect.any(Number),
      usedCredits: expect.any(Number),
    })
  })

  it('remove on a pipe: plain progress lines on stderr, the output path on stdout', async () => {
    const [run, fromUrl] = await Promise.all([
      vbr(['remove', 'sample.mp4', '--poll', '0.05']),
      vbr(['remove', 'https://example.com/videos/interview.mp4?sig=1', '--poll', '0.05', '-f', 'lottie']),
    ])
    expect(fromUrl.code, fromUrl.stderr).toBe(0)
    expect(fromUrl.stdout).toBe(`${join(dir, 'interview-nobg.json')}\n`) // the API fetched the URL: no upload
    expect(fromUrl.stderr).not.toContain('uploading')
    expect(run.code, run.stderr).toBe(0)
    const output = join(dir, 'sample-nobg.webm')
    expect(run.stdout).toBe(`${output}\n`)
    expect((await stat(output)).size).toBeGreaterThan(0)
    expect(run.stderr).toMatch(/^uploading sample\.mp4 \(6\.\d kB\)$/m)
    expect(run.stderr).toMatch(new RegExp(`^job ${UUID.source}: completed \\(\\d+\\.\\d s\\)$`, 'm'))
    expect(run.stderr).toContain('4 s of video = 4 credits · webm_vp9')
    expect(run.stderr).not.toContain('\r')
  })

  it('remove --json: one JSON object, no stderr; options reach the start call', async () => {
    const server = await fake()
    const run = await vbr(
      [
        'remove',
        'sample.mp4',
        '--json',
        '--poll',
        '0.05',
        '-o',
        'green.mp4',
        '--color',
        '00B140',
        '--model',
        'human',
        '--webhook',
        'https://example.com/hook?token=t',
      ],
      { server },
    )
    expect(run.code, run.stdout).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout.trim().split('\n')).toHaveLength(1)
    const result = json(run)
    expect(result).toMatchObject({
      jobId: expect.stringMatching(UUID),
      format: 'mp4',
      model: 'videobgremover-human',
      lengthSeconds: 4,
      output: join(dir, 'green.mp4'),
      bytes: expect.any(Number),
      status: { status: 'completed' },
    })
    const start = server.api.requests.find((entry) => entry.endpoint === 'startJob')
    expect(start?.body).toEqual({
      background: { type: 'color', color: '#00b140' },
      model: 'videobgremover-human',
      webhook_url: 'https://example.com/hook?token=t',
    })
  })

  it('status (plain and --json), wait -o and delete', async () => {
    const server = await fake()
    const done = await Video.open(SAMPLE).removeBackground({ client: clientFor(server), options: { prefer: 'gif' }, pollSeconds: 0.05 })
    const { jobId } = done
    await done.save(join(dir, 'first.gif'))
    const [status, statusJson, waited] = await Promise.all([
      vbr(['status', jobId], { server }),
      vbr(['status', jobId, '--json'], { server }),
      vbr(['wait', jobId, '-o', '.', '--poll', '0.05'], { server }),
    ])
    expect(status.code).toBe(0)
    expect(status.stdout).toContain(`job:     ${jobId}`)
    expect(status.stdout).toMatch(/^status: +completed$/m)
    expect(json(statusJson)).toMatchObject({ id: jobId, status: 'completed', output_format: 'gif' })
    expect(waited.code, waited.stderr).toBe(0)
    expect(waited.stdout).toBe(`${join(dir, `${jobId}.gif`)}\n`)
    expect(await readFile(join(dir, `${jobId}.gif`))).toEqual(await readFile(join(dir, 'first.gif')))

    const deleted = await vbr(['delete', jobId, '--json'], { server })
    expect(deleted.code).toBe(0)
    expect(json(deleted)).toMatchObject({ id: jobId, message: expect.any(String) })
    expect(server.api.job(jobId)).toBeUndefined()
  })

  it('exit code 3 for a rejected or missing key', async () => {
    const [bad, missing] = await Promise.all([
      vbr(['credits', '--json', '--api-key', `vbr_${'f'.repeat(32)}`]),
      vbr(['credits'], { env: { VIDEOBGREMOVER_API_KEY: undefined, VIDEOBGREMOVER_BASE_URL: undefined } }),
    ])
    expect(bad.code).toBe(3)
    expect(json(bad).error).toMatchObject({ name: 'AuthenticationError', message: 'Invalid API key', status: 401, exitCode: 3 })
    expect(missing.code).toBe(3)
    expect(missing.stderr).toBe(
      'vbr: No API key.\nPass --api-key or set VIDEOBGREMOVER_API_KEY (keys look like vbr_ followed by 32 characters).\n',
    )
  })

  it('exit code 4 when the preflight finds the credits short: nothing created, the shortfall named', async () => {
    const server = await fake({ credits: 3 })
    const [run, asJson] = await Promise.all([
      vbr(['remove', 'sample.mp4', '-o', 'short.webm'], { server }),
      vbr(['remove', 'sample.mp4', '-o', 'short.webm', '--json'], { server }),
    ])
    expect(run.code).toBe(4)
    expect(run.stderr).toContain('This 4 s video needs 4 credits (1 per started second); 3 are left.')
    expect(run.stderr).toContain('pass --no-preflight')
    expect(run.stderr).toContain('Nothing was created or uploaded')
    expect(run.stderr).not.toContain('was left behind')
    expect(json(asJson).error).toMatchObject({ name: 'InsufficientCreditsError', remainingCredits: 3, requiredCredits: 4, exitCode: 4 })
    expect(new Set(server.api.requests.map((entry) => entry.endpoint))).toEqual(new Set(['credits']))
  })

  it('exit code 4 when the start finds the credits short (--no-preflight), naming the job to resume', async () => {
    const server = await fake({ credits: 3 })
    const run = await vbr(['remove', 'sample.mp4', '-o', 'no-credits.webm', '--no-preflight'], { server })
    expect(run.code).toBe(4)
    const jobId = server.api.requests.find((entry) => entry.endpoint === 'startJob')?.jobId
    expect(server.api.requests.some((entry) => entry.endpoint === 'credits')).toBe(false)
    expect(run.stderr).toContain('Insufficient credits')
    expect(run.stderr).toContain(`Job ${jobId} was created but not started (free): after topping up, vbr resume ${jobId} <video> starts it`)
  })

  it('exit code 5 for an unknown job, 6 when the job fails (the job in the JSON error)', async () => {
    const [unknown, failed] = await Promise.all([
      vbr(['status', '00000000-0000-4000-8000-000000000000']),
      vbr(['remove', 'broken.mp4', '--poll', '0.05', '--json']),
    ])
    expect(unknown.code).toBe(5)
    expect(unknown.stderr).toBe('vbr: Job 00000000-0000-4000-8000-000000000000 does not exist (or belongs to another API key).\n')
    expect(failed.code).toBe(6)
    expect(json(failed).error).toMatchObject({
      name: 'ProcessingError',
      message: 'Could not decode the video',
      code: 'job_failed',
      jobId: expect.stringMatching(UUID),
      exitCode: 6,
    })
  })

  it('exit code 7 when the API is unreachable, 8 when rate limited, 1 for other API errors', async () => {
    const closed = await startFakeServer()
    await closed.close() // nothing listens on its port any more
    const limited = await fake()
    limited.api.inject('credits', { status: 429, headers: { 'Retry-After': '0' } }, 3)
    const broken = await fake()
    broken.api.inject('credits', { status: 400, body: { error: 'Bad request' } })
    const [unreachable, rateLimited, other] = await Promise.all([
      vbr(['credits', '--base-url', closed.url], { env: { VIDEOBGREMOVER_BASE_URL: undefined } }),
      vbr(['credits', '--json'], { server: limited }),
      vbr(['credits'], { server: broken }),
    ])
    expect(unreachable.code).toBe(7)
    expect(unreachable.stderr).toMatch(/GET \/v1\/credits.*ECONNREFUSED/)
    expect(rateLimited.code).toBe(8)
    expect(json(rateLimited).error).toMatchObject({ name: 'RateLimitError', status: 429, exitCode: 8 })
    expect(other.code).toBe(1)
    expect(other.stderr).toContain('Bad request')
  })

  it('Ctrl-C during a slow upload aborts at once and names the job left behind (exit 130)', async () => {
    const server = await fake()
    server.api.inject('upload', { delayMs: 20_000 })
    const uploading = () => server.api.requests.some((entry) => entry.endpoint === 'upload')
    const run = await vbr(['remove', 'big.mp4'], { server, interruptWhen: uploading })
    const jobId = server.api.requests.find((entry) => entry.endpoint === 'upload')?.jobId
    expect(jobId).toMatch(UUID)
    // Settled at once: the process is gone while storage still stalls, so the upload never completed.
    expect(server.api.job(jobId!)?.status).toBe('created')
    expect(run.code).toBe(130)
    expect(run.stderr).toContain('vbr: Interrupted.')
    expect(run.stderr).toContain(`Job ${jobId} was left behind`)
    expect(run.stderr).toContain(`vbr delete ${jobId}`)
    expect(server.api.requests.some((entry) => entry.endpoint === 'startJob')).toBe(false)
  })

  it('Ctrl-C while waiting stops waiting and names the job, which goes on (exit 130)', async () => {
    const server = await fake({ processingMs: 60_000 })
    const { id: jobId } = await clientFor(server).createJobUrl({ video_url: 'https://example.com/clip.mp4' })
    await clientFor(server).startJob(jobId)
    const polled = () => server.api.requests.filter((entry) => entry.endpoint === 'status').length >= 2
    const run = await vbr(['wait', jobId, '--poll', '0.05'], { server, interruptWhen: polled })
    expect(run.code).toBe(130)
    expect(run.stderr).toContain(`Job ${jobId} was left behind`)
    expect(server.api.job(jobId)?.status).toBe('processing')
  })
  it('on a terminal (script(1)): an upload bar with bytes, rate and ETA, and a live status line', async () => {
    expect(spawnSync('script', ['--version']).status, 'script(1) from util-linux is needed for the pseudo-terminal test').toBe(0)
    const server = await fake({ processingMs: 600 })
    server.api.inject('upload', { delayMs: 500 }) // the bar shows partial progress while storage stalls
    const command = [process.execPath, CLI, 'remove', 'big.mp4', '-o', 'tty.webm'].map((part) => `'${part}'`).join(' ')
    const run = await new Promise<Run>((resolve, reject) => {
      const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: dir, env: envFor(server) })
      let stdout = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, stdout, stderr: '' }))
    })
    expect(run.code, run.stdout).toBe(0)
    const frames = run.stdout.split(/\r|\n/).filter(Boolean)
    // The bar redraws in place (\r + clear line) with percentage, bytes, rate and ETA.
    expect(run.stdout).toContain('\r\x1b[2KUploading big.mp4 [')
    expect(
      frames.some((frame) => /Uploading big\.mp4 \[█*░+\] +\d+% {2}[\d.]+ kB\/4\.0 MB {2}[\d.]+ [kM]?B\/s {2}ETA [\d.]+ s/.test(frame)),
    ).toBe(true)
    expect(run.stdout).toMatch(/✓ Uploaded big\.mp4 \(4\.0 MB\) in \d+\.\d s/)
    // The status line names the job and counts the seconds.
    expect(frames.some((frame) => new RegExp(`^\\x1b\\[2K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] processing · job ${UUID.source} · \\d+\\.\\d s$`).test(frame))).toBe(
      true,
    )
    expect(run.stdout).toMatch(/✓ completed · job \S+ · \d+\.\d s/)
    expect(run.stdout).toContain(`${join(dir, 'tty.webm')}\r\n`)
  })
})

describe.concurrent('vbr, as a newcomer meets it', () => {
  it('creates a missing output directory, and refuses to overwrite a file without --force', async () => {
    const server = await fake()
    const first = await vbr(['remove', 'sample.mp4', '-o', 'made/for/you/', '--poll', '0.05'], { server })
    expect(first.code, first.stderr).toBe(0)
    const output = join(dir, 'made/for/you/sample-nobg.webm')
    expect(first.stdout).toBe(`${output}\n`)
    const again = await vbr(['remove', 'sample.mp4', '-o', 'made/for/you/', '--poll', '0.05'], { server })
    expect(again.code).toBe(2)
    expect(again.stderr).toBe(`vbr: ${output} already exists: pass --force to replace it, or choose another -o.\n`)
    expect(server.api.requests.filter((entry) => entry.endpoint === 'createJob')).toHaveLength(1)
    const forced = await vbr(['remove', 'sample.mp4', '-o', 'made/for/you/', '--poll', '0.05', '--force'], { server })
    expect(forced.code, forced.stderr).toBe(0)
  })

  it('names the file in the way when -o runs through a file', async () => {
    const run = await vbr(['remove', 'sample.mp4', '-o', 'sample.mp4/out.webm'])
    expect(run.stderr).toBe(
      `vbr: Cannot create the directory ${join(dir, 'sample.mp4')}: ${join(dir, 'sample.mp4')} is a file. Choose another -o.\n`,
    )
  })

  it('checks the input before printing any progress', async () => {
    const server = await fake()
    const run = await vbr(['remove', 'missing.mp4'], { server })
    expect(run.code).toBe(2)
    expect(run.stderr).toBe('vbr: The file missing.mp4 does not exist.\n')
    expect(server.api.requests).toEqual([])
  })

  it('speaks in flags, never in SDK options, and never prints undefined', async () => {
    const server = await fake({ processingMs: 60_000 })
    const { id } = await clientFor(server).createJobUrl({ video_url: 'https://example.com/clip.mp4' })
    await clientFor(server).startJob(id)
    const [insecure, untyped, timedOut] = await Promise.all([
      vbr(['credits', '--base-url', 'http://example.com/api'], { env: { VIDEOBGREMOVER_BASE_URL: undefined } }),
      vbr(['remove', 'clip.flv'], { server }),
      vbr(['wait', id, '--timeout', '0.2', '--poll', '0.05'], { server }),
    ])
    expect(insecure.stderr).toContain('--base-url http://example.com is plain http off loopback')
    expect(insecure.stderr).toContain('--allow-insecure-http')
    expect(untyped.stderr).toContain('pass --content-type')
    expect(timedOut.code).toBe(7)
    // The last status is named when a read came back before the deadline (not always, on a busy machine).
    expect(timedOut.stderr).toMatch(new RegExp(`Job ${id} did not finish within 0\\.2 s( \\(last status: processing\\))?; it may still`))
    for (const run of [insecure, untyped, timedOut]) {
      expect(run.stderr).not.toMatch(/undefined|baseUrl|allowInsecureHttp|contentType|\{ filename \}/)
    }
  })

  it('vbr fake serves the fake API until Ctrl-C and prints how to point vbr at it', async () => {
    const child = spawn(process.execPath, [CLI, 'fake'], { cwd: dir, env: envFor(undefined, { VIDEOBGREMOVER_API_KEY: undefined }) })
    let stdout = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    await until(() => stdout.split('\n').length > 2)
    const baseUrl = /^export VIDEOBGREMOVER_BASE_URL=(\S+)$/m.exec(stdout)?.[1]
    expect(stdout).toContain(`export VIDEOBGREMOVER_API_KEY=${FAKE_API_KEY}\n`)
    const credits = await vbr(['credits'], { env: { VIDEOBGREMOVER_BASE_URL: baseUrl } })
    expect(credits.stdout).toMatch(/^\d+ credits left/)
    child.kill('SIGINT')
    const [code] = await once(child, 'close')
    expect(code).toBe(0)
  })
})

describe('vbr argument parsing (in process)', () => {
  const usage = (argv: string[]) => {
    try {
      parseCommandLine(argv, {})
    } catch (error) {
      return error as { exitCode: number; message: string }
    }
    throw new Error(`${argv.join(' ')} was accepted`)
  }

  it('refuses unknown commands and options, misplaced options, and bad values', () => {
    const cases: [string[], string][] = [
      [['frobnicate'], 'Unknown command "frobnicate"'],
      [['credits', '--bogus'], "Unknown option '--bogus'"],
      [['credits', 'extra'], 'Unexpected argument "extra"'],
      [['status'], 'vbr status needs <job-id>'],
      [['status', 'abc', '--format', 'gif'], 'vbr status does not take --format'],
      [['remove', 'a.mp4', '--format', 'webm'], 'use one of webm_vp9, mov_prores'],
      [['remove', 'a.mp4', '--format', 'gif', '--color', '#ff0000'], 'exclude each other'],
      [['remove', 'a.mp4', '--color', 'red'], '--color must be a #RRGGBB colour'],
      [['wait', 'abc', '--timeout', '0'], '--timeout must be a positive number'],
      [['resume', 'abc', 'a.mp4', 'b.mp4'], 'Unexpected argument "b.mp4" for vbr resume'],
      [['resume'], 'vbr resume needs <job-id>'],
      [['probe', 'a.mp4', '--format', 'gif'], 'vbr probe does not take --format'],
      [['wait', 'abc', '--no-preflight'], 'vbr wait does not take --no-preflight'],
    ]
    for (const [argv, message] of cases) {
      const error = usage(argv)
      expect(error.exitCode, argv.join(' ')).toBe(2)
      expect(error.message).toContain(message)
    }
  })

  it('reads the key and base URL from options first, then the environment; expands model aliases', () => {
    const env = { VIDEOBGREMOVER_API_KEY: 'vbr_env', VIDEOBGREMOVER_BASE_URL: 'http://localhost:1/api' }
    expect(parseCommandLine(['remove', 'a.mp4', '-m', 'pro', '--color', 'ABCDEF'], env)).toEqual({
      kind: 'command',
      command: 'remove',
      target: 'a.mp4',
      options: { model: 'videobgremover-pro', color: '#abcdef' },
      global: { apiKey: 'vbr_env', baseUrl: 'http://localhost:1/api', allowInsecureHttp: false, json: false },
    })
    const explicit = parseCommandLine(['credits', '--api-key', 'vbr_arg', '--base-url', 'https://proxy.example', '--json'], env)
    expect(explicit).toMatchObject({ global: { apiKey: 'vbr_arg', baseUrl: 'https://proxy.example', json: true } })
    expect(parseCommandLine(['resume', 'abc', 'clip.mp4', '--no-preflight'], {})).toMatchObject({
      command: 'resume',
      target: 'abc',
      input: 'clip.mp4',
      options: { preflight: false },
    })
    expect(parseCommandLine(['help'], {})).toEqual({ kind: 'help' })
    expect(parseCommandLine(['remove', '-h'], {})).toEqual({ kind: 'help' })
    expect(parseCommandLine(['-v'], {})).toEqual({ kind: 'version' })
  })
})
