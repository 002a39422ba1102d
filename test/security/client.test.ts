/**
 * Findings 1 (answers about another job), 7 (unbounded answers), 8 (redaction gaps) and 12 (a key holding a line
 * break), each reproduced against a hostile server on loopback.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, ValidationError, VideoBGRemoverClient } from '../../src/node/index'
import { capturingLogger, expectNoSecret, failure, JOB, KEY } from '../kit'

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    server.close()
  }
})

/** A hostile API on 127.0.0.1 answering every request with `handle`; `seen` counts what reached it. */
async function hostile(handle: (request: IncomingMessage, response: ServerResponse) => void) {
  const seen = { requests: 0 }
  const server = createServer((request, response) => {
    seen.requests++
    handle(request, response)
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const client = (options: ConstructorParameters<typeof VideoBGRemoverClient>[1] = {}) =>
    new VideoBGRemoverClient(KEY, { baseUrl: url, maxRetries: 0, rateLimit: false, ...options })
  return { url, seen, client, server }
}

const json = (response: ServerResponse, body: unknown, status = 200) => {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
}

describe('an answer about another job (finding 1)', () => {
  const traversal = { id: '../../../../tmp/pwned', status: 'completed', output_format: 'lottie' }

  it.each([
    ['status', (client: VideoBGRemoverClient) => client.status(JOB)],
    ['wait', (client: VideoBGRemoverClient) => client.wait(JOB, { pollSeconds: 0.01 })],
    ['startJob', (client: VideoBGRemoverClient) => client.startJob(JOB)],
  ])('is refused by %s, so no caller can be steered by its id', async (_, call) => {
    const { client } = await hostile((_, response) => json(response, traversal))
    const error = await failure(() => call(client()))
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ code: 'invalid_response', jobId: JOB })
    expect((error as Error).message).toContain('is about job "../../../../tmp/pwned"')
  })
})

describe('unbounded answers (finding 7)', () => {
  it('a 300 MiB body is given up after about a megabyte, not read into memory', async () => {
    let written = 0
    const { client } = await hostile((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.alloc(1 << 20, 0x20)
      const pump = () => {
        while (written < 300 << 20) {
          written += chunk.length
          if (!response.write(chunk)) return void response.once('drain', pump)
        }
        response.end()
      }
      response.write('{"id":"')
      pump()
      response.on('close', () => response.destroy())
    })
    const error = await failure(() => client().status(JOB))
    expect(error).toMatchObject({ name: 'ApiError', code: 'response_too_large', status: 200 })
    // What the socket buffers took before the reader stopped, far from the 300 MiB sent by a reader that kept going.
    expect(written).toBeLessThan(64 << 20)
  })

  it('a declared Content-Length over the cap is refused before the body is read', async () => {
    const { client } = await hostile((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(300 << 20) })
      response.write('{')
    })
    await expect(client().credits()).rejects.toMatchObject({ code: 'response_too_large' })
  })

  it('JSON nested 200,000 deep is refused as JSON, not parsed into a stack overflow', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`
    const { client } = await hostile((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(deep)
    })
    const error = await failure(() => client().status(JOB))
    expect(error).toMatchObject({ name: 'ApiError', code: 'invalid_json' })
    expect((error as Error).message).toContain('nested too deeply')
  })
})

describe('redaction (finding 8)', () => {
  const escaped = [...KEY].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')

  it('a key echoed in \\u escapes is redacted from an error, after parsing', async () => {
    const { client } = await hostile((_, response) => {
      response.writeHead(400, { 'content-type': 'application/json' })
      response.end(`{"error":"bad key ${escaped}"}`)
    })
    const error = await failure(() => client().credits())
    expect((error as Error).message).toContain('[redacted]')
    expectNoSecret(error, KEY)
  })

  it('a key echoed in a success body, escaped or not, never reaches the result', async () => {
    const { client } = await hostile((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(`{"total_credits":1,"remaining_credits":1,"used_credits":0,"echo":"${escaped}","plain":"${KEY}","${KEY}":1}`)
    })
    const credits = await client().credits()
    expect(JSON.stringify(credits)).not.toContain(KEY)
    expect(credits).toMatchObject({ echo: '[redacted]', plain: '[redacted]' })
  })

  it("the debug log masks the caller's authorization, cookie and any key, token or secret header", async () => {
    const { logger, lines } = capturingLogger()
    const headers = { authorization: 'Bearer abc.def', cookie: 'session=s3cr3t', 'x-tenant-token': 'tok_123', 'x-secret-sauce': 'ketchup' }
    const { client } = await hostile((_, response) => json(response, { total_credits: 1, remaining_credits: 1, used_credits: 0 }))
    await client({ logger, logLevel: 'debug', headers }).credits()
    const text = lines.map((line) => line.text).join('\n')
    for (const value of [...Object.values(headers), KEY]) expect(text).not.toContain(value)
    expect(text).toMatch(/authorization: '\[redacted\]'/)
  })
})

describe('a key holding a line break (finding 12)', () => {
  it.each([
    ['a CR/LF inside', `${KEY.slice(0, 10)}\r\n${KEY.slice(10)}`],
    ['a tab inside', `${KEY.slice(0, 10)}\t${KEY.slice(10)}`],
    ['a NUL', `${KEY}\u0000`],
  ])('%s is a ValidationError naming the key, before anything is sent', async (_, key) => {
    const { url, seen } = await hostile((_, response) => json(response, {}))
    const error = await failure(() => new VideoBGRemoverClient(key, { baseUrl: url }).credits())
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({ field: 'apiKey' })
    expect(seen.requests).toBe(0)
    expectNoSecret(error, KEY.slice(10))
  })
})

describe('the review after the fixes', () => {
  it('a compressed answer is held to the cap on what it inflates to, not on its declared length', async () => {
    const { gzipSync } = await import('node:zlib')
    const bomb = gzipSync(Buffer.from(`{"total_credits":1,"remaining_credits":1,"used_credits":0,"pad":"${'x'.repeat(8 << 20)}"}`))
    const { client } = await hostile((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) })
      response.end(bomb)
    })
    await expect(client().credits()).rejects.toMatchObject({ code: 'response_too_large' })
  })

  it('a key escaped in a body that is not JSON is found and redacted', async () => {
    const escaped = [...KEY].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
    const { client } = await hostile((_, response) => {
      response.writeHead(500, { 'content-type': 'application/json' })
      response.end(`{"error":"bad key ${escaped}"`)
    })
    const error = await failure(() => client({ maxRetries: 0 }).credits())
    expectNoSecret(error, KEY)
    expect(JSON.stringify(error)).not.toContain(escaped)
  })

  it('a key straddling the cut of a body kept in an error is redacted whole, not shown in part', async () => {
    const { client } = await hostile((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end(`${'x'.repeat(1024 - 10)}${KEY} trailing`)
    })
    const error = await failure(() => client().credits())
    expect(JSON.stringify(error)).not.toContain(KEY.slice(0, 10))
  })

  it('a numeric string too large for a number is dropped, not read as Infinity', async () => {
    const { client } = await hostile((_, response) => json(response, { id: JOB, status: 'completed', length_seconds: '1e400' }))
    const status = await client().status(JOB)
    expect(status).not.toHaveProperty('length_seconds')
  })
})
