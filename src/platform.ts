import type { RateLimiter, RateLimits } from './core/limiter'
import { limiterFor } from './core/limiter'
import { readEnv, runtimeName } from './core/runtime'
import { ValidationError } from './errors'
import { VERSION } from './version'
import { xhrUpload } from './transfer/xhr'

/**
 * What differs between runtimes, chosen by the package's export conditions: `browser` (browserPlatform), `node`
 * (src/node), and the default for workers and other web runtimes (webPlatform).
 */
export interface Platform {
  /** A local file as a Blob that reads from disk as it is sent. */
  openFile(path: string): Promise<Blob>
  /** Checks `path`, then streams the body `open` gives to it so that no partial file is left behind on failure. */
  saveFile(path: string, open: () => Promise<ReadableStream<Uint8Array>>, signal?: AbortSignal, overwrite?: boolean): Promise<void>
  /** `error` where the runtime supports it: Node's fetch only streams a request body that cannot be redirected. */
  redirect: RequestRedirect
  env(name: string): string | undefined
  /** The SDK, its version and the runtime; browsers do not let scripts set that header. */
  userAgent?(): string
  /** The pacing shared by one key's clients; a browser holds no key, so its backend paces instead. */
  limiter?(baseUrl: string, apiKey: string | undefined, limits?: RateLimits): RateLimiter
  /** An upload that reports progress, where fetch cannot (browsers). */
  xhr?: typeof xhrUpload
  /** Whether fetch sends a stream body with the Content-Length it is given (Node and Bun). */
  streamsWithLength?: boolean
}

const cannotOpen = async (path: string): Promise<Blob> => {
  throw new ValidationError(`Cannot read the file ${JSON.stringify(path)} here: pass a File, Blob or bytes to Video.open()`, 'source')
}

const cannotSave = async (): Promise<void> => {
  throw new ValidationError('save(path) needs a file system: use blob(), arrayBuffer() or stream()', 'path')
}

/** What `Video` needs of a runtime to read a file path: here, to refuse it (web runtimes have no files). */
export const noFiles: Pick<Platform, 'openFile'> = { openFile: cannotOpen }

export const webPlatform: Platform = {
  openFile: cannotOpen,
  saveFile: cannotSave,
  redirect: 'manual',
  env: readEnv,
  userAgent() {
    const runtime = runtimeName()
    return `videobgremover-js/${VERSION}${runtime ? ` (${runtime})` : ''}`
  },
  limiter: limiterFor,
}

export const browserPlatform: Platform = {
  openFile: cannotOpen,
  saveFile: cannotSave,
  redirect: 'manual',
  env: () => undefined,
  // Service workers have no XMLHttpRequest.
  xhr: typeof XMLHttpRequest === 'function' ? xhrUpload : undefined,
}
