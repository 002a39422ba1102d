import { inspect } from 'node:util'
import { expect } from 'vitest'
import type { Logger } from '../../src/index'

/** A logger that keeps every line, with its data, as text. */
export function capturingLogger() {
  const lines: { level: string; text: string }[] = []
  const at = (level: string) => (message: string, data?: Record<string, unknown>) =>
    lines.push({ level, text: `${message} ${inspect(data, { depth: Infinity, showHidden: true })}` })
  const logger: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }
  return { logger, lines }
}

/** Every way a user may print, log or ship an error, its causes included. */
export const renderings = (value: unknown) => ({
  message: value instanceof Error ? value.message : '',
  string: String(value),
  stack: value instanceof Error ? (value.stack ?? '') : '',
  json: JSON.stringify(value) ?? '',
  inspect: inspect(value, { depth: Infinity, showHidden: true, getters: true }),
})

/** No rendering of `value` holds `secret`. */
export function expectNoSecret(value: unknown, secret: string): void {
  for (const [form, text] of Object.entries(renderings(value))) expect(text, form).not.toContain(secret)
}
