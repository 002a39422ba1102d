// Node (20, 22, 24), Bun and Deno: the package's ESM entry, as each runtime resolves it.
import { Video, VideoBGRemoverClient } from '@videobgremover/sdk'
import { fakeResultBytes } from '@videobgremover/sdk/testing'
import { smoke, videoBytes } from './smoke.mjs'

const { apiKey, baseUrl, resultSize } = JSON.parse(process.env.SMOKE_CONFIG)
const client = new VideoBGRemoverClient(apiKey, { baseUrl })
const result = await smoke({ client, Video, fakeResultBytes }, videoBytes(), resultSize)
console.log(JSON.stringify({ entry: import.meta.resolve('@videobgremover/sdk'), ...result }))
