import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ValidationError } from '../errors'
import type { LocalFile, Platform } from '../platform'

async function openFile(path: string): Promise<LocalFile> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    const reason = error.code === 'ENOENT' ? 'does not exist' : `cannot be read (${error.code ?? error.message})`
    throw new ValidationError(`The file ${JSON.stringify(path)} ${reason}`, 'source')
  })
  if (!info.isFile()) throw new ValidationError(`${JSON.stringify(path)} is a directory, not a video file`, 'source')
  return {
    size: info.size,
    stream: () => Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>,
  }
}

/** Writes beside the target under a temporary name, then renames it into place; removes it on any failure. */
async function saveFile(path: string, open: () => Promise<ReadableStream<Uint8Array>>, signal?: AbortSignal): Promise<void> {
  if ((await stat(path).catch(() => undefined))?.isDirectory()) {
    throw new ValidationError(`${JSON.stringify(path)} is a directory: save(path) needs the path of the file to write`, 'path')
  }
  if (!(await stat(dirname(path)).catch(() => undefined))?.isDirectory()) {
    throw new ValidationError(`Cannot save to ${JSON.stringify(path)}: the directory ${JSON.stringify(dirname(path))} does not exist`, 'path')
  }
  const body = await open()
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`)
  try {
    await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(temporary), { signal })
    await rename(temporary, path)
  } catch (error) {
    await unlink(temporary).catch(() => {})
    throw error
  }
}

export const nodePlatform: Platform = { openFile, saveFile, redirect: 'error' }
