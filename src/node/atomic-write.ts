import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { chmod, link, mkdir, open, rename, rm, rmdir, stat, unlink } from 'node:fs/promises'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { throwIfAborted } from '../core/signal'
import { ValidationError } from '../errors'

/** Options of `writeFileAtomically` and `writeDirectoryAtomically`. */
export interface AtomicWriteOptions {
  /**
   * Replace what is already at the path. Default `false`: an existing target is refused with `ValidationError`,
   * before `write` runs and again, atomically for a file, when the result is moved into place. A directory replaces
   * only an empty directory.
   */
  overwrite?: boolean
  /** Aborting stops the write before it is moved into place (`AbortError`); `write` should honour it as well. */
  signal?: AbortSignal
}

/** Fills the temporary at `temporaryPath` (an empty file or directory that already exists) and settles when done. */
export type AtomicWriter = (temporaryPath: string) => Promise<void>

/**
 * Writes the file at `path` through `write`, so that the path holds either its old content or the whole new file,
 * never a part. `write` fills a temporary sibling, `.<name>.<random>.partial<ext>` (the extension kept last for
 * writers that pick a format by name, such as ffmpeg), created with mode 0600 so that no one else reads it half
 * written; its bytes are flushed to disk (fsync), it is given the mode of a new file (0666 minus the process umask)
 * and renamed into place. On a
 * failure of `write`, an abort, or SIGINT/SIGTERM/SIGHUP while it runs, the temporary is removed. Resolves to the
 * absolute path. Throws `ValidationError` when the directory is missing or the target exists without `overwrite`,
 * `AbortError` on abort, and whatever `write` throws.
 */
export function writeFileAtomically(path: string, write: AtomicWriter, options: AtomicWriteOptions = {}): Promise<string> {
  return writeAtomically('file', path, write, options)
}

/**
 * `writeFileAtomically` for a directory of files (an image sequence, say): `write` fills an empty temporary
 * directory of mode 0700, which then gets the mode of a new directory (0777 minus the umask) and is renamed into
 * place. With `overwrite`, an existing empty directory is replaced; a non-empty one never is.
 */
export function writeDirectoryAtomically(path: string, write: AtomicWriter, options: AtomicWriteOptions = {}): Promise<string> {
  return writeAtomically('directory', path, write, options)
}

type Kind = 'file' | 'directory'

async function writeAtomically(
  kind: Kind,
  path: string,
  write: AtomicWriter,
  { overwrite = false, signal }: AtomicWriteOptions,
): Promise<string> {
  const target = resolve(path)
  if (!(await stat(dirname(target)).catch(() => undefined))?.isDirectory()) {
    throw new ValidationError(`Cannot write ${JSON.stringify(path)}: its directory does not exist`, 'path')
  }
  if (!overwrite && (await exists(target))) throw alreadyExists(path)
  throwIfAborted(signal)
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial${extname(target)}`)
  track(temporary)
  try {
    await createPrivate(kind, temporary)
    await write(temporary)
    if (kind === 'file') await flushToDisk(temporary)
    throwIfAborted(signal)
    await chmod(temporary, (kind === 'file' ? 0o666 : 0o777) & ~process.umask())
    await (kind === 'file' ? commitFile(temporary, target, overwrite, path) : commitDirectory(temporary, target, overwrite, path))
    return target
  } catch (error) {
    await rm(temporary, { recursive: true, force: true })
    throw error
  } finally {
    untrack(temporary)
  }
}

/** The temporary, readable by the owner only whatever the umask: a half-written file is nobody else's business. */
async function createPrivate(kind: Kind, temporary: string): Promise<void> {
  if (kind === 'directory') {
    await mkdir(temporary, { mode: 0o700 })
    await chmod(temporary, 0o700)
    return
  }
  const file = await open(temporary, 'wx', 0o600)
  try {
    await file.chmod(0o600)
  } finally {
    await file.close()
  }
}

/** The file's bytes reach the disk before it is renamed into place, so a crash cannot leave the new name on a hole. */
async function flushToDisk(path: string): Promise<void> {
  const file = await open(path, 'r+')
  try {
    await file.sync()
  } finally {
    await file.close()
  }
}

/** A hard link fails when the target exists, so no file that appeared during the write is replaced. */
async function commitFile(temporary: string, target: string, overwrite: boolean, path: string): Promise<void> {
  if (overwrite) return rename(temporary, target)
  try {
    await link(temporary, target)
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException
    if (code === 'EEXIST') throw alreadyExists(path)
    // Some file systems (FAT, some network shares) have no hard links: check, then rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error
    if (await exists(target)) throw alreadyExists(path)
    return rename(temporary, target)
  }
  await unlink(temporary)
}

/** POSIX renames a directory over an empty one; Windows refuses, so an empty target is removed first there. */
async function commitDirectory(temporary: string, target: string, overwrite: boolean, path: string): Promise<void> {
  if (!overwrite && (await exists(target))) throw alreadyExists(path)
  try {
    await rename(temporary, target)
  } catch (error) {
    if (!overwrite || !(await exists(target))) throw error
    await rmdir(target)
    await rename(temporary, target)
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}

function alreadyExists(path: string): ValidationError {
  return new ValidationError(`${JSON.stringify(path)} already exists: pass overwrite to replace it`, 'path')
}

const inFlight = new Set<string>()
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/**
 * A signal ends the process without running `finally` blocks, so temporaries would stay behind: while any write is
 * in flight, a listener removes them, then lets the signal do what it would have done.
 */
function onSignal(signal: NodeJS.Signals): void {
  for (const temporary of inFlight) rmSync(temporary, { recursive: true, force: true })
  inFlight.clear()
  for (const name of SIGNALS) process.off(name, onSignal)
  // Another listener has taken charge of this signal (a CLI's clean Ctrl-C, say): the exit is its decision.
  // Otherwise, with no listener left, Node restores the default action and the signal ends the process as usual.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

function track(temporary: string): void {
  if (inFlight.size === 0) for (const name of SIGNALS) process.on(name, onSignal)
  inFlight.add(temporary)
}

function untrack(temporary: string): void {
  if (!inFlight.delete(temporary) || inFlight.size > 0) return
  for (const name of SIGNALS) process.off(name, onSignal)
}
