import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { ValidationError } from '../../errors'
import type { Foreground } from '../../foreground'
import { writeDirectoryAtomically, writeFileAtomically } from '../atomic-write'
import { Background, resolveBackground } from './background'
import { checkPositive } from '../../validate'
import { Cutout } from './cutout'
import { EncoderProfile } from './encoder'
import { run, toolPath } from './ffmpeg'
import { ffmpegStream } from './ffmpeg-stream'
import { composeArgs, type Plan, type PlannedLayer } from './graph'
import { LayerHandle, visibleLength } from './layer'
import { streamContainer } from './output'
import { progressParser, type CompositionProgress } from './progress'
import { resolveCutout } from './resolve-cutout'

/** Options of a render. */
export interface RenderOptions {
  /** Called at each of ffmpeg's progress reports and once at the end (`ratio` 1). */
  onProgress?: (progress: CompositionProgress) => void
  /** Aborting kills ffmpeg and removes the partial output. */
  signal?: AbortSignal
}

/** Options of `toStream`. */
export interface StreamRenderOptions extends RenderOptions {
  /** `'matroska'` streams any profile but `y4m()` and `pngSequence()` in Matroska instead of its own container. */
  container?: 'matroska'
}

/** Options of `toFile`. */
export interface FileRenderOptions extends RenderOptions {
  /**
   * Replace what is at the path: an existing file or, for `pngSequence`, an empty directory. Default `true`; with
   * `false` an existing target is refused with `ValidationError`.
   */
  overwrite?: boolean
}

/** Cut-outs layered on a background and encoded by a local ffmpeg. Uses no API credits. */
export class Composition {
  readonly #layers: LayerHandle[] = []
  #duration?: number

  /** A composition on `background`, which sets the canvas. Throws `ValidationError` for anything but a `Background`. */
  constructor(
    /** The bottom layer, which sets the canvas size and frame rate (and, for a video, the duration). */
    readonly background: Background,
  ) {
    if (!(background instanceof Background)) throw new ValidationError('new Composition(background) needs a Background', 'background')
  }

  /** A composition on a transparent canvas. */
  static canvas(width: number, height: number, fps: number): Composition {
    return new Composition(Background.empty(width, height, fps))
  }

