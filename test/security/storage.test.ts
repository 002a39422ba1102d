/**
 * Finding 6: storage URLs were trusted blindly. A result download followed a 302 to a loopback admin page and saved
 * it; an `upload_url` on loopback received the video; `data:,hello` "succeeded" as an upload target. Here the API
 * (msw, on https) hands out such URLs, and a loopback server stands for the machine's own services: it must see
 * nothing.
 */
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { http, HttpResponse } from 'msw'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StorageError, Video, VideoBGRemoverClient } from '../../src/node/index'
import { storageUrlPolicy } from '../../src/transfer/storage-url'
import { BASE, failure, JOB, KEY, useMswServer } from '../kit'

// Requests msw has no handler for go on to the real network: the loopback service must see none.
const msw = useMswServer('bypass')
let internal: Server
let internalUrl: string
const reached: string[] = []

beforeAll(async () => {
  internal = createServer((request, response) => {
    reached.push(`${request.method} ${request.url}`)
    response.end('internal secrets')
  })
  internal.listen(0, '127.0.0.1')
  await once(internal, 'listening')
  internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`
})
afterAll(() => {
  internal.closeAllConnections()
  internal.close()
})

const client = () => new VideoBGRemoverClient(KEY, { baseUrl: BASE, maxRetries: 0, rateLimit: false })
const completed = (url: string) => HttpResponse.json({ id: JOB, status: 'completed', processed_video_url: url })

/** The API: a file job whose upload URL is `uploadUrl`, and a completed job whose result is at `resultUrl`. */
function api({ uploadUrl = 'https://storage.test/upload', resultUrl = 'https://storage.test/result' } = {}) {
  msw.use(
    http.post(`${BASE}/v1/jobs`, () => HttpResponse.json({ id: JOB, upload_url: uploadUrl })),
    http.post(`${BASE}/v1/jobs/${JOB}/start`, () => HttpResponse.json({ id: JOB, status: 'processing' })),
    http.get(`${BASE}/v1/jobs/${JOB}/status`, () => completed(resultUrl)),
    http.put('https://storage.test/upload', () => new HttpResponse(null, { status: 200 })),
  )
}

const run = () => Video.open(new Uint8Array(64), { filename: 'clip.mp4' }).removeBackground({ client: client(), pollSeconds: 0.01 })

describe('storage URLs from the API', () => {
  it.each([
    ['a loopback http URL', () => `${internalUrl}/upload`],
    ['a loopback https URL', () => `https://127.0.0.1:${new URL(internalUrl).port}/upload`],
    ['a cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a data: URL', () => 'data:,hello'],
    ['a file: URL', () => 'file:///etc/passwd'],
    ['a URL with credentials', () => 'https://user:pass@storage.test/upload'],
  ])('an upload_url that is %s is refused before a byte is sent', async (_, url) => {
    api({ uploadUrl: url() })
    const error = await failure(run)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'storage_url_refused', jobId: JOB })
    expect(reached).toEqual([])
  })

  it('a result download redirected to a loopback service is refused, and nothing of it is kept', async () => {
    api()
    msw.use(
      http.get('https://storage.test/result', () => new HttpResponse(null, { status: 302, headers: { location: `${internalUrl}/admin` } })),
    )
    const foreground = await run()
    const error = await failure(() => foreground.arrayBuffer())
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'storage_url_refused' })
    expect(reached).toEqual([])
  })

  it('a result URL that is itself on loopback is refused', async () => {
    api({ resultUrl: `${internalUrl}/result` })
    const foreground = await run()
    await expect(foreground.arrayBuffer()).rejects.toMatchObject({ code: 'storage_url_refused' })
    expect(reached).toEqual([])
  })

  it('a download follows a few redirects between storage hosts, each one checked, and no more', async () => {
    api()
    let hops = 0
    msw.use(
      http.get('https://storage.test/result', () => new HttpResponse(null, { status: 302, headers: { location: '/hop/1' } })),
      http.get('https://storage.test/hop/:n', ({ params }) => {
        hops++
        const next = Number(params.n) + 1
        return new HttpResponse(null, { status: 302, headers: { location: `/hop/${next}` } })
      }),
    )
    const foreground = await run()
    await expect(foreground.arrayBuffer()).rejects.toMatchObject({ code: 'redirect_refused', status: 302 })
    expect(hops).toBe(3)
  })

  it('an upload is never sent on by a redirect', async () => {
    api()
    msw.use(
      http.put(
        'https://storage.test/upload',
        () => new HttpResponse(null, { status: 307, headers: { location: `${internalUrl}/upload` } }),
      ),
    )
    const error = await failure(run)
    // Node's fetch refuses the redirect itself (redirect: 'error', which also keeps it from buffering the body): a
    // ConnectionError; runtimes that hand the redirect back get a StorageError.
    expect(error).toMatchObject({ name: expect.stringMatching(/^(ConnectionError|StorageError)$/), jobId: JOB })
    expect(reached).toEqual([])
  })
})

describe('the storage URL policy', () => {
  const apiPolicy = storageUrlPolicy('https://api.videobgremover.com')
  const localPolicy = storageUrlPolicy('http://127.0.0.1:3000')

  it('takes the signed https URLs storage hands out', () => {
    const url = 'https://storage.googleapis.com/bucket/video.webm?X-Goog-Signature=abc'
    expect(apiPolicy(url)).toBe(url)
  })

  it('takes loopback http storage only when the API itself is on loopback (a local fake)', () => {
    expect(localPolicy('http://127.0.0.1:3000/storage/x')).toBe('http://127.0.0.1:3000/storage/x')
    expect(() => localPolicy('http://10.0.0.5/storage/x')).toThrow(StorageError)
    expect(() => apiPolicy('http://127.0.0.1:3000/storage/x')).toThrow(StorageError)
  })

  it.each([
    'https://localhost:8443/x',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://printer.local/x',
    'https://[fd00::1]/x',
  ])('refuses %s, a local name or address, from a real API', (url) => {
    expect(() => apiPolicy(url)).toThrow(StorageError)
  })

  it('keeps a loopback API from opening the rest of the network: private and link-local addresses stay refused', () => {
    for (const url of ['http://10.0.0.5/x', 'https://169.254.169.254/latest/meta-data/', 'https://192.168.1.1/x']) {
      expect(() => localPolicy(url), url).toThrow(StorageError)
    }
  })

  it('takes plain http on a named host only with allowInsecureHttp', () => {
    expect(() => apiPolicy('http://storage.test/x')).toThrow(StorageError)
    expect(storageUrlPolicy('https://api.videobgremover.com', true)('http://storage.test/x')).toBe('http://storage.test/x')
  })
})
