// Cloudflare workerd: the package's browser entry, bundled into a Worker module that runs the smoke per request.
import { Video, VideoBGRemoverClient } from '@videobgremover/sdk'
import { fakeResultBytes } from '@videobgremover/sdk/testing'
import { smoke, videoBytes } from './smoke.mjs'

export default {
  async fetch(request, env) {
    const { apiKey, baseUrl, resultSize } = JSON.parse(env.SMOKE_CONFIG)
    try {
      const client = new VideoBGRemoverClient(apiKey, { baseUrl })
      return Response.json(await smoke({ client, Video, fakeResultBytes }, videoBytes(), resultSize))
    } catch (error) {
      return new Response(error.stack ?? String(error), { status: 500 })
    }
  },
}
