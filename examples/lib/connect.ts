/**
 * Shared by the examples: a client for the real API when VIDEOBGREMOVER_API_KEY is set, otherwise for the
 * offline fake API started on loopback. Nothing else in an example depends on which one it got.
 */
import { fileURLToPath } from 'node:url'
import { VideoBGRemoverClient, type ClientOptions } from '@videobgremover/sdk'
import { FAKE_API_KEY, startFakeServer, type FakeServer, type FakeServerOptions } from '@videobgremover/sdk/testing'

/** The sample clip shipped with the repository (see examples/README.md for how it was made). */
export const SAMPLE_VIDEO = fileURLToPath(new URL('../assets/sample.mp4', import.meta.url))

export interface Connection {
  client: VideoBGRemoverClient
  /** The fake API when no key is set; undefined against the real API. */
  fake?: FakeServer
  /** Stops the fake API (if any) so the process can exit. */
  close(): Promise<void>
}

export async function connect(fakeOptions: FakeServerOptions = {}, clientOptions: ClientOptions = {}): Promise<Connection> {
  if (process.env.VIDEOBGREMOVER_API_KEY) {
    // The real API: the key comes from the environment, the base URL is the default one (or yours).
    const baseUrl = process.env.VIDEOBGREMOVER_BASE_URL
    const client = new VideoBGRemoverClient(undefined, { ...clientOptions, ...(baseUrl ? { baseUrl } : {}) })
    console.log(`Using the real API at ${client.baseUrl}`)
    return { client, close: async () => {} }
  }
  const fake = await startFakeServer({ processingMs: 500, videoLengthSeconds: 4, ...fakeOptions })
  console.log(`Using the offline fake API at ${fake.url} (set VIDEOBGREMOVER_API_KEY to use the real API)`)
  const client = new VideoBGRemoverClient(FAKE_API_KEY, { ...clientOptions, baseUrl: fake.url })
  return { client, fake, close: () => fake.close() }
}
