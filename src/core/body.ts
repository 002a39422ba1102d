/** A body read up to a cap: `complete` is false when it went on past `maxBytes` (the rest is not read). */
export interface CappedText {
  text: string
  complete: boolean
}

/**
 * Reads a response body as text, as a stream, and stops at `maxBytes`: an answer from a server is untrusted input,
 * and no answer this SDK reads needs more than a megabyte.
 */
export async function readCapped(response: Response, maxBytes: number): Promise<CappedText> {
  if (!response.body) return { text: '', complete: true }
  // A declared length within the cap is held to by fetch itself: the whole text at once, the fast way. Not for a
  // compressed body, whose length says nothing of what it inflates to.
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity'
  if (declared <= maxBytes && !encoded) return { text: await response.text(), complete: true }
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return { text: text + decoder.decode(), complete: true }
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => {})
      return { text, complete: false }
    }
    text += decoder.decode(value, { stream: true })
  }
}
