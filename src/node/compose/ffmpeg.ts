import { spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import { ValidationError, abortError, toolFailed } from '../../errors'

/**
 * The containers compose lets ffmpeg read, whatever a file's name says: ffmpeg picks a demuxer by content, and a
 * playlist (HLS, DASH, concat) dressed as a `.webm` would make it open other files of this machine. These hold media
 * only: every output format of the API and the usual containers of a background.
 */
export const MEDIA_FORMATS = 'mov,matroska,avi,mpegts,flv,ogg,wav,mp3,aac,image2,png_pipe,jpeg_pipe,webp_pipe,gif,bmp_pipe,tiff_pipe,lavfi'

/** An input of ffmpeg: its options, held to `MEDIA_FORMATS`, then `-i path`. */
export function inputArgs(input: { readonly options: readonly string[]; readonly path: string }): string[] {
  return ['-format_whitelist', MEDIA_FORMATS, ...input.options, '-i', input.path]
}

/** The two executables compose runs. */
export type Tool = 'ffmpeg' | 'ffprobe'

const ENV: Record<Tool, string> = { ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH' }

/** `FFMPEG_PATH` / `FFPROBE_PATH` when set, otherwise the bare name, looked up on `PATH`. */
export function toolPath(tool: Tool): string {
  return process.env[ENV[tool]] || tool
}

/** Options of `run`. */
export interface RunOptions {
  signal?: AbortSignal
  /** Receives stdout line by line instead of collecting it. */
  onLine?: (line: string) => void
}

/**
 * Runs the tool with an argv array (never a shell) and resolves to its stdout. Aborting kills it. Throws
 * `FFmpegError` when it exits non-zero, `ValidationError` when it is not installed, `AbortError` on abort.
 */
export function run(tool: Tool, args: readonly string[], { signal, onLine }: RunOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal))
    const child = spawn(toolPath(tool), args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true })
    const stdout: Buffer[] = []
    child.stdout.on('data', onLine === undefined ? (chunk: Buffer) => void stdout.push(chunk) : lineReader(onLine))
    const stderr = logTail(child.stderr)
    const kill = () => child.kill('SIGKILL')
    signal?.addEventListener('abort', kill, { once: true })
    child.on('error', (error: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', kill)
      reject(error.code === 'ENOENT' ? notFound(tool) : error)
    })
    child.on('close', (code) => {
      signal?.removeEventListener('abort', kill)
      if (signal?.aborted) reject(abortError(signal))
      else if (code === 0) resolve(Buffer.concat(stdout))
      else reject(toolFailed(tool, code, stderr()))
    })
  })
}

/** A `data` listener that calls `onLine` with each complete, trimmed line. */
export function lineReader(onLine: (line: string) => void): (chunk: Buffer) => void {
  let partial = ''
  return (chunk) => {
    const lines = (partial + chunk.toString()).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) onLine(line.trim())
  }
}

/** Keeps the last 16 KiB of a log stream (enough for ffmpeg's last error lines) and returns a reader of it. */
export function logTail(log: Readable): () => string {
  let tail = ''
  log.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-16_384)
  })
  return () => tail
}

/** The error for a tool that is not where `toolPath` looked. */
export function notFound(tool: Tool): ValidationError {
  const configured = process.env[ENV[tool]]
  return new ValidationError(
    configured
      ? `${ENV[tool]} is set to ${JSON.stringify(configured)}, but no ${tool} executable is there`
      : `${tool} was not found on PATH: install FFmpeg (https://ffmpeg.org/download.html) or set ${ENV[tool]} to its executable`,
    tool,
  )
}

/** What compose needs to know of a media file, read by `probe`. */
export interface MediaInfo {
  width: number
  height: number
  fps: number
  /** Seconds; undefined for a still image or when the container does not say. */
  duration?: number
  /** The decoded frames carry alpha (VP8/VP9 alpha needs the libvpx decoder: see `decoder`). */
  alpha: boolean
  /** Input option `-c:v` needed to keep the alpha, if any. */
  decoder?: string
  hasAudio: boolean
}

interface ProbeStream {
  codec_type?: string
  codec_name?: string
  width?: number
  height?: number
  pix_fmt?: string
  r_frame_rate?: string
  avg_frame_rate?: string
  duration?: string
  tags?: Record<string, string>
  side_data_list?: { rotation?: number }[]
}

const ALPHA_PIXEL_FORMAT = /^(yuva|rgba|bgra|argb|abgr|ya|gbrap|pal8)/

/**
 * Reads `path`'s first video stream with ffprobe. Throws `ValidationError` when there is none this ffmpeg decodes,
 * `FFmpegError` when ffprobe fails (not a media file, say).
 */
export async function probe(path: string, signal?: AbortSignal): Promise<MediaInfo> {
  const args = ['-v', 'error', '-format_whitelist', MEDIA_FORMATS, '-print_format', 'json', '-show_streams', '-show_format', path]
  const output = await run('ffprobe', args, { signal })
  const { streams = [], format = {} } = JSON.parse(output.toString()) as { streams?: ProbeStream[]; format?: { duration?: string } }
  const video = streams.find((stream) => stream.codec_type === 'video')
  if (video?.width === undefined || video.height === undefined || video.width === 0 || video.height === 0) {
    throw new ValidationError(`${JSON.stringify(path)} has no video stream this ffmpeg can decode`, 'path')
  }
  const codec = video.codec_name ?? ''
  const vpxAlpha = (codec === 'vp8' || codec === 'vp9') && tag(video, 'alpha_mode') === '1'
  const rotation = Math.abs(
    video.side_data_list?.find((data) => data.rotation !== undefined)?.rotation ?? Number(tag(video, 'rotate') ?? 0),
  )
  const duration = Number(format.duration ?? video.duration)
  return {
    width: rotation % 180 === 90 ? video.height : video.width,
    height: rotation % 180 === 90 ? video.width : video.height,
    fps: rate(video.r_frame_rate) ?? rate(video.avg_frame_rate) ?? 25,
    duration: Number.isFinite(duration) && duration > 0 ? duration : undefined,
    alpha: vpxAlpha || ALPHA_PIXEL_FORMAT.test(video.pix_fmt ?? ''),
    decoder: vpxAlpha ? (codec === 'vp9' ? 'libvpx-vp9' : 'libvpx') : undefined,
    hasAudio: streams.some((stream) => stream.codec_type === 'audio'),
  }
}

function tag(stream: ProbeStream, name: string): string | undefined {
  return Object.entries(stream.tags ?? {}).find(([key]) => key.toLowerCase() === name)?.[1]
}

function rate(fraction: string | undefined): number | undefined {
  const [numerator, denominator] = (fraction ?? '').split('/').map(Number)
  const value = (numerator ?? NaN) / (denominator ?? 1)
  return Number.isFinite(value) && value > 0 ? value : undefined
}
