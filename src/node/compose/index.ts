export { Background, type BackgroundSource } from './background'
export {
  Anchor,
  Composition,
  LayerHandle,
  SizeMode,
  type CompositionProgress,
  type LayerSettings,
  type RenderOptions,
  type SizeOptions,
} from './composition'
export { EncoderProfile, type EncoderKind, type EncoderSettings } from './encoder'
export { FFmpegError } from './ffmpeg'
export { Foreground, type ForegroundSource, type GreenScreenOptions, type MatteOptions } from './foreground'
