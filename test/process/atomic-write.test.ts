import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { AbortError, ValidationError } from '../../src/errors'
import { writeDirectoryAtomically, writeFileAtomically } from '../../src/node/atomic-write'
import { rejection } from '../kit'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TSX = join(ROOT, 'node_modules/tsx/dist/loader.mjs')

let dir: string
let count = 0
/** A new empty directory for one test. */
async function folder(): Promise<string> {
  const path = join(dir, String(count++))
  await mkdir(path)
  return path
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-atomic-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const mode = async (path: string) => (await stat(path)).mode & 0o777

/** Runs `body` with the process umask set to `mask`. */
async function withUmask<T>(mask: number, body: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask)
  try {
    return await body()
  } finally {
    process.umask(previous)
  }
}

describe('writeFileAtomically', () => {
  it('flushes the whole file to disk before it takes the path', async () => {
    const target = join(await folder(), 'out.mp4')
    const probe = await open(join(await folder(), 'probe'), 'w')
    await probe.close()
    const sync = vi.spyOn(Object.getPrototypeOf(probe) as FileHandle, 'sync')
    try {
      let flushedBeforeRename = false
      await writeFileAtomically(target, async (temporary) => {
        await writeFile(temporary, 'data')
        sync.mockImplementationOnce(async function (this: FileHandle) {
          flushedBeforeRename = !existsSync(target) && (await this.stat()).size === 4
        })
      })
      expect(flushedBeforeRename).toBe(true)
    } finally {
      sync.mockRestore()
    }
  })

  it('writes through a 0600 sibling and leaves the file with the mode the umask gives a new file', async () => {
    const target = join(await folder(), 'out.mp4')
    let during: { path: string; mode: number } | undefined
    await withUmask(0o027, () =>
      writeFileAtomically(target, async (temporary) => {
        await writeFile(temporary, 'data')
        during = { path: temporary, mode: await mode(temporary) }
      }),
    )
    expect(during?.mode).toBe(0o600)
    expect(dirname(during?.path ?? '')).toBe(dirname(target))
    expect(basename(during?.path ?? '')).toMatch(/^\.out\.mp4\.[0-9a-f]{12}\.partial\.mp4$/)
    expect(await mode(target)).toBe(0o640)
    expect(await readFile(target, 'utf8')).toBe('data')
    expect(await readdir(dirname(target))).toEqual(['out.mp4'])
  })

  it('removes the temporary and leaves no target when the writer fails', async () => {
    const folderPath = await folder()
    const failure = new Error('encoder crashed')
    const error = await rejection(
      writeFileAtomically(join(folderPath, 'out.mp4'), async (temporary) => {
        await writeFile(temporary, 'half')
        throw failure
      }),
    )
    expect(error).toBe(failure)
    expect(await readdir(folderPath)).toEqual([])
  })

  it('removes the temporary and keeps the old file when the signal aborts after the writer finished', async () => {
    const target = join(await folder(), 'out.mp4')
    await writeFile(target, 'old')
    const controller = new AbortController()
    const write = writeFileAtomically(
      target,
      async (temporary) => {
        await writeFile(temporary, 'new')
        controller.abort()
      },
      { overwrite: true, signal: controller.signal },
    )
    expect(await rejection(write)).toBeInstanceOf(AbortError)
    expect(await readdir(dirname(target))).toEqual(['out.mp4'])
    expect(await readFile(target, 'utf8')).toBe('old')
  })

  it('refuses an existing target without overwrite, before the writer runs', async () => {
    const target = join(await folder(), 'out.mp4')
    await writeFile(target, 'old')
    let ran = false
    const error = await rejection(writeFileAtomically(target, async () => void (ran = true)))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toMatch(/already exists/)
    expect(ran).toBe(false)
    expect(await readFile(target, 'utf8')).toBe('old')
  })

  it('does not replace a target that appeared during the write without overwrite', async () => {
    const target = join(await folder(), 'out.mp4')
    const error = await rejection(
      writeFileAtomically(target, async (temporary) => {
        await writeFile(temporary, 'mine')
        await writeFile(target, 'theirs')
      }),
    )
    expect(error).toBeInstanceOf(ValidationError)
    expect(await readFile(target, 'utf8')).toBe('theirs')
    expect(await readdir(dirname(target))).toEqual(['out.mp4'])
  })

  it('replaces an existing file with overwrite', async () => {
    const target = join(await folder(), 'out.mp4')
    await writeFile(target, 'old')
    await writeFileAtomically(target, (temporary) => writeFile(temporary, 'new'), { overwrite: true })
    expect(await readFile(target, 'utf8')).toBe('new')
  })

  it('refuses a path whose directory does not exist', async () => {
    const error = await rejection(writeFileAtomically(join(dir, 'missing', 'out.mp4'), async () => {}))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toMatch(/directory does not exist/)
  })

  it('leaves no signal listener behind once the write settles', async () => {
    const before = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((name) => process.listenerCount(name))
    let during: number[] = []
    await writeFileAtomically(join(await folder(), 'out.mp4'), async (temporary) => {
      during = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((name) => process.listenerCount(name))
      await writeFile(temporary, 'data')
    })
    expect(during).toEqual(before.map((listeners) => listeners + 1))
    expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((name) => process.listenerCount(name))).toEqual(before)
  })
})

