// Node 20 CommonJS: the package's require entry.
const { Video, VideoBGRemoverClient } = require('@videobgremover/sdk')
const { fakeResultBytes } = require('@videobgremover/sdk/testing')

const { apiKey, baseUrl, resultSize } = JSON.parse(process.env.SMOKE_CONFIG)
const client = new VideoBGRemoverClient(apiKey, { baseUrl })
import('./smoke.mjs').then(async ({ smoke, videoBytes }) => {
  const result = await smoke({ client, Video, fakeResultBytes }, videoBytes(), resultSize)
  console.log(JSON.stringify({ entry: require.resolve('@videobgremover/sdk'), ...result }))
})
