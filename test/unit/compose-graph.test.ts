/**
 * The filter-graph builder on its own: plans made by hand, argv checked as text. Nothing here runs ffmpeg or
 * ffprobe, or reads a file.
 */
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors'
import type { ResolvedBackground } from '../../src/node/compose/background'
import { EncoderProfile } from '../../src/node/compose/encoder'
import type { Cutout } from '../../src/node/compose/cutout'
import { composeArgs, type PlannedLayer } from '../../src/node/compose/graph'
import { streamContainer } from '../../src/node/compose/output'
import { Anchor, LayerHandle, SizeMode, visibleLength } from '../../src/node/compose/layer'
import type { Output } from '../../src/node/compose/output'
import type { ResolvedCutout } from '../../src/node/compose/resolve-cutout'

const CANVAS: ResolvedBackground = {
  input: { options: ['-f', 'lavfi'], path: 'color=c=0x0000FF:s=96x64:r=10,format=rgb24' },
  filter: 'setsar=1',
  width: 96,
  height: 64,
  fps: 10,
  audio: false,
  volume: 1,
}

/** A resolved cut-out of `count` inputs, each `/in/<n>.mov`. */
function resolved(count = 1, facts: { audio?: number; duration?: number } = { duration: 2 }): ResolvedCutout {
  return {
    inputs: Array.from({ length: count }, (_, index) => ({ options: [], path: `/in/${index}.mov` })),
    video: (pads) => `${pads.join('')}format=rgba`,
    ...facts,
  }
}

/** A layer configured by `setup`, planned as the composition would plan it. */
function layer(setup: (handle: LayerHandle) => unknown = () => {}, cutout = resolved()): PlannedLayer {
  const handle = new LayerHandle(undefined as unknown as Cutout, 'layer', 0)
  setup(handle)
  return { settings: handle.settings, cutout, length: visibleLength(handle.settings, cutout.duration) }
}

function args(
  layers: PlannedLayer[],
  profile = EncoderProfile.h264(),
  background = CANVAS,
  output: Output = { path: '/out/result.mp4' },
): string[] {
  return composeArgs({ background, layers, duration: 2 }, profile, output)
}

const graphOf = (argv: string[]) => argv[argv.indexOf('-filter_complex') + 1] ?? ''
const overlays = (argv: string[]) => [...graphOf(argv).matchAll(/overlay=([^;]*):eof_action/g)].map((match) => match[1])

