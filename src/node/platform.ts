import { createWriteStream, openAsBlob } from 'node:fs'
import { stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Dispatcher } from 'undici'
import type { FetchFn } from '../core/http'
import { ValidationError } from '../errors'
import { webPlatform, type Platform } from '../platform'
import { writeFileAtomically } from './atomic-write'

async function openFile(path: string): Promise<Blob> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    const reason = error.code === 'ENOENT' ? 'does not exist' : `cannot be read (${error.code ?? error.message})`
    throw new ValidationError(`The file ${JSON.stringify(path)} ${reason}`, 'source')
  })
  if (!info.isFile()) throw new ValidationError(`${JSON.stringify(path)} is a directory, not a video file`, 'source')
  return openAsBlob(path)
}

/** Streams the body to `path` through a private temporary renamed into place (see writeFileAtomically). */
async function saveFile(
  path: string,
  open: () => Promise<ReadableStream<Uint8Array>>,
  signal?: AbortSignal,
  overwrite = true,
): Promise<void> {
  if ((await stat(path).catch(() => undefined))?.isDirectory()) {
    throw new ValidationError(`${JSON.stringify(path)} is a directory: save(path) needs the path of the file to write`, 'path')
  }
  if (!(await stat(dirname(path)).catch(() => undefined))?.isDirectory()) {
    throw new ValidationError(
      `Cannot save to ${JSON.stringify(path)}: the directory ${JSON.stringify(dirname(path))} does not exist`,
      'path',
    )
  }
  await writeFileAtomically(
    path,
    async (temporary) => {
      const body = (await open()) as import('node:stream/web').ReadableStream<Uint8Array>
      // Node's streams load on the first save, not with the package.
      const [{ Readable }, { pipeline }] = await Promise.all([import('node:stream'), import('node:stream/promises')])
      await pipeline(Readable.fromWeb(body), createWriteStream(temporary), { signal })
    },
    { overwrite, signal },
  )
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
