import { existsSync } from 'node:fs'
import { extname, join } from 'node:path'

// Control characters, and what Windows refuses in a name.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f<>:"|?*]/g

/** A file name's stem, safe to write anywhere: no separators, control characters or leading dots; at most 100 characters. */
export function safeStem(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? ''
  const stem = base.slice(0, base.length - extname(base).length)
  const cleaned = stem
    .replace(UNSAFE, '_')
    .replace(/^[.\s]+/, '')
    .trim()
  return cleaned.slice(0, 100) || 'video'
}

/**
 * The output path of each item, in input order: `<stem>-nobg.<ext>` in `outDir`, then `-2`, `-3`, … for names
 * already taken (case-insensitively) by an earlier item, by a journaled output of another input, or by a file no
 * record accounts for. Derived from the inputs' names only, never from anything the server sends. `recorded` maps
 * keys to the outputs the journal already holds for them, which are kept as they are.
 */
export function outputPaths(
  outDir: string,
  items: readonly { key: string; name: string }[],
  extension: string,
  recorded: ReadonlyMap<string, string>,
): string[] {
  const taken = new Set([...recorded.values()].map((path) => path.toLowerCase()))
  return items.map(({ key, name }) => {
    const own = recorded.get(key)
    if (own !== undefined) return own
    const stem = `${safeStem(name)}-nobg`
    for (let n = 1; ; n++) {
      const path = join(outDir, `${stem}${n === 1 ? '' : `-${n}`}.${extension}`)
      if (taken.has(path.toLowerCase()) || existsSync(path)) continue
      taken.add(path.toLowerCase())
      return path
    }
  })
}
