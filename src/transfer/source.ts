import { ValidationError } from '../errors'
import { UPLOAD_CONTENT_TYPES, UPLOAD_EXTENSIONS, uploadContentType } from '../formats'
import type { Platform } from '../platform'

/**
 * What `Video.open()` and `client.upload()` take:
 * - a `string` file path (Node, Bun, Deno), streamed from disk;
 * - an `http(s)` URL, as a `string` or a `URL`: the API downloads it itself (not for `upload()`);
 * - a `Blob` or `File`;
 * - bytes: an `ArrayBuffer`, a `Uint8Array`, a `Buffer` or another `ArrayBufferView`;
 * - a `ReadableStream<Uint8Array>`, with its byte length in `{ size }`; it is read once, so a failed upload of it
 *   cannot be retried.
 */
export type VideoSource = string | URL | Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>

/** Options of `Video.open(source, options)`: what the API is told about the video, and a size limit. */
export interface OpenOptions {
  /** The name sent to the API; also decides the content type when `contentType` is absent. */
  filename?: string
  /** `video/mp4`, `video/mov` or `video/webm` (`video/quicktime` is sent as `video/mov`). */
  contentType?: string
  /** Byte length; required for a `ReadableStream`. */
  size?: number
  /** Refuse larger inputs before anything is sent (bytes, default 1 GB). */
  maxSize?: number
}

/** Bytes to upload, checked and ready: `body()` gives a fresh body per attempt when `replayable`. */
export interface UploadSource {
  kind: 'upload'
  reference: string
  filename: string
  contentType: string
  size: number
  replayable: boolean
  body(): Blob | Uint8Array | ReadableStream<Uint8Array>
}

/** A public URL the API downloads itself. */
export interface UrlSource {
  kind: 'url'
  reference: string
}

export type PreparedSource = UploadSource | UrlSource

/** Finishes the checks that need I/O (a file's size) and returns the source ready to send. */
export type SourceLoader = (platform: Pick<Platform, 'openFile'>) => Promise<PreparedSource>

export const DEFAULT_MAX_SIZE = 1024 ** 3

const baseName = (path: string) => path.split(/[/\\]/).pop() ?? path
const normalizeType = (type: string) => {
  const bare = type.split(';')[0]!.trim().toLowerCase()
  return bare === 'video/quicktime' ? 'video/mov' : bare
}

/** Decides what `source` is and checks everything that can be checked without I/O. */
export function describeSource(source: VideoSource, options: OpenOptions = {}): SourceLoader {
  const maxSize = options.maxSize ?? DEFAULT_MAX_SIZE
  if (options.maxSize !== undefined && !(options.maxSize > 0)) {
    throw new ValidationError(`maxSize must be a positive number of bytes, got ${options.maxSize}`, 'maxSize')
  }
  if (source instanceof URL || (typeof source === 'string' && /^https?:\/\//i.test(source))) {
    const url = urlSource(String(source))
    return async () => url
  }
  if (typeof source === 'string') return filePathSource(source, options, maxSize)
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const name = options.filename ?? (source as { name?: unknown }).name
    const upload = uploadSource(
      source.size,
      typeof name === 'string' ? name : undefined,
      options.contentType ?? source.type,
      options,
      maxSize,
    )
    return async () => ({ ...upload, replayable: true, body: () => source })
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const bytes =
      source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
    const upload = uploadSource(bytes.byteLength, options.filename, options.contentType, options, maxSize)
    return async () => ({ ...upload, replayable: true, body: () => bytes })
  }
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
    if (options.size === undefined || !Number.isInteger(options.size) || options.size < 0) {
      throw new ValidationError('A ReadableStream source needs its byte length: Video.open(stream, { size })', 'size')
    }
    const upload = uploadSource(options.size, options.filename, options.contentType, options, maxSize)
    let used = false
    const body = () => {
      if (used) throw new ValidationError('A ReadableStream source can be read only once', 'source')
      used = true
      return source
    }
    return async () => ({ ...upload, replayable: false, body })
  }
  throw new ValidationError(
    'Video.open() takes a file path, an http(s) URL, a Blob or File, bytes, or a ReadableStream with { size }',
    'source',
  )
}

function urlSource(reference: string): UrlSource {
  let protocol: string
  try {
    protocol = new URL(reference).protocol
  } catch {
    throw new ValidationError(`${JSON.stringify(reference)} is not a valid URL`, 'source')
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new ValidationError(`Only http(s) URLs can be processed, got ${JSON.stringify(reference)}`, 'source')
  }
  return { kind: 'url', reference }
}

function filePathSource(path: string, options: OpenOptions, maxSize: number): SourceLoader {
  if (path.trim() === '') throw new ValidationError('The file path is empty', 'source')
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(path)) {
    throw new ValidationError(`Only http(s) URLs can be processed, got ${JSON.stringify(path)}`, 'source')
  }
  const filename = options.filename ?? baseName(path)
  const checked = uploadSource(undefined, filename, options.contentType, options, maxSize)
  return async (platform) => {
    const file = await platform.openFile(path)
    checkSize(file.size, maxSize, path)
    return { ...checked, reference: path, size: file.size, replayable: true, body: () => file }
  }
}

function uploadSource(
  size: number | undefined,
  name: string | undefined,
  declaredType: string | undefined,
  options: OpenOptions,
  maxSize: number,
): Omit<UploadSource, 'replayable' | 'body'> {
  const fromName = name ? uploadContentType(name) : undefined
  const contentType = options.contentType
    ? normalizeType(options.contentType)
    : (fromName ?? (declaredType ? normalizeType(declaredType) : undefined))
  if (!contentType || !UPLOAD_CONTENT_TYPES.includes(contentType)) {
    const got = contentType ? `content type ${contentType}` : name ? `file name ${JSON.stringify(name)}` : 'no file name or content type'
    throw new ValidationError(
      `Uploads must be ${UPLOAD_EXTENSIONS} (declared as ${UPLOAD_CONTENT_TYPES.join(', ')}), got ${got}: pass { filename } or { contentType }, or a public URL`,
      'contentType',
    )
  }
  if (size !== undefined) checkSize(size, maxSize, name ?? 'the video')
  const filename = name ?? `video.${contentType.slice('video/'.length)}`
  return { kind: 'upload', reference: filename, filename, contentType, size: size ?? 0 }
}

function checkSize(size: number, maxSize: number, what: string): void {
  if (size === 0) throw new ValidationError(`${what} is empty (0 bytes)`, 'source')
  if (size > maxSize) {
    throw new ValidationError(`${what} is ${size} bytes, over the maxSize of ${maxSize}`, 'size')
  }
}
