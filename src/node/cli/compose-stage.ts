/**
 * The compose step of `vbr compose` and `vbr remove --on`: everything checked first (ffmpeg, the background, the
 * output), then the cut-out put on the background with a progress bar, into a file or onto stdout.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { FFmpegError, ValidationError } from '../../errors'
import { Background } from '../compose/background'
import { Composition } from '../compose/composition'
import { Cutout } from '../compose/cutout'
import { run } from '../compose/ffmpeg'
import { SizeMode } from '../compose/layer'
import { measureCutout } from '../compose/measure'
import type { CommandOptions } from './args'
import { COMPOSE_FORMATS, composeFormat, DEFAULT_PLACEMENT, type Backdrop, type ComposeFormat } from './compose-options'
import type { Context } from './context'
import { CliError, ExitCode } from './exit-codes'
import { formatBytes } from './format'
import { outputPath, stem } from './output'

/** What to do when ffmpeg or ffprobe is missing. */
export const INSTALL_FFMPEG =
  'Install FFmpeg (Debian, Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg), ' +
  'or set FFMPEG_PATH and FFPROBE_PATH to its executables.'

/** The background `--on` names, looked at: a colour, or an image or a video that ffprobe has read. */
type Ground = { kind: 'color'; color: string; name: string } | { kind: 'image' | 'video'; source: string; name: string }

/** The compose step, prepared: ffmpeg found, the background read, the output's place and format settled. */
export interface ComposeStage extends AsyncDisposable {
  /** The composed output's absolute path; undefined when it goes to stdout (`-o -`). */
  readonly output?: string
  /**
   * Where to put the cut-out to compose, named `name`: a private temporary directory, removed when the stage is
   * disposed, or with `keep` beside the output (an existing file is refused unless --force).
   */
  cutoutFile(name: string, keep?: boolean): Promise<string>
  /**
   * Composes the cut-out in `file` onto the background with a progress bar, and gives the command's answer: the
   * output's path and `json` with the output's facts added, or, on stdout, a note of the bytes written.
   */
  compose(file: string, json: Record<string, unknown>): Promise<void>
}

/**
 * Prepares the compose step for a cut-out named `name` (the output's default name is `<name>-on-<background>.<ext>`).
 * Nothing is downloaded, processed or written yet: every refusal is a `CliError` (usage) before any work.
 */
export async function composeStage({ ui, signal, cwd }: Context, options: CommandOptions, name: string): Promise<ComposeStage> {
  if (options.on === undefined) throw new CliError('Composing needs --on <#RRGGBB|image|video>: the background.', ExitCode.USAGE)
  await requireFfmpeg(signal)
  const ground = await groundOf(cwd, options.on, signal)
  const format = composeFormat(options.format, options.output)
  const output = options.output === '-' ? undefined : await composedPath(cwd, options, `${name}-on-${ground.name}`, format)
  const work = await mkdtemp(join(tmpdir(), 'vbr-compose-'))

  return {
    output,
    cutoutFile: (file, keep = false) =>
      keep ? outputPath(dirname(output ?? resolve(cwd, file)), undefined, file, options.force) : Promise.resolve(join(work, file)),
    async compose(file, json) {
      const cutout = Cutout.fromFile(file)
      const frames = await measureCutout(cutout, signal)
      const background =
        ground.kind === 'color'
          ? Background.fromColor(ground.color, frames.width, frames.height, frames.fps)
          : ground.kind === 'image'
            ? Background.fromImage(ground.source, frames.fps)
            : Background.fromVideo(ground.source).audio(false) // the sound is the person's
      const composition = new Composition(background)
      // The output lasts as long as the person: a longer background video is cut, a shorter one ends it early.
      if (frames.duration !== undefined) composition.setDuration(frames.duration)
      const { mode, options: size } = options.size ?? { mode: SizeMode.CONTAIN, options: {} }
      const { anchor, dx, dy } = options.at ?? DEFAULT_PLACEMENT
      composition.add(cutout, basename(file)).size(mode, size).at(anchor, dx, dy)

      const profile = COMPOSE_FORMATS[format].profile()
      const bar = ui.composing(output === undefined ? 'to stdout' : basename(output))
      const onProgress = ({ seconds, duration }: { seconds: number; duration: number }) => bar.update(seconds, duration)
      const on = ground.kind === 'color' ? ground.color : ground.source
      if (output === undefined) {
        const { bytes, closed } = await toStdout(await composition.toStream(profile, { onProgress, signal }))
        if (closed) return ui.note(`The reader closed stdout after ${formatBytes(bytes)}: composing stopped there.`)
        bar.done()
        return ui.note(`wrote ${formatBytes(bytes)} of ${format} to stdout`)
      }
      await composition.toFile(output, profile, { onProgress, signal, overwrite: options.force ?? false })
      bar.done()
      ui.result(output, { ...json, on, output, outputFormat: format, bytes: (await stat(output)).size })
    },
    [Symbol.asyncDispose]: () => rm(work, { recursive: true, force: true }),
  }
}

