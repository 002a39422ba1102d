import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

/** A redis-server of the test's own on a free loopback port, without persistence; `stop()` ends it. */
export interface TestRedis {
  url: string
  port: number
  /** A new client; each is closed by `stop()`. */
  client(): Redis
  stop(): Promise<void>
}

/** A port the system says is free now. */
async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Starts /usr/bin/redis-server (or `redis-server` on the PATH) and resolves once it accepts connections. */
export async function startRedis(): Promise<TestRedis> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const ready = await new Promise<boolean>((resolve) => {
      server.stdout.on('data', (chunk: Buffer) => {
        output += chunk
        if (output.includes('Ready to accept connections')) resolve(true)
      })
      server.on('exit', () => resolve(false))
      server.on('error', () => resolve(false))
    })
    if (!ready) {
      // Another process took the port between the check and the start: try another.
      if (attempt < 3) continue
      throw new Error(`redis-server did not start: ${output}`)
    }
    const clients: Redis[] = []
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      client() {
        const client = new Redis(port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 1 })
        clients.push(client)
        return client
      },
      async stop() {
        await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())))
        if (server.exitCode !== null) return
        const exited = once(server, 'exit')
        server.kill('SIGTERM')
        await exited
      },
    }
  }
}
