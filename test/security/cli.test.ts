/**
 * The CLI side of findings 1, 7 and 8: `vbr wait <id> -o dir/` named its output from the id in the server's
 * answer (a hostile `../../tmp/pwned` wrote outside `dir`), `vbr status --json` crashed on JSON nested 200,000 deep,
 * and `vbr credits --json` printed a key the server echoed. The bundled CLI against a hostile server on loopback.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { JOB, KEY } from '../kit'

const CLI = inject('cliPath')
let dir: string
let server: Server
let url: string
let answer: (response: ServerResponse, path: string) => void

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-cli-security-'))
  server = createServer((request, response) => answer(response, request.url ?? '/'))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  server.close()
  await rm(dir, { recursive: true, force: true })
})

function vbr(args: string[], cwd = dir): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, VIDEOBGREMOVER_API_KEY: KEY, VIDEOBGREMOVER_BASE_URL: url },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }))
}

const json = (response: ServerResponse, body: string) => {
  response.writeHead(200, { 'content-type': 'application/json' })
  response.end(body)
}

describe('vbr against a hostile server', () => {
  it('wait -o dir/ never names its output from the id in the answer', async () => {
    const work = join(dir, 'work')
    const out = join(work, 'out')
    await mkdir(out, { recursive: true })
    answer = (response, path) =>
      path.endsWith('/status')
        ? json(
            response,
            JSON.stringify({ id: '../../pwned', status: 'completed', output_format: 'lottie', processed_video_url: `${url}/result` }),
          )
        : json(response, '{"attacker":"content"}')
    const run = await vbr(['wait', JOB, '-o', 'out/'], work)
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain('is about job "../../pwned"')
    expect(await readdir(work)).toEqual(['out'])
    expect(await readdir(out)).toEqual([])
    expect(await readdir(dir)).toEqual(['work'])
  })

  it('status --json on JSON nested 200,000 deep exits with an error, not a stack overflow', async () => {
    answer = (response) => json(response, `${'['.repeat(200_000)}1${']'.repeat(200_000)}`)
    const run = await vbr(['status', JOB, '--json'])
    expect(run.code).toBe(1)
    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout).error).toMatchObject({ name: 'ApiError', code: 'invalid_json' })
  })

  it('credits --json does not print a key the server echoes', async () => {
    answer = (response) => json(response, JSON.stringify({ total_credits: 1, remaining_credits: 1, used_credits: 0, debug: `key=${KEY}` }))
    const run = await vbr(['credits', '--json'])
    expect(run.code).toBe(0)
    expect(run.stdout).not.toContain(KEY)
    expect(JSON.parse(run.stdout).debug).toBe('key=[redacted]')
  })

  it('prints no escape sequence a server wrote: status text reaches the terminal without control characters', async () => {
    answer = (response) =>
      json(
        response,
        JSON.stringify({ id: JOB, status: 'processing', message: 'ok\u001b[2J\u001b]52;c;cHduZWQ=\u0007', filename: 'a\u009bb.mp4' }),
      )
    const run = await vbr(['status', JOB])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('message: ok[2J]52;c;cHduZWQ=')
    const controls = [...run.stdout].filter(
      (char) => (char < ' ' && char !== '\n' && char !== '\t') || (char >= '\u007f' && char <= '\u009f'),
    )
    expect(controls).toEqual([])
  })

  it('never echoes the API key, not even as the stray argument of a usage error', async () => {
    const runs = await Promise.all([vbr(['credits', KEY]), vbr([KEY, 'credits']), vbr(['credits', '--base-url', KEY])])
    for (const run of runs) {
      expect(run.code).toBe(2)
      expect(run.stdout + run.stderr).not.toContain(KEY)
    }
  })

  it('resume checks the job id before it names a file or makes a directory for it', async () => {
    const work = join(dir, 'resume-work')
    await mkdir(work)
    const run = await vbr(['resume', '../../escaped/x', '-o', 'out/'], work)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('jobId must be the id of a job')
    expect(await readdir(work)).toEqual([])
    expect(await readdir(dir)).not.toContain('escaped')
  })
})
