import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Prefer, type RemoveBGOptionsInit } from '../index'
import type { CommandOptions } from './args'
import { CliError, ExitCode } from './exit-codes'

/** A command's video: an http(s) URL as typed, or a file resolved against the cwd, with its size. */
export interface VideoInput {
  /** The URL, or the file's absolute path. */
  path: string
  isUrl: boolean
  /** The file's size in bytes; undefined for a URL. */
  size?: number
}

/** Reads the video argument; a missing file or a directory is a usage error, before any output. */
export async function videoInput(cwd: string, input: string): Promise<VideoInput> {
  if (/^https?:\/\//i.test(input)) return { path: input, isUrl: true }
  const path = resolve(cwd, input)
  const info = await stat(path).catch(() => undefined)
  if (!info) throw new CliError(`The file ${input} does not exist.`, ExitCode.USAGE)
  if (!info.isFile()) throw new CliError(`${input} is a directory, not a video file.`, ExitCode.USAGE)
  return { path, isUrl: false, size: info.size }
}

/** What --format, --color and --model ask for, and the format of the output they give. */
export function outputOptions(options: CommandOptions): { format: string; removeOptions: RemoveBGOptionsInit } {
  const format = options.color ? 'mp4' : (options.format ?? Prefer.WEBM_VP9)
  const removeOptions: RemoveBGOptionsInit = options.color
    ? { background: options.color, model: options.model }
    : { prefer: format, model: options.model }
  return { format, removeOptions }
}
