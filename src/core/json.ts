import { REDACTED } from './redact'

/** Deeper than any body of this API (they nest three or four levels); deeper bodies are refused unparsed. */
const MAX_DEPTH = 64

export type ParsedJson = { ok: true; value: unknown } | { ok: false; reason: 'not_json' | 'too_deep' }

/**
 * Parses an untrusted JSON text: nesting past 64 levels is refused before parsing (so nothing later recurses into
 * it), and every string holding `secret` comes out with it replaced, after unescaping (`\u0076br_…` included).
 */
export function parseJson(text: string, secret?: string): ParsedJson {
  if (depthOf(text) > MAX_DEPTH) return { ok: false, reason: 'too_deep' }
  try {
    const reviver = secret
      ? (_key: string, value: unknown) => (typeof value === 'string' && value.includes(secret) ? value.split(secret).join(REDACTED) : value)
      : undefined
    return { ok: true, value: JSON.parse(text, reviver) }
  } catch {
    return { ok: false, reason: 'not_json' }
  }
}

/** The deepest nesting of objects and arrays in `text`, counted outside strings in one pass. */
function depthOf(text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (inString) {
      if (char === 0x5c)
        i++ // a backslash escapes the next character
      else if (char === 0x22) inString = false
    } else if (char === 0x22) {
      inString = true
    } else if (char === 0x7b || char === 0x5b) {
      if (++depth > deepest) deepest = depth
      if (deepest > MAX_DEPTH) return deepest
    } else if (char === 0x7d || char === 0x5d) {
      depth--
    }
  }
  return deepest
}
