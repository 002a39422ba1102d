/**
 * Every TypeScript block of README.md and examples/README.md is type-checked and run as a user would paste it,
 * against the offline fake API: msw serves https://api.videobgremover.com (the client's default) from a FakeApi,
 * VIDEOBGREMOVER_API_KEY holds the fake's key, and the blocks run in a directory holding the files they name. A
 * block that is deliberately a fragment says so on the line above it: `<!-- fragment: why -->`.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { FAKE_API_KEY, FakeApi, fakeResultFile } from '../../src/testing/index'
import { ROOT } from '../package/pack'

const exec = promisify(execFile)
const DOCUMENTS = ['README.md', 'examples/README.md']
const FRAGMENT = /^<!-- fragment: .+ -->$/

interface Block {
  name: string
  code: string
  fragment: boolean
}

/** The ```ts blocks of `document`, each named by its file and line. */
async function blocksOf(document: string): Promise<Block[]> {
  const lines = (await readFile(join(ROOT, document), 'utf8')).split('\n')
  const blocks: Block[] = []
  lines.forEach((line, index) => {
    if (line !== '```ts') return
    const end = lines.indexOf('```', index + 1)
    const code = lines.slice(index + 1, end).join('\n')
    blocks.push({ name: `${document}:${index + 1}`, code, fragment: FRAGMENT.test(lines[index - 1] ?? '') })
  })
  return blocks
}

const blocks = (await Promise.all(DOCUMENTS.map(blocksOf))).flat()
const runnable = blocks.filter((block) => !block.fragment)
let dir: string
let diagnostics: string
const fileOf = (block: Block) => join(dir, `${block.name.replace(/[^a-z0-9]+/gi, '-')}.ts`)

beforeAll(async () => {
  // Inside the repository, so that the blocks resolve `@videobgremover/sdk` to the sources as the examples do.
  dir = await mkdtemp(join(ROOT, 'node_modules', '.readme-blocks-'))
  await Promise.all(runnable.map((block) => writeFile(fileOf(block), block.code)))
  const tsconfig = { extends: relative(dir, join(ROOT, 'tsconfig.json')), include: ['*.ts'], exclude: [] }
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig))
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
  diagnostics = await exec(process.execPath, [tsc, '-p', dir]).then(
    () => '',
    (error: { stdout: string }) => error.stdout,
  )
  // The files the blocks name: videos to upload, a background and a transparent result to composite.
  const sample = join(ROOT, 'examples/assets/sample.mp4')
  await Promise.all(['interview.mp4', 'clip.mp4', 'office.mp4'].map((name) => copyFile(sample, join(dir, name))))
  await writeFile(join(dir, 'interview-transparent.webm'), fakeResultFile('video.webm', 'webm_vp9'))
}, 120_000)
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('README blocks', () => {
  it('mark every fragment with a reason, and leave most blocks runnable', () => {
    expect(runnable.length).toBeGreaterThan(blocks.length / 2)
  })

  describe.each(runnable)('$name', (block) => {
    it('type-checks', () => {
      const file = relative(dir, fileOf(block))
      expect(diagnostics.split('\n').filter((line) => line.includes(file)).join('\n')).toBe('')
    })

    it('runs against the fake API', async () => {
      const api = new FakeApi({ processingMs: 50 })
      const msw = setupServer(http.all('https://api.videobgremover.com/*', async ({ request }) => api.handle(await withLength(request))))
      msw.listen({ onUnhandledRequest: 'bypass' })
      vi.stubEnv('VIDEOBGREMOVER_API_KEY', FAKE_API_KEY)
      const log = vi.spyOn(console, 'log').mockImplementation(() => {})
      const cwd = process.cwd()
      process.chdir(dir)
      // Each block is a program of its own: a fresh SDK, so the pacing of one key (3 starts a minute) starts afresh.
      vi.resetModules()
      try {
        await import(fileOf(block))
      } finally {
        process.chdir(cwd)
        log.mockRestore()
        vi.unstubAllEnvs()
        msw.close()
      }
    })
  })
})

/**
 * The request with the Content-Length that fetch derives from a Blob body when it sends it: msw hands the handler
 * the request before that, and the fake storage, like the real one, refuses an upload without it.
 */
async function withLength(request: Request): Promise<Request> {
  if (request.method !== 'PUT' || request.headers.has('content-length')) return request
  const body = await request.arrayBuffer()
  const headers = new Headers(request.headers)
  headers.set('content-length', String(body.byteLength))
  return new Request(request.url, { method: 'PUT', headers, body })
}
