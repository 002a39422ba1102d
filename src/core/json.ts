import { REDACTED } from './redact'

/** Deeper than any body of this API (they nest three or four levels); deeper bodies are refused unparsed. */
const MAX_DEPTH = 64

export type ParsedJson = { ok: true; value: unknown } | { ok: false; reason: 'not_json' | 'too_deep' }

/**
 * Parses an untrusted JSON text: nesting past 64 levels is refused before parsing (so nothing later recurses into
 * it), and every string holding `secret` comes out with it replaced, after unescaping (`\u0076br_…` included).
 */
export function parseJson(text: string, secret?: string): ParsedJson {
  if (mayNestDeeply(text) && depthOf(text) > MAX_DEPTH) return { ok: false, reason: 'too_deep' }
  try {
    // Without the key written out or any escape (which could spell it), no parsed string can hold it.
    const mayHoldSecret = secret !== undefined && (text.includes(secret) || text.includes('\\'))
    const reviver = mayHoldSecret ? (_key: string, value: unknown) => withoutSecret(value, secret) : undefined
    return { ok: true, value: JSON.parse(text, reviver) }
  } catch {
    return { ok: false, reason: 'not_json' }
  }
}

/** Whether `text` holds more opening brackets than the depth allows: only then can it nest too deeply. */
function mayNestDeeply(text: string): boolean {
  let openings = 0
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1)) if (++openings > MAX_DEPTH) return true
  }
  return false
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

/** A parsed value with `secret` replaced in it when it is a string, or in its property names when it is an object. */
function withoutSecret(value: unknown, secret: string): unknown {
  const hide = (text: string) => text.split(secret).join(REDACTED)
  if (typeof value === 'string') return value.includes(secret) ? hide(value) : value
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  const names = Object.keys(value)
  if (!names.some((name) => name.includes(secret))) return value
  return Object.fromEntries(names.map((name) => [hide(name), (value as Record<string, unknown>)[name]]))
}
