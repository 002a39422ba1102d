/**
 * Serve a composition as an HTTP response while ffmpeg encodes it: the first bytes leave long before the last frame
 * exists, and a slow client slows ffmpeg down instead of filling the server's memory.
 *
 *   npx tsx examples/compose-stream.ts [port]        (default 8080; open the URL it prints, or curl it to a file)
 *
 * Needs ffmpeg and ffprobe on PATH. Without VIDEOBGREMOVER_API_KEY the offline fake API supplies the cut-out.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { Video } from '@videobgremover/sdk'
import { Anchor, Background, Composition, EncoderProfile, SizeMode } from '@videobgremover/sdk/compose'
import { connect, SAMPLE_VIDEO } from './lib/connect'

const { client, close } = await connect()
const cutout = await Video.open(SAMPLE_VIDEO).removeBackground({ client })

const server = createServer(async (_request, response) => {
  // A client that goes away stops the render: aborting kills ffmpeg.
  const controller = new AbortController()
  response.on('close', () => controller.abort())
  const composition = new Composition(Background.fromVideo(SAMPLE_VIDEO))
  composition.add(cutout).size(SizeMode.CANVAS_PERCENT, { percent: 50 }).at(Anchor.BOTTOM_RIGHT, -8, -8)
  try {
    // Fragmented MP4: a browser plays it as it arrives.
    const video = await composition.toStream(EncoderProfile.h264({ preset: 'veryfast' }), { signal: controller.signal })
    response.writeHead(200, { 'content-type': 'video/mp4' })
    await pipeline(Readable.fromWeb(video as NodeReadableStream<Uint8Array>), response)
  } catch (error) {
    if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error}\n`)
  }
})

server.listen(Number(process.argv[2] ?? 8080), '127.0.0.1', () => {
  console.log(`Serving the composition at http://127.0.0.1:${(server.address() as AddressInfo).port}/ (Ctrl-C to stop)`)
})
process.once('SIGINT', () => {
  server.close()
  server.closeAllConnections()
  void close()
})
