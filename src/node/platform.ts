import { randomBytes } from 'node:crypto'
import { createWriteStream, openAsBlob } from 'node:fs'
import { rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Dispatcher } from 'undici'
import type { FetchFn } from '../core/http'
import { ValidationError } from '../errors'
import { webPlatform, type Platform } from '../platform'

async function openFile(path: string): Promise<Blob> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    const reason = error.code === 'ENOENT' ? 'does not exist' : `cannot be read (${error.code ?? error.message})`
    throw new ValidationError(`The file ${JSON.stringify(path)} ${reason}`, 'source')
  })
  if (!info.isFile()) throw new ValidationError(`${JSON.stringify(path)} is a directory, not a video file`, 'source')
  return openAsBlob(path)
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

export const nodePlatform: Platform = {
  ...webPlatform,
  openFile,
  saveFile,
  redirect: 'error',
  // Deno reaches this entry through the "node" condition too, but its fetch sends stream bodies chunked.
  streamsWithLength: !('Deno' in globalThis),
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']

/**
 * The global fetch (looked up at each call) through `dispatcher`, or through undici's EnvHttpProxyAgent when a
 * proxy variable is set; undefined when neither applies. undici loads only then.
 */
export function proxiedFetch(dispatcher?: Dispatcher): FetchFn | undefined {
  if (!dispatcher && !PROXY_VARIABLES.some((name) => process.env[name])) return undefined
  let agent: Promise<Dispatcher> | undefined
  return async (input, init) => {
    agent ??= dispatcher ? Promise.resolve(dispatcher) : import('undici').then(({ EnvHttpProxyAgent }) => new EnvHttpProxyAgent())
    return globalThis.fetch(input, { ...init, dispatcher: await agent } as RequestInit)
  }
}
