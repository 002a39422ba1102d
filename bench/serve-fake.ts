// Runs the fake API in its own process, so a benchmark's memory figures are the SDK's alone.
import { startFakeServer } from '../src/testing/node'

const server = await startFakeServer({ resultSize: Number(process.env.RESULT_SIZE ?? 65_536) })
process.stdout.write(`${server.url}\n`)
process.stdin.resume()
process.stdin.on('end', () => void server.close().then(() => process.exit(0)))
