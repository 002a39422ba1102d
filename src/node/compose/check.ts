import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { ValidationError } from '../../errors'

/** The absolute path of an existing file (absolute, so that ffmpeg never reads a name such as `x:y` as a protocol). */
export function localFile(path: string, field = 'path'): string {
  if (typeof path !== 'string' || path === '') throw new ValidationError(`${field} must be the path of a local file`, field)
  const absolute = resolve(path)
  if (!existsSync(absolute)) throw new ValidationError(`The file ${JSON.stringify(path)} does not exist`, field)
  return absolute
}

/** A URL ffmpeg streams itself, or an existing local file. */
export function pathOrUrl(source: string): string {
  return /^https?:\/\//i.test(source) ? source : localFile(source, 'pathOrUrl')
}

/** `RRGGBB`, upper case, from `#RRGGBB` or `RRGGBB`. */
export function hexColor(color: string): string {
  const match = /^#?([0-9a-f]{6})$/i.exec(color)
  if (match?.[1] === undefined) throw new ValidationError(`Colour ${JSON.stringify(color)} must be #RRGGBB`, 'color')
  return match[1].toUpperCase()
}

export function positive(value: number, field: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new ValidationError(`${field} must be a positive number, not ${value}`, field)
  return value
}

export function nonNegative(value: number, field: string): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new ValidationError(`${field} must be zero or more, not ${value}`, field)
  return value
}

export function dimension(value: number, field: string): number {
  if (!(Number.isInteger(value) && value > 0)) throw new ValidationError(`${field} must be a whole number of pixels, not ${value}`, field)
  return value
}