  /**
   * Adds a cut-out above the layers added before and returns its layer, to place and time it. A `removeBackground`
   * result (the main package's `Foreground`) is taken as it is, as `Cutout.fromResult(result)`: it is downloaded when
   * the composition renders. `name` appears in error messages.
   */
  add(cutout: Cutout | Foreground, name = `layer${this.#layers.length}`): LayerHandle {
    const layer = new LayerHandle(cutout instanceof Cutout ? cutout : Cutout.fromResult(cutout), name, this.#layers.length)
    this.#layers.push(layer)
    return layer
  }

  /** The layers in the order they were added. */
  get layers(): readonly LayerHandle[] {
    return this.#layers
  }

  /** Fixes the output's length. Otherwise a video background sets it, else the last layer to end. */
  setDuration(seconds: number): this {
    this.#duration = checkPositive(seconds, 'seconds')
    return this
  }

  /**
   * Renders to `path` (a directory for `pngSequence`, which must be new or empty) and resolves to its absolute path.
   * ffmpeg writes a private temporary sibling that is renamed into place when complete, so no partial output is
   * left, not even when the process gets SIGINT, SIGTERM or SIGHUP. Throws `ValidationError` for bad input or an
   * unwritable path, `FFmpegError` when ffmpeg or ffprobe fails, `AbortError` when `signal` fires.
   */
  async toFile(
    path: string,
    profile: EncoderProfile = EncoderProfile.h264(),
    { onProgress, signal, overwrite = true }: FileRenderOptions = {},
  ): Promise<string> {
    const target = await outputPath(path, profile)
    const work = await mkdtemp(join(tmpdir(), 'vbr-compose-'))
    try {
      const plan = await this.plan(work, signal)
      const onLine = onProgress ? progressParser(plan.duration, onProgress) : () => {}
      const encode = async (partial: string) => {
        await run('ffmpeg', composeArgs(plan, profile, { path: outputTarget(partial, profile) }), { signal, onLine })
      }
      const write = profile.kind === 'png_sequence' ? writeDirectoryAtomically : writeFileAtomically
      return await write(target, encode, { overwrite, signal })
    } finally {
      await rm(work, { recursive: true, force: true })
    }
  }

  /**
   * Renders into a web `ReadableStream` of the encoded output while ffmpeg encodes it: for an HTTP response, say.
   * `h264()` and `stackedVideo()` stream as fragmented MP4, `vp9()` and `transparentWebm()` as WebM, `y4m()` as
   * YUV4MPEG2, and with `container: 'matroska'` any of them but y4m, and `prores4444()`, as Matroska. Resolves once
   * the inputs are resolved and ffmpeg runs, so bad input rejects here, before a byte is sent: `ValidationError`
   * (also for a profile that cannot stream, naming those that can), `FFmpegError` from ffprobe, `AbortError`.
   *
   * The stream is pulled: ffmpeg waits for a slow reader instead of its output piling up in memory. Cancelling the
   * stream or aborting `signal` kills ffmpeg; an ffmpeg failure errors the stream with `FFmpegError`. Temporary
   * inputs are removed once ffmpeg exits, so read the stream to its end or cancel it.
   */
  async toStream(
    profile: EncoderProfile = EncoderProfile.h264(),
    { onProgress, signal, container }: StreamRenderOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const output = { container: streamContainer(profile, container) }
    const work = await mkdtemp(join(tmpdir(), 'vbr-compose-'))
    const cleanUp = () => rm(work, { recursive: true, force: true })
    try {
      const plan = await this.plan(work, signal)
      const onProgressLine = onProgress && progressParser(plan.duration, onProgress)
      return await ffmpegStream(composeArgs(plan, profile, output), { signal, onProgressLine, onExit: cleanUp })
    } catch (error) {
      await cleanUp()
      throw error
    }
  }

  /**
   * The ffmpeg argv `toFile(path, profile)` would run (argv[0] is the executable). It probes the inputs, so it needs
   * ffprobe; files it downloads or extracts for that are deleted before it returns.
   */
  async dryRun(
    path = 'output.mp4',
    profile: EncoderProfile = EncoderProfile.h264(),
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<string[]> {
    const work = await mkdtemp(join(tmpdir(), 'vbr-compose-'))
    try {
      return [toolPath('ffmpeg'), ...composeArgs(await this.plan(work, signal), profile, { path: outputTarget(resolve(path), profile) })]
    } finally {
      await rm(work, { recursive: true, force: true })
    }
  }

  private async plan(work: string, signal: AbortSignal | undefined): Promise<Plan> {
    const background = await resolveBackground(this.background, signal)
    const ordered = [...this.#layers].map((layer) => layer.settings).sort((a, b) => a.z - b.z)
    const layers = await Promise.all(
      ordered.map(async (settings, index): Promise<PlannedLayer> => {
        const dir = join(work, String(index))
        await mkdir(dir)
        const cutout = await resolveCutout(settings.cutout.source, { dir, fps: background.fps, signal })
        return { settings, cutout, length: visibleLength(settings, cutout.duration) }
      }),
    )
    const ends = layers.map(({ settings, length }) => settings.start + (length ?? NaN))
    const duration = this.#duration ?? background.duration ?? (ends.length > 0 ? Math.max(...ends) : NaN)
    if (!(duration > 0)) {
      throw new ValidationError('Cannot tell how long the composition lasts: call setDuration(seconds)', 'duration')
    }
    return { background, layers, duration }
  }
}

async function outputPath(path: string, profile: EncoderProfile): Promise<string> {
  if (typeof path !== 'string' || path === '') throw new ValidationError('toFile(path) needs the path to write', 'path')
  const target = resolve(path)
  if (!(await stat(dirname(target)).catch(() => undefined))?.isDirectory()) {
    throw new ValidationError(`Cannot write ${JSON.stringify(path)}: its directory does not exist`, 'path')
  }
  const existing = await stat(target).catch(() => undefined)
  if (profile.kind === 'png_sequence' && existing && (!existing.isDirectory() || (await readdir(target)).length > 0)) {
    throw new ValidationError(`${JSON.stringify(path)} already exists: a PNG sequence needs a new or empty directory`, 'path')
  }
  if (profile.kind !== 'png_sequence' && existing?.isDirectory()) {
    throw new ValidationError(`${JSON.stringify(path)} is a directory: toFile(path) needs the path of the file to write`, 'path')
  }
  return target
}

function outputTarget(path: string, profile: EncoderProfile): string {
  return profile.kind === 'png_sequence' ? join(path.replaceAll('%', '%%'), 'frame_%06d.png') : path
}
