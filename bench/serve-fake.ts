// Runs the fake API in its own process, so a benchmark's memory figures are the SDK's alone. RATE_LIMIT (JSON of
// FakeRateLimit) turns its rate window on; PROCESSING_MS sets how long a job processes, CREDITS the balance.
import { startFakeServer } from '../src/testing/node'

const server = await startFakeServer({
  resultSize: Number(process.env.RESULT_SIZE ?? 65_536),
  ...(process.env.RATE_LIMIT && { rateLimit: JSON.parse(process.env.RATE_LIMIT) }),
  ...(process.env.PROCESSING_MS && { processingMs: Number(process.env.PROCESSING_MS) }),
  ...(process.env.CREDITS && { credits: Number(process.env.CREDITS) }),
})
process.stdout.write(`${server.url}\n`)
process.stdin.resume()
process.stdin.on('end', () => void server.close().then(() => process.exit(0)))
