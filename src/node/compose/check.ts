import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { ValidationError } from '../../errors'
import { checkHexColor } from '../../validate'

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

/** `RRGGBB` (or `RRGGBBAA`), upper case, as ffmpeg reads `0x…`: the colour grammar of `checkHexColor`. */
export function hexColor(color: string): string {
  return checkHexColor(color, 'color').slice(1).toUpperCase()
}
