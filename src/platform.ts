import { ValidationError } from './errors'

/** A local file opened for upload: its size and a fresh stream of its bytes per call. */
export interface LocalFile {
  size: number
  stream(): ReadableStream<Uint8Array>
}

/** What differs between runtimes. The web one is the default; Node's comes through the "node" export condition. */
export interface Platform {
  openFile(path: string): Promise<LocalFile>
  /** Checks `path`, then streams the body `open` gives to it so that no partial file is left behind on failure. */
  saveFile(path: string, open: () => Promise<ReadableStream<Uint8Array>>, signal?: AbortSignal): Promise<void>
  /** `error` where the runtime supports it: Node's fetch only streams a request body that cannot be redirected. */
  redirect: RequestRedirect
}

export const webPlatform: Platform = {
  async openFile(path) {
    throw new ValidationError(
      `Cannot read the file ${JSON.stringify(path)} here: pass a File, Blob or bytes to Video.open()`,
      'source',
    )
  },
  async saveFile() {
    throw new ValidationError(
      'save(path) needs a file system: use blob(), arrayBuffer() or stream()',
      'path',
    )
  },
  redirect: 'manual',
}
