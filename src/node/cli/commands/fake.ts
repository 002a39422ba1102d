import { FAKE_API_KEY } from '../../../testing/index'
import { startFakeServer } from '../../fake-server'
import type { Command } from '../context'

/**
 * `vbr fake`: serves the offline fake API (the one the SDK's own tests use) on 127.0.0.1 until Ctrl-C, and prints
 * the two variables that point every other command at it: no account, no credits.
 */
export const fake: Command = async ({ ui, signal }) => {
  // As the real API answers: request ids, and the rate limits with their headers (3 starts and 100 requests a minute).
  await using server = await startFakeServer({ processingMs: 3_000, errorStyle: 'envelope', rateLimit: {} })
  ui.result(`export VIDEOBGREMOVER_BASE_URL=${server.url}\nexport VIDEOBGREMOVER_API_KEY=${FAKE_API_KEY}`, {
    baseUrl: server.url,
    apiKey: FAKE_API_KEY,
  })
  ui.note('The fake API is serving: run the lines above in another shell, then any vbr command. Ctrl-C stops it.')
  await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
}
