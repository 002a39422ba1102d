/** Byte counts and durations as people read them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let value = bytes / 1000
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

export function formatDuration(ms: number): string {
  const seconds = ms / 1000
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  const whole = Math.round(seconds)
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`
}

/** `text` without C0 and C1 control characters but line breaks and tabs: no escape sequence of a server's. */
export function printable(text: string): string {
  return [...text].filter((char) => !isControl(char)).join('')
}

/** C0 (but line feed and tab) and C1 control characters, DEL included. */
function isControl(char: string): boolean {
  const code = char.charCodeAt(0)
  return (code < 0x20 && char !== '\n' && char !== '\t') || (code >= 0x7f && code <= 0x9f)
}
