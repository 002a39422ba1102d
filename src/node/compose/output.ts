import { ValidationError } from '../../errors'
import type { EncoderKind, EncoderProfile } from './encoder'

/** A container `toStream` writes: fragmented MP4, WebM, Matroska or YUV4MPEG2. */
export type StreamContainer = 'mp4' | 'webm' | 'matroska' | 'y4m'

/** Where ffmpeg writes: a file, whose extension names the container, or its stdout in a container that streams. */
export type Output = { readonly path: string } | { readonly container: StreamContainer }

/** The container each profile streams in by default; MOV and PNG files need seeking or a directory, so none. */
const STREAMS: Readonly<Record<EncoderKind, StreamContainer | undefined>> = {
  h264: 'mp4',
  stacked_video: 'mp4',
  vp9: 'webm',
  transparent_webm: 'webm',
  y4m: 'y4m',
  prores_4444: undefined,
  png_sequence: undefined,
}

const STREAMABLE =
  'h264() and stackedVideo() (fragmented MP4), vp9() and transparentWebm() (WebM), y4m(), ' +
  "or any of them but y4m(), and prores4444(), with { container: 'matroska' }"

/**
 * The container `profile` streams in: its own, or Matroska when `container` asks for it. Throws `ValidationError`,
 * naming the profiles that stream, for a PNG sequence, for ProRes without Matroska, and for Matroska with y4m.
 */
export function streamContainer(profile: EncoderProfile, container?: 'matroska'): StreamContainer {
  if (container !== undefined && container !== 'matroska') {
    throw new ValidationError(`container must be 'matroska' or left out, not ${JSON.stringify(container)}`, 'container')
  }
  const own = STREAMS[profile.kind]
  if (container === undefined && own !== undefined) return own
  if (container === 'matroska' && profile.audio) return 'matroska'
  const why = {
    png_sequence: 'writes a directory of PNG files',
    prores_4444: 'writes MOV, which needs seeking',
    y4m: 'streams as YUV4MPEG2 only',
  }[profile.kind as string]
  throw new ValidationError(`The ${profile.kind} profile ${why ?? 'cannot stream'}: stream ${STREAMABLE}`, 'profile')
}

/** Muxer options, between the encoder's and the output: a file's MP4 index up front, a stream's container and fragments. */
export function muxerArgs(profile: EncoderProfile, output: Output): string[] {
  if ('path' in output) return profile.kind === 'h264' || profile.kind === 'stacked_video' ? ['-movflags', '+faststart'] : []
  switch (output.container) {
    case 'mp4':
      // An MP4 normally ends with its index and is patched at the start; fragments make it writable front to back.
      return ['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof']
    case 'webm':
      return ['-f', 'webm']
    case 'matroska':
      return ['-f', 'matroska']
    case 'y4m':
      return ['-f', 'yuv4mpegpipe']
  }
}
