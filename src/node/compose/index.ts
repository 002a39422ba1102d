/**
 * Local compositing with ffmpeg (Node): put a cut-out on any background, size, place and time it, and encode the
 * result. Uses no API credits.
 *
 * @module @videobgremover/sdk/compose
 */
export { Background, type BackgroundSource } from './background'
export { Composition, type FileRenderOptions, type RenderOptions, type StreamRenderOptions } from './composition'
export { EncoderProfile, type EncoderKind, type EncoderSettings } from './encoder'
export { FFmpegError } from '../../errors'
export { Cutout, type CutoutSource, type GreenScreenOptions, type MatteOptions } from './cutout'
export { Anchor, LayerHandle, SizeMode, type LayerSettings, type SizeOptions } from './layer'
export { type CompositionProgress } from './progress'
