/** What a secret is replaced with, wherever it would reach a user, a log or an error. */
export const REDACTED = '[redacted]'

/** Objects the SDK logs are a few levels deep; anything deeper is not walked. */
const MAX_DEPTH = 8

/** A copy of `value` with every occurrence of `secret` replaced in its strings (object keys included). */
export function redact<T>(value: T, secret: string | undefined, depth = 0): T {
  if (!secret) return value
  if (typeof value === 'string') return value.split(secret).join(REDACTED) as T
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value
  if (Array.isArray(value)) return value.map((item) => redact(item, secret, depth + 1)) as T
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key, secret), redact(item, secret, depth + 1)])) as T
}

/**
 * Text that may spell `secret` in JSON's escapes (`\u0076br_…`, `\/`), as an unparseable body might: its escapes
 * are read first, so the secret is found however it was written, then redacted.
 */
export function redactText(text: string, secret: string | undefined): string {
  if (!secret) return text
  const unescaped = text.includes('\\')
    ? text.replace(/\\u([0-9a-fA-F]{4})|\\([/"\\])/g, (_, hex: string | undefined, char: string | undefined) =>
        hex ? String.fromCharCode(parseInt(hex, 16)) : char!,
      )
    : text
  return redact(unescaped.includes(secret) ? unescaped : text, secret)
}

const SENSITIVE_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|key|token|secret/i

/** Headers fit for a debug log: credentials, cookies and anything named like a key, token or secret masked. */
export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SENSITIVE_HEADER.test(name) ? REDACTED : value]))
}
