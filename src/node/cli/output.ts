import { mkdir, stat } from 'node:fs/promises'
import { basename, dirname, extname, join, resolve } from 'node:path'
import type { Foreground } from '../index'
import { CliError, ExitCode } from './exit-codes'
import type { Ui } from './ui'

/**
 * Where `-o` writes: a file, or a directory (existing, or named with a trailing slash) to put `fallback` in, by
 * default the current directory. Missing directories are created; an existing file is refused unless `force`.
 * Checked before any work is paid for.
 */
export async function outputPath(cwd: string, option: string | undefined, fallback: string, force = false): Promise<string> {
  const path = resolve(cwd, option ?? fallback)
  const intoDirectory = option !== undefined && (/[\\/]$/.test(option) || (await stat(path).catch(() => undefined))?.isDirectory())
  const target = intoDirectory ? join(path, fallback) : path
  await mkdir(dirname(target), { recursive: true }).catch(async () => {
    throw new CliError(
      `Cannot create the directory ${dirname(target)}: ${await fileInTheWay(dirname(target))} is a file. Choose another -o.`,
      ExitCode.USAGE,
    )
  })
  const existing = await stat(target).catch(() => undefined)
  if (existing?.isDirectory())
    throw new CliError(`${target} is a directory: give -o a file name, or end it with / to write inside it.`, ExitCode.USAGE)
  if (existing && !force) throw new CliError(`${target} already exists: pass --force to replace it, or choose another -o.`, ExitCode.USAGE)
  return target
}

/** The first part of `path` that exists and is not a directory. */
async function fileInTheWay(path: string): Promise<string> {
  for (let part = path; ; part = dirname(part)) {
    const info = await stat(part).catch(() => undefined)
    if ((info && !info.isDirectory()) || dirname(part) === part) return part
  }
}

/** Downloads the result to `output` with a progress bar; the bytes written. */
export async function download(ui: Ui, foreground: Foreground, output: string, signal: AbortSignal): Promise<number> {
  const transfer = ui.transfer('Downloading', basename(output))
  let bytes = 0
  await foreground.save(output, {
    signal,
    onProgress: ({ loaded, total }) => {
      bytes = loaded
      transfer.update(loaded, total)
    },
  })
  transfer.done()
  return bytes
}

/** `clip` for `/videos/clip.mp4` or `https://host/clip.mp4?x=1`. */
export function stem(input: string): string {
  let name = input
  try {
    if (/^https?:\/\//i.test(input)) name = decodeURIComponent(new URL(input).pathname)
  } catch {}
  const base = basename(name)
  return base.slice(0, base.length - extname(base).length) || 'video'
}

export function describeLength(seconds: number | undefined): string {
  return seconds === undefined ? 'length unknown' : `${seconds} s of video = ${seconds} credits`
}
