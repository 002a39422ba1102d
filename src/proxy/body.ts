/** A body read whole, or the news that it passed the cap (and was no longer read). */
export type CappedBody = { ok: true; bytes: Uint8Array } | { ok: false }

/**
 * Reads `stream` chunk by chunk and stops as soon as more than `maxBytes` have arrived: the rest is never read
 * (the stream is cancelled), so memory holds at most the cap plus one chunk whatever the sender sends.
 * Rejects when the stream errors (the sender went away).
 */
export async function readCapped(stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<CappedBody> {
  if (stream === null) return { ok: true, bytes: new Uint8Array(0) }
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => {})
      return { ok: false }
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return { ok: true, bytes }
}

/** A `Content-Length` that already says the body is over the cap (an absent or malformed one says nothing). */
export function declaredOver(headers: Headers, maxBytes: number): boolean {
  const declared = headers.get('content-length')
  return declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > maxBytes
}

/** `application/json`, with or without parameters (`; charset=utf-8`): the only body a browser cannot send cross-site unasked. */
export function isJsonType(contentType: string | null): boolean {
  return contentType !== null && contentType.split(';')[0]!.trim().toLowerCase() === 'application/json'
}