describe('writeDirectoryAtomically', () => {
  it('fills a 0700 temporary directory and leaves it with the mode the umask gives a new directory', async () => {
    const target = join(await folder(), 'frames')
    let during = 0
    await withUmask(0o022, () =>
      writeDirectoryAtomically(target, async (temporary) => {
        during = await mode(temporary)
        await writeFile(join(temporary, 'frame_000001.png'), 'png')
      }),
    )
    expect(during).toBe(0o700)
    expect(await mode(target)).toBe(0o755)
    expect(await readdir(target)).toEqual(['frame_000001.png'])
  })

  it('replaces an empty directory with overwrite but never a directory with files', async () => {
    const parent = await folder()
    const empty = join(parent, 'empty')
    const full = join(parent, 'full')
    await mkdir(empty)
    await mkdir(full)
    await writeFile(join(full, 'keep.png'), 'keep')
    const fill = (temporary: string) => writeFile(join(temporary, 'frame.png'), 'png')
    await writeDirectoryAtomically(empty, fill, { overwrite: true })
    expect(await readdir(empty)).toEqual(['frame.png'])
    await rejection(writeDirectoryAtomically(full, fill, { overwrite: true }))
    expect(await readdir(full)).toEqual(['keep.png'])
    expect((await readdir(parent)).sort()).toEqual(['empty', 'full'])
  })
})

/**
 * Starts a child process that begins an atomic write into `folderPath` and never finishes it; resolves once the
 * temporary exists, with the child and the temporary's path. `prelude` runs first in the child.
 */
const children = new Set<ChildProcess>()
afterEach(() => {
  // A failing test must not leave a writer running.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  children.clear()
})

async function childMidWrite(folderPath: string, prelude = '') {
  const script = join(folderPath, 'writer.mts')
  await writeFile(
    script,
    `import { writeFile } from 'node:fs/promises'
import { writeFileAtomically } from ${JSON.stringify(join(ROOT, 'src/node/atomic-write.ts'))}
${prelude}
await writeFileAtomically(${JSON.stringify(join(folderPath, 'out.mp4'))}, async (temporary) => {
  await writeFile(temporary, 'half')
  console.log(temporary)
  await new Promise(() => setInterval(() => {}, 60_000))
})
`,
  )
  const child = spawn(process.execPath, ['--import', TSX, script], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const temporary = await new Promise<string>((resolve, reject) => {
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('\n')) resolve(output.split('\n')[0] ?? '')
    })
    child.on('exit', () => reject(new Error(`the writer exited early: ${output}${stderr}`)))
  })
  return { child, temporary, exited }
}

describe('a signal during an atomic write', () => {
  it.each(['SIGHUP', 'SIGTERM', 'SIGINT'] as const)(
    '%s removes the temporary and still ends the process by that signal',
    async (signal) => {
      const folderPath = await folder()
      const { child, temporary, exited } = await childMidWrite(folderPath)
      expect(existsSync(temporary)).toBe(true)
      child.kill(signal)
      expect(await exited).toEqual({ code: null, signal })
      expect(existsSync(temporary)).toBe(false)
      expect(await readdir(folderPath)).toEqual(['writer.mts'])
    },
  )

  it('leaves the exit to a listener of the application, still removing the temporary', async () => {
    const folderPath = await folder()
    const prelude = `process.on('SIGHUP', () => setImmediate(() => process.exit(3)))`
    const { child, temporary, exited } = await childMidWrite(folderPath, prelude)
    child.kill('SIGHUP')
    expect(await exited).toEqual({ code: 3, signal: null })
    expect(existsSync(temporary)).toBe(false)
  })
})