/** Fails with how to install ffmpeg unless both ffmpeg and ffprobe run. */
async function requireFfmpeg(signal: AbortSignal): Promise<void> {
  try {
    await Promise.all([run('ffmpeg', ['-version'], { signal }), run('ffprobe', ['-version'], { signal })])
  } catch (error) {
    if (!(error instanceof ValidationError && (error.field === 'ffmpeg' || error.field === 'ffprobe'))) throw error
    throw new CliError(`Composing needs ffmpeg and ffprobe: ${error.message}.\n${INSTALL_FFMPEG}`, ExitCode.USAGE)
  }
}

/** The background `--on` names: a colour as it is; a file or URL that ffprobe reads, as an image or a video. */
async function groundOf(cwd: string, backdrop: Backdrop, signal: AbortSignal): Promise<Ground> {
  if (backdrop.kind === 'color') return { kind: 'color', color: backdrop.color, name: backdrop.color.slice(1) }
  const { source } = backdrop
  const refuse = (problem: string) =>
    new CliError(`--on ${source} ${problem}: --on takes a #RRGGBB colour, or an image or video file or URL.`, ExitCode.USAGE)
  const isUrl = /^https?:\/\//i.test(source)
  const path = isUrl ? source : resolve(cwd, source)
  if (!isUrl) {
    const info = await stat(path).catch(() => undefined)
    if (!info) throw refuse('does not exist')
    if (!info.isFile()) throw refuse('is a directory')
  }
  const args = ['-v', 'error', '-show_entries', 'format=format_name:stream=codec_type', '-of', 'json', path]
  const probed = await run('ffprobe', args, { signal }).catch((error: unknown) => {
    throw error instanceof FFmpegError ? refuse('is neither an image nor a video ffmpeg can read') : error
  })
  const { format, streams = [] } = JSON.parse(probed.toString()) as {
    format?: { format_name?: string }
    streams?: { codec_type?: string }[]
  }
  if (!streams.some((stream) => stream.codec_type === 'video')) throw refuse('holds no picture')
  // A still image is read by one of ffmpeg's image demuxers: `image2`, or `png_pipe`, `jpeg_pipe`, `webp_pipe`, …
  const kind = /^image2$|_pipe$/.test(format?.format_name ?? '') ? 'image' : 'video'
  return { kind, source: path, name: stem(source) }
}

/** `-o` for the composed output: as every command's, and with the extension of `format`, which ffmpeg goes by. */
async function composedPath(cwd: string, options: CommandOptions, name: string, format: ComposeFormat): Promise<string> {
  const { extension } = COMPOSE_FORMATS[format]
  const target = await outputPath(cwd, options.output, `${name}.${extension}`, options.force)
  if (extname(target).toLowerCase() !== `.${extension}`) {
    const known = Object.values(COMPOSE_FORMATS).map((entry) => `.${entry.extension}`)
    throw new CliError(
      `Cannot write ${format} to ${target}: name the output .${extension} (compose writes ${known.join(', ')}).`,
      ExitCode.USAGE,
    )
  }
  return target
}

/** Copies `stream` to stdout; a reader that stops early (`| head`, ffprobe) ends the copy without an error. */
async function toStdout(stream: ReadableStream<Uint8Array>): Promise<{ bytes: number; closed: boolean }> {
  let bytes = 0
  const count = async function* (chunks: AsyncIterable<Uint8Array>) {
    for await (const chunk of chunks) {
      bytes += chunk.byteLength
      yield chunk
    }
  }
  try {
    // Streaming video is this command's answer: it goes to stdout itself, where the UI writes lines.
    await pipeline(Readable.fromWeb(stream as import('node:stream/web').ReadableStream<Uint8Array>), count, process.stdout)
    return { bytes, closed: false }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return { bytes, closed: true }
    throw error
  }
}
