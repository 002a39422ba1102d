import { redact } from './redact'

/** How much the SDK logs: `off` (the default without a logger), `error`, `warn`, `info` (retries), `debug` (every call). */
export type LogLevel = 'off' | 'error' | 'warn' | 'info' | 'debug'

/** Where log lines go: `console` fits, as do pino, winston and most loggers. */
export interface Logger {
  /** A failure. The SDK reports its failures by throwing, so this level stays quiet today; `data` holds structured fields. */
  error(message: string, data?: Record<string, unknown>): void
  /** Something to look at: an API key that is not `vbr_` + 32 characters, or a response field ignored as malformed. */
  warn(message: string, data?: Record<string, unknown>): void
  /** Retries: which call is repeated, after how many milliseconds, and why. */
  info(message: string, data?: Record<string, unknown>): void
  /** Every request and response: method, URL, status, masked headers and request id. */
  debug(message: string, data?: Record<string, unknown>): void
}

const rank: Record<LogLevel, number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 }

/**
 * Silent unless the caller asks: a `logger` alone logs at `info`, a `logLevel` alone logs to the console.
 * Every line passes through `redact`, so the API key never reaches a log.
 */
/** The SDK's own logger: `Logger`, plus whether debug lines go anywhere (so the hot path builds none for nothing). */
export interface SdkLogger extends Logger {
  readonly debugging: boolean
}

export function createLogger(logger: Logger | undefined, level: LogLevel | undefined, secret: string | undefined): SdkLogger {
  const sink = logger ?? console
  const threshold = rank[level ?? (logger ? 'info' : 'off')]
  const at = (name: Exclude<LogLevel, 'off'>) => (message: string, data?: Record<string, unknown>) => {
    if (rank[name] > threshold) return
    const line = redact(`[videobgremover] ${message}`, secret)
    if (data === undefined) sink[name](line)
    else sink[name](line, redact(data, secret))
  }
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), debugging: threshold >= rank.debug }
}
