/**
 * Put the demo's cut-out on a colour and on a video background, locally with ffmpeg: composition uses no credits.
 *
 *   npx tsx examples/compose.ts [output-dir]        (default ./out)
 *
 * Needs ffmpeg and ffprobe on PATH (or FFMPEG_PATH / FFPROBE_PATH). Without VIDEOBGREMOVER_API_KEY the offline fake
 * API answers with a canned transparent clip (a red square, 1 s) instead of the processed sample.
 */
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Prefer, RemoveBGOptions, Video } from '@videobgremover/sdk'
import { Anchor, Background, Composition, EncoderProfile, SizeMode, type CompositionProgress } from '@videobgremover/sdk/compose'
import { connect, SAMPLE_VIDEO } from './lib/connect'

const outDir = resolve(process.argv[2] ?? 'out')
await mkdir(outDir, { recursive: true })
const { client, close } = await connect()

const report = (name: string) => (progress: CompositionProgress) => {
  if (progress.ratio === 1) console.log(`${name}: done (${progress.duration.toFixed(1)} s of video)`)
}

try {
  // 1. The cut-out, as in the quickstart: a transparent WebM (VP9 with alpha).
  const foreground = await Video.open(SAMPLE_VIDEO).removeBackground({ client, options: new RemoveBGOptions(Prefer.WEBM_VP9) })
  console.log(`Job ${foreground.jobId} done; composing locally.`)

  // 2. On a solid colour, the size of the sample. The result is downloaded once the composition renders.
  const onColour = new Composition(Background.fromColor('#1E90FF', 320, 240, 15))
  onColour.add(foreground, 'person')
  const colourFile = await onColour.toFile(resolve(outDir, 'on-colour.mp4'), EncoderProfile.h264(), { onProgress: report('on colour') })
  console.log(`Written ${colourFile}`)

  // 3. On a video (here the original sample): the cut-out at half size in the bottom-right corner, from 1 s to 3 s.
  const onVideo = new Composition(Background.fromVideo(SAMPLE_VIDEO))
  onVideo
    .add(foreground, 'picture-in-picture')
    .size(SizeMode.CANVAS_PERCENT, { percent: 50 })
    .at(Anchor.BOTTOM_RIGHT, -8, -8)
    .start(1)
    .end(3)
  const videoFile = await onVideo.toFile(resolve(outDir, 'on-video.mp4'), EncoderProfile.h264(), { onProgress: report('on video') })
  console.log(`Written ${videoFile}`)
} finally {
  await close()
}
