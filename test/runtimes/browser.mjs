// Chromium: the package's browser entry, with a keyless client that reaches the API through
// @videobgremover/sdk/proxy on the page's own origin, uploading a File.
import { Video, VideoBGRemoverClient } from '@videobgremover/sdk'
import { fakeResultBytes } from '@videobgremover/sdk/testing'
import { smoke } from './smoke.mjs'

window.smoke = async (resultSize) => {
  const client = new VideoBGRemoverClient(undefined, { baseUrl: location.origin + '/api' })
  const file = new File([new Uint8Array(8 << 20).fill(7)], 'smoke.mp4', { type: 'video/mp4' })
  const result = await smoke({ client, Video, fakeResultBytes }, file, resultSize)
  if (result.progress.length < 2) throw new Error(`no upload progress before the end: ${result.progress}`)
  return result
}
