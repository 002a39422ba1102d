import { spawn } from 'node:child_process'
import { once } from 'node:events'
import type { Readable } from 'node:stream'
import { throwIfAborted } from '../../core/signal'
import { abortError, toolFailed } from '../../errors'
import { lineReader, logTail, notFound, toolPath } from './ffmpeg'

/** Options of `ffmpegStream`. */
export interface FFmpegStreamOptions {
  /** Aborting kills ffmpeg and errors the stream with `AbortError`. */
  signal?: AbortSignal
  /** Receives the lines ffmpeg writes to file descriptor 3 (`-progress pipe:3`). */
  onProgressLine?: (line: string) => void
  /** Runs once ffmpeg has exited, however it ended, before the stream closes or errors: for cleaning up its inputs. */
  onExit?: () => Promise<void>
}

/**
 * Starts ffmpeg with `args`, which must write the output to stdout, and resolves once it runs to a stream of that
 * output. The stream is pulled: ffmpeg's stdout is read only as fast as the stream is read, so a slow reader leaves
 * ffmpeg blocked on a full pipe rather than its output piling up in memory. Cancelling the stream or aborting
 * `signal` kills ffmpeg (cancel settles once it has exited); a non-zero exit errors the stream with `FFmpegError`
 * and ffmpeg's last log lines. Rejects with `ValidationError` when ffmpeg is not installed.
 */
export async function ffmpegStream(
  args: readonly string[],
  { signal, onProgressLine, onExit }: FFmpegStreamOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  throwIfAborted(signal)
  const child = spawn(toolPath('ffmpeg'), args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], windowsHide: true })
  const [, stdout, log, progress] = child.stdio as unknown as [null, Readable, Readable, Readable]
  const stderr = logTail(log)
  progress.on('data', onProgressLine ? lineReader(onProgressLine) : () => {})
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined
  let finished = false
  const kill = () => {
    child.kill('SIGKILL')
    // A paused stdout never reads the end of the pipe, and the child's 'close' waits for it.
    stdout.destroy()
  }
  const onAbort = () => {
    kill()
    finished = true
    controller?.error(abortError(signal))
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  const exited = once(child, 'close').then(async ([code]: unknown[]) => {
    signal?.removeEventListener('abort', onAbort)
    // Failing to clean up temporary inputs must not turn a finished output into an error.
    await onExit?.().catch(() => {})
    return code as number | null
  })
  try {
    await once(child, 'spawn')
  } catch (error) {
    await exited
    throw (error as NodeJS.ErrnoException).code === 'ENOENT' ? notFound('ffmpeg') : error
  }
  const chunks = stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  return new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController
        if (signal?.aborted) onAbort()
      },
      async pull(streamController) {
        const next = await chunks.next().catch(() => ({ done: true as const, value: undefined }))
        if (finished) return
        if (!next.done) return streamController.enqueue(next.value)
        const code = await exited
        if (finished) return
        finished = true
        if (code === 0) streamController.close()
        else streamController.error(toolFailed('ffmpeg', code, stderr()))
      },
      async cancel() {
        finished = true
        kill()
        await exited
      },
    },
    // No read-ahead beyond what the reader asks for: the pipe's own buffer is the only one.
    { highWaterMark: 0 },
  )
}