describe('the filter graph', () => {
  it('places a layer at each anchor, offsets added to the anchor', () => {
    const placed = [
      layer((handle) => handle.at(Anchor.TOP_LEFT, 20, 2)),
      layer((handle) => handle.at(Anchor.BOTTOM_RIGHT, -8, -4)),
      layer((handle) => handle.at(Anchor.CENTER)),
      layer((handle) => handle.at(Anchor.TOP_CENTER)),
    ]
    expect(overlays(args(placed))).toEqual(['x=0+20:y=0+2', 'x=W-w-8:y=H-h-4', 'x=(W-w)/2:y=(H-h)/2', 'x=(W-w)/2:y=0'])
  })

  it('sizes a layer by each size mode against the canvas', () => {
    const sized = [
      layer(),
      layer((handle) => handle.size(SizeMode.COVER)),
      layer((handle) => handle.size(SizeMode.PX, { width: 32 })),
      layer((handle) => handle.size(SizeMode.CANVAS_PERCENT, { percent: 50 })),
      layer((handle) => handle.size(SizeMode.FIT_HEIGHT)),
      layer((handle) => handle.size(SizeMode.SCALE, { scale: 0.5 })),
    ]
    expect([...graphOf(args(sized)).matchAll(/scale=[^,[]*/g)].map((match) => match[0])).toEqual([
      'scale=96:64:force_original_aspect_ratio=decrease',
      'scale=96:64:force_original_aspect_ratio=increase',
      'scale=32:-1',
      'scale=48:32:force_original_aspect_ratio=decrease',
      'scale=-1:64',
      'scale=iw*0.5:ih*0.5',
    ])
  })

  it('trims every input of a layer to its subclip and its visible length', () => {
    const argv = args([layer((handle) => handle.start(0.2).end(0.5).subclip(0.1), resolved(3))])
    const inputs = argv.flatMap((arg, index) => (arg === '-i' ? [argv.slice(index - 4, index + 2)] : []))
    expect(inputs.slice(1)).toEqual([
      ['-ss', '0.1', '-t', '0.3', '-i', '/in/0.mov'],
      ['-ss', '0.1', '-t', '0.3', '-i', '/in/1.mov'],
      ['-ss', '0.1', '-t', '0.3', '-i', '/in/2.mov'],
    ])
    expect(graphOf(argv)).toContain('[1:v][2:v][3:v]format=rgba,setpts=PTS-STARTPTS+0.2/TB')
  })

  it('delays a layer’s audio to its start and mixes it with the background’s, each at its volume', () => {
    const withSound = { ...CANVAS, audio: true, volume: 0.25 }
    const argv = args(
      [layer((handle) => handle.start(1.5).audio(true, 0.5), resolved(1, { audio: 0, duration: 2 }))],
      EncoderProfile.h264(),
      withSound,
    )
    expect(graphOf(argv)).toContain(
      '[0:a]volume=0.25[a0];[1:a]adelay=1500:all=1,volume=0.5[a1];[a0][a1]amix=inputs=2:duration=longest:normalize=0[aout]',
    )
    expect(argv.slice(argv.indexOf('[aout]') - 1, argv.indexOf('[aout]') + 1)).toEqual(['-map', '[aout]'])
  })

  it('leaves audio out of a PNG sequence', () => {
    const argv = args([layer(() => {}, resolved(1, { audio: 0, duration: 2 }))], EncoderProfile.pngSequence())
    expect(argv).toContain('-an')
    expect(graphOf(argv)).not.toContain('amix')
  })

  it('stacks the colour over the mask for stackedVideo', () => {
    expect(graphOf(args([layer()], EncoderProfile.stackedVideo()))).toMatch(/alphaextract.*vstack\[vout\]$/)
    expect(graphOf(args([layer()], EncoderProfile.stackedVideo({ layout: 'horizontal' })))).toMatch(/hstack\[vout\]$/)
  })

  it('drops alpha, crops, rotates and fades in that order after the cut-out’s own filters', () => {
    const argv = args([layer((handle) => handle.alpha(false).crop(1, 2, 30, 40).rotate(90).opacity(0.5))])
    expect(graphOf(argv)).toMatch(
      /format=rgba,lutrgb=a=255,setpts=[^,]*,crop=30:40:1:2,scale=[^,]*,rotate=1\.5707963267948966:[^,]*,colorchannelmixer=aa=0\.5\[l0\]/,
    )
  })

  it('writes a file with its MP4 index up front and progress on stdout', () => {
    const argv = args([layer()])
    expect(argv.slice(-3)).toEqual(['-movflags', '+faststart', '/out/result.mp4'])
    expect(argv.slice(argv.indexOf('-progress'), argv.indexOf('-progress') + 2)).toEqual(['-progress', 'pipe:1'])
  })

  it('streams fragmented MP4 to stdout, with progress on file descriptor 3', () => {
    const argv = args([layer()], EncoderProfile.h264(), CANVAS, { container: 'mp4' })
    expect(argv.slice(-5)).toEqual(['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', 'pipe:1'])
    expect(argv.slice(argv.indexOf('-progress'), argv.indexOf('-progress') + 2)).toEqual(['-progress', 'pipe:3'])
  })

  it('leaves audio out of YUV4MPEG2, which cannot carry it', () => {
    const argv = args([layer(() => {}, resolved(1, { audio: 0, duration: 2 }))], EncoderProfile.y4m(), CANVAS, { container: 'y4m' })
    expect(argv).toContain('-an')
    expect(argv.slice(-3)).toEqual(['-f', 'yuv4mpegpipe', 'pipe:1'])
  })
})

describe('the stream container', () => {
  it('is each profile’s own when it streams, and Matroska when asked', () => {
    expect(
      [
        EncoderProfile.h264(),
        EncoderProfile.stackedVideo(),
        EncoderProfile.vp9(),
        EncoderProfile.transparentWebm(),
        EncoderProfile.y4m(),
      ].map((profile) => streamContainer(profile)),
    ).toEqual(['mp4', 'mp4', 'webm', 'webm', 'y4m'])
    expect([EncoderProfile.h264(), EncoderProfile.prores4444()].map((profile) => streamContainer(profile, 'matroska'))).toEqual([
      'matroska',
      'matroska',
    ])
  })

  it('is refused for PNG sequences, ProRes MOV and Matroska YUV4MPEG2, naming the profiles that stream', () => {
    expect(() => streamContainer(EncoderProfile.pngSequence())).toThrow(
      /png_sequence profile writes a directory of PNG files: stream h264\(\)/,
    )
    expect(() => streamContainer(EncoderProfile.prores4444())).toThrow(/prores_4444 profile writes MOV, which needs seeking: stream/)
    expect(() => streamContainer(EncoderProfile.y4m(), 'matroska')).toThrow(/y4m profile streams as YUV4MPEG2 only: stream/)
    expect(() => streamContainer(EncoderProfile.h264(), 'avi' as 'matroska')).toThrow(ValidationError)
  })
})
