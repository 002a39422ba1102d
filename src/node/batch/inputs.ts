import { createHash } from 'node:crypto'
import { appendFile, open, readFile, stat } from 'node:fs/promises'
import { throwIfAborted } from '../../core/signal'
import { basename, resolve } from 'node:path'
import { ValidationError } from '../../errors'
import type { StartJobOptions } from '../../types'
import type { VideoSource } from '../../transfer/source'
import type { BatchInput } from './types'

/** One input, understood: what to send, what to name its output after, and where its bytes are. */
export interface BatchItem {
  index: number
  input: BatchInput
  /** The input for people and the journal: the path, the URL, or the name. */
  label: string
  /** The file name its output is named after, and sent to the API. */
  name: string
  /** What `client.upload()` (or `createJobUrl`) takes. */
  source: VideoSource
  /** Absolute path, for a file. */
  path?: string
  /** The URL the API downloads, for a URL. */
  url?: string
}

const isUrl = (value: string) => /^https?:\/\//i.test(value)

/** The file name at the end of a URL's path, or undefined. */
function urlName(url: string): string | undefined {
  try {
    return basename(decodeURIComponent(new URL(url).pathname)) || undefined
  } catch {
    return undefined
  }
}

/** Every input understood, in order; a bad one refuses the batch before anything is sent. */
export function describeInputs(inputs: readonly BatchInput[]): BatchItem[] {
  if (!Array.isArray(inputs)) throw new ValidationError('runBatch(inputs) needs an array of paths, URLs or { source, name }', 'inputs')
  return inputs.map((input, index) => {
    const given = typeof input === 'object' && !(input instanceof URL) ? input : { source: input }
    const { source } = given
    const name = typeof given.name === 'string' && given.name.trim() !== '' ? given.name : undefined
    if (source instanceof URL || (typeof source === 'string' && isUrl(source))) {
      const url = String(source)
      return { index, input, label: url, name: name ?? urlName(url) ?? `video-${index + 1}.mp4`, source: url, url }
    }
    if (typeof source === 'string') {
      if (source === '') throw new ValidationError(`Input ${index + 1} is an empty path`, 'inputs')
      const path = resolve(source)
      return { index, input, label: source, name: name ?? basename(path), source: path, path }
    }
    if (source instanceof Blob || source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
      const fileName = source instanceof Blob ? (source as { name?: unknown }).name : undefined
      const label = name ?? (typeof fileName === 'string' && fileName ? fileName : `video-${index + 1}.mp4`)
      return { index, input, label, name: label, source: source as VideoSource }
    }
    throw new ValidationError(`Input ${index + 1} is neither a path, a URL nor { source, name } with a Blob or bytes`, 'inputs')
  })
}

/** Sorted keys, so that the same options always hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, field]) => field !== undefined)
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, field]) => `${JSON.stringify(key)}:${canonical(field)}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

/** The content key: SHA-256 of the content's hash and the start options (webhook aside: it changes no output). */
export function contentKey(contentSha256: string, startOptions: StartJobOptions): string {
  const { webhook_url: _webhook, ...options } = startOptions
  return createHash('sha256')
    .update(`${contentSha256}\n${canonical(options)}`)
    .digest('hex')
}

interface Fingerprint {
  path: string
  size: number
  mtimeMs: number
}

/**
 * SHA-256 of files, streamed, remembered by path, size and modification time in a JSON-lines file (`.vbr-hashes.jsonl`
 * in the output directory) so that a rerun does not read every video again. Losing it costs only a rehash: it is
 * appended without a flush, and a torn line is ignored.
 */
export class HashCache {
  #known: Map<string, string> | undefined

  constructor(private readonly file: string) {}

  static #id = ({ path, size, mtimeMs }: Fingerprint) => `${path}\0${size}\0${mtimeMs}`

  async #load(): Promise<Map<string, string>> {
    if (this.#known) return this.#known
    const known = new Map<string, string>()
    const text = await readFile(this.file, 'utf8').catch(() => '')
    for (const line of text.split('\n')) {
      try {
        const entry = JSON.parse(line) as Fingerprint & { sha256: string }
        if (typeof entry.sha256 === 'string') known.set(HashCache.#id(entry), entry.sha256)
      } catch {}
    }
    return (this.#known = known)
  }

  // One buffer for every file (hashing is one file at a time): a stream would allocate a chunk per read, and a
  // thousand inputs would leave that much garbage behind.
  readonly #buffer = new Uint8Array(256 * 1024)

  async #hashFile(path: string, signal?: AbortSignal): Promise<string> {
    const hash = createHash('sha256')
    const file = await open(path, 'r')
    try {
      for (;;) {
        throwIfAborted(signal)
        const { bytesRead } = await file.read(this.#buffer, 0, this.#buffer.length, null)
        if (bytesRead === 0) return hash.digest('hex')
        hash.update(this.#buffer.subarray(0, bytesRead))
      }
    } finally {
      await file.close()
    }
  }

  /** The SHA-256 (hex) of the file at `path`, from the cache when its size and modification time match. */
  async sha256(path: string, signal?: AbortSignal): Promise<string> {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new ValidationError(`The input ${JSON.stringify(path)} cannot be read (${error.code ?? error.message})`, 'inputs')
    })
    if (!info.isFile()) throw new ValidationError(`The input ${JSON.stringify(path)} is not a file`, 'inputs')
    const fingerprint = { path, size: info.size, mtimeMs: info.mtimeMs }
    const known = await this.#load()
    const cached = known.get(HashCache.#id(fingerprint))
    if (cached) return cached
    const sha256 = await this.#hashFile(path, signal)
    known.set(HashCache.#id(fingerprint), sha256)
    await appendFile(this.file, `${JSON.stringify({ ...fingerprint, sha256 })}\n`).catch(() => undefined)
    return sha256
  }
}

/** The SHA-256 of an item's content: the file's bytes (cached), the URL's text, or the bytes given. */
export async function contentSha256(item: BatchItem, cache: HashCache, signal?: AbortSignal): Promise<string> {
  if (item.path !== undefined) return cache.sha256(item.path, signal)
  if (item.url !== undefined) return createHash('sha256').update(`url:${item.url}`).digest('hex')
  const source = item.source
  const hash = createHash('sha256')
  if (source instanceof Blob) {
    for await (const chunk of source.stream() as unknown as AsyncIterable<Uint8Array>) hash.update(chunk)
  } else if (source instanceof ArrayBuffer) {
    hash.update(new Uint8Array(source))
  } else {
    const view = source as ArrayBufferView
    hash.update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength))
  }
  return hash.digest('hex')
}
