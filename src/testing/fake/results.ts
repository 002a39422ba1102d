import { RESULT_FILES, type ResultFileName } from '../fixtures/results'
import type { FakeApiOptions } from './api'
import { snapshot, type FakeBackground, type JobState } from './job-state'

// The fake's own format tables, written from api-contract.md §6 and not imported from src/formats.ts on purpose:
// the fake is the independent witness that catches a wrong table in the SDK.
const TRANSPARENT_EXTENSIONS: Readonly<Record<string, string>> = {
  webm_vp9: 'webm',
  mov_prores: 'mov',
  stacked_video: 'mp4',
  pro_bundle: 'zip',
  png_sequence: 'zip',
  gif: 'gif',
  webp: 'webp',
  lottie: 'json',
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  zip: 'application/zip',
  gif: 'image/gif',
  webp: 'image/webp',
  json: 'application/json',
  jpg: 'image/jpeg',
  png: 'image/png',
}

const FORMAT_OF_EXTENSION: Readonly<Record<string, string>> = {
  webm: 'webm_vp9',
  mov: 'mov_prores',
  zip: 'pro_bundle',
  gif: 'gif',
  webp: 'webp',
  json: 'lottie',
}

// With `resultSize` set, only the main output grows; masks and thumbnails stay small so a test of a large
// download moves one large file.
const SMALL_FILE_BYTES = 1024
// Sized results are generated a chunk at a time, so serving a GiB never holds it in memory.
const CHUNK_BYTES = 64 * 1024

/** The output format a job's `background` asks for: `mp4` unless transparent, `webm_vp9` when transparent names none. */
export function outputFormat(background: FakeBackground | undefined): string {
  if (background?.type !== 'transparent') return 'mp4'
  return typeof background.transparent_format === 'string' ? background.transparent_format : 'webm_vp9'
}

/** The file extension of an output format's main file; `mp4` for formats the fake does not know. */
export function extensionOf(format: string): string {
  return TRANSPARENT_EXTENSIONS[format] ?? 'mp4'
}

/** The `Content-Type` storage serves `file` with, from its extension. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream'
}

/**
 * The body storage serves for `file` of `job`: the real fixture file when `resultSize` is unset, otherwise
 * pseudo-random bytes of that size (`fakeResultBytes` gives the same bytes whole).
 */
export function resultBody(
  job: JobState,
  file: string,
  resultSize: FakeApiOptions['resultSize'],
): { size: number; chunks: Iterator<Uint8Array<ArrayBuffer>> } {
  if (resultSize === undefined) {
    // Uint8Array.from allocates its own ArrayBuffer; the public type stays plain for TypeScript before 5.7.
    const bytes = fakeResultFile(file, outputFormat(job.background)) as Uint8Array<ArrayBuffer>
    return { size: bytes.byteLength, chunks: [bytes].values() }
  }
  const size = !file.startsWith('video.') ? SMALL_FILE_BYTES : typeof resultSize === 'number' ? resultSize : resultSize(snapshot(job))
  return { size, chunks: resultChunks(job.id, file, size) }
}

/**
 * The real media file the fake storage serves for `file` (`video.webm`, `mask.mp4`, `thumbnail.jpg`, …) when no
 * `resultSize` is set. `format` is the job's output format; by default the one the extension implies
 * (`video.mp4` is the green-screen output, `video.zip` the pro bundle).
 */
export function fakeResultFile(file: string, format?: string): Uint8Array {
  const extension = file.slice(file.lastIndexOf('.') + 1)
  const isMain = file.startsWith('video.')
  const name = isMain ? `${format ?? FORMAT_OF_EXTENSION[extension]}.${extension}` : file
  // The green-screen mp4 stands for `mp4` (green screen, colour, composition) and any format without a fixture.
  const base64: string | undefined = RESULT_FILES[name as ResultFileName] ?? (isMain ? RESULT_FILES['green_screen.mp4'] : undefined)
  if (base64 === undefined) throw new Error(`The fake API has no result file ${file}`)
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))
}

/** The exact bytes the fake storage serves for a result file when `resultSize` is set: pseudo-random, `size` long. */
export function fakeResultBytes(jobId: string, file: string, size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of resultChunks(jobId, file, size)) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/**
 * Deterministic pseudo-random bytes (xorshift32 seeded by FNV-1a of the job id and file), one chunk at a time, so
 * a test can rebuild what was served from the job id and file alone.
 */
function* resultChunks(jobId: string, file: string, size: number): Generator<Uint8Array<ArrayBuffer>> {
  let state = 0x811c9dc5
  for (const char of `${jobId}/${file}`) state = Math.imul(state ^ char.charCodeAt(0), 0x01000193)
  state ||= 1
  for (let offset = 0; offset < size; offset += CHUNK_BYTES) {
    const words = new Uint32Array(CHUNK_BYTES / 4)
    for (let i = 0; i < words.length; i++) {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      words[i] = state
    }
    yield new Uint8Array(words.buffer, 0, Math.min(CHUNK_BYTES, size - offset))
  }
}
