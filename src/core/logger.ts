export type LogLevel = 'off' | 'error' | 'warn' | 'info' | 'debug'

export interface Logger {
  error(message: string, data?: Record<string, unknown>): void
  warn(message: string, data?: Record<string, unknown>): void
  info(message: string, data?: Record<string, unknown>): void
  debug(message: string, data?: Record<string, unknown>): void
}

const rank: Record<LogLevel, number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 }

const REDACTED = '[redacted]'

/** Replaces every occurrence of `secret` in the strings inside `value`, however deep. */
export function redact<T>(value: T, secret: string | undefined): T {
  if (!secret) return value
  if (typeof value === 'string') return value.split(secret).join(REDACTED) as T
  if (Array.isArray(value)) return value.map((item) => redact(item, secret)) as T
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, redact(item, secret)]),
    ) as T
  }
  return value
}

/**
 * Silent unless the caller asks: a `logger` alone logs at `info`, a `logLevel` alone logs to the console.
 * Every line passes through `redact`, so the API key never reaches a log.
 */
export function createLogger(
  logger: Logger | undefined,
  level: LogLevel | undefined,
  secret: string | undefined,
): Logger {
  const sink = logger ?? console
  const threshold = rank[level ?? (logger ? 'info' : 'off')]
  const at =
    (name: Exclude<LogLevel, 'off'>) =>
    (message: string, data?: Record<string, unknown>) => {
      if (rank[name] > threshold) return
      const line = redact(`[videobgremover] ${message}`, secret)
      if (data === undefined) sink[name](line)
      else sink[name](line, redact(data, secret))
    }
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }
}
