import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import * as web from '../../src/index'
import {
  AbortError,
  StorageError,
  Model,
  Prefer,
  ProcessingError,
  RemoveBGOptions,
  ValidationError,
  Video,
  VideoBGRemoverClient,
  type OpenOptions,
  type RemoveBackgroundParams,
  type StartJobOptions,
  type VideoSource,
} from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeEndpoint, type FakeServer, type FakeServerOptions } from '../../src/testing/node'
import { failure, until } from '../kit'

const EXTRA_HEADERS = { 'x-tenant': 'acme' }
const HOUR = 3_600_000
const STORAGE_503 = { status: 503 }
const DATA = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 31 + 7) % 251)

let dir: string
const file = (name: string) => join(dir, name)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-video-'))
  await writeFile(file('clip.mp4'), DATA)
  await writeFile(file('my holiday clip.mov'), DATA)
  await writeFile(file('empty.mp4'), new Uint8Array())
  await writeFile(file('clip.flv'), DATA)
  await writeFile(file('clip.wmv'), DATA)
  await mkdir(file('folder.mp4'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))
afterEach(() => vi.unstubAllGlobals())

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const clientFor = (server: FakeServer) => new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, headers: EXTRA_HEADERS })
const seen = (server: FakeServer, endpoint: FakeEndpoint) => server.api.requests.filter((entry) => entry.endpoint === endpoint)

function removeBackground(server: FakeServer, source: VideoSource, open?: OpenOptions, params: Partial<RemoveBackgroundParams> = {}) {
  return Video.open(source, open).removeBackground({ client: clientFor(server), pollSeconds: 0.01, ...params })
}

/** A stream that yields one chunk and then stalls, as a slow network source would. */
const stallingStream = () =>
  new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(DATA.subarray(0, 1024)),
    pull: () => new Promise(() => {}),
  })

describe('uploads', () => {
  const sources: Array<{ kind: string; open: () => [VideoSource, OpenOptions?]; filename: string; contentType: string }> = [
    { kind: 'file path', open: () => [file('clip.mp4')], filename: 'clip.mp4', contentType: 'video/mp4' },
    {
      kind: 'file path with spaces',
      open: () => [file('my holiday clip.mov')],
      filename: 'my holiday clip.mov',
      contentType: 'video/mov',
    },
    {
      kind: 'Blob with a filename',
      open: () => [new Blob([DATA]), { filename: 'blob.webm' }],
      filename: 'blob.webm',
      contentType: 'video/webm',
    },
    {
      kind: 'File (name and type from the File)',
      open: () => [new File([DATA], 'recording', { type: 'video/webm' })],
      filename: 'recording',
      contentType: 'video/webm',
    },
    {
      kind: 'File of type video/quicktime',
      open: () => [new File([DATA], 'IMG_0001', { type: 'video/quicktime' })],
      filename: 'IMG_0001',
      contentType: 'video/mov',
    },
    { kind: 'ArrayBuffer', open: () => [DATA.slice().buffer, { filename: 'a.mp4' }], filename: 'a.mp4', contentType: 'video/mp4' },
    {
      kind: 'Uint8Array with a content type',
      open: () => [DATA, { contentType: 'video/mp4' }],
      filename: 'video.mp4',
      contentType: 'video/mp4',
    },
    {
      kind: 'Uint8Array viewing part of a larger buffer',
      open: () => {
        const padded = new Uint8Array(DATA.length + 20).fill(0xee)
        padded.set(DATA, 7)
        return [padded.subarray(7, 7 + DATA.length), { filename: 'view.mp4' }]
      },
      filename: 'view.mp4',
      contentType: 'video/mp4',
    },
    { kind: 'Buffer', open: () => [Buffer.from(DATA), { filename: 'buffer.mov' }], filename: 'buffer.mov', contentType: 'video/mov' },
    {
      kind: 'ReadableStream with its size',
      open: () => [new Blob([DATA]).stream(), { size: DATA.length, filename: 'stream.mp4' }],
      filename: 'stream.mp4',
      contentType: 'video/mp4',
    },
  ]

  it.each(sources)('$kind: uploads the exact bytes with only the storage headers', async ({ open, filename, contentType }) => {
    await using server = await startFakeServer()
    const foreground = await removeBackground(server, ...open())

    expect(seen(server, 'createJob').map((entry) => entry.body)).toEqual([{ filename, content_type: contentType }])
    const uploads = seen(server, 'upload')
    expect(uploads).toHaveLength(1)
    expect(uploads[0]!.upload).toEqual({ bytes: DATA.length, sha256: sha256(DATA) })
    expect(uploads[0]!.headers).toMatchObject({ 'content-type': contentType, 'content-length': String(DATA.length) })
    expect(uploads[0]!.headers).not.toHaveProperty('x-api-key')
    expect(uploads[0]!.headers).not.toHaveProperty('x-tenant')
    expect(server.api.job(foreground.jobId)?.upload?.sha256).toBe(sha256(DATA))
  })

  it('sends the API key and the extra headers to the API itself', async () => {
    await using server = await startFakeServer()
    await removeBackground(server, new Blob([DATA]), { filename: 'clip.mp4' })
    for (const entry of server.api.requests.filter((request) => request.endpoint !== 'upload')) {
      expect(entry.headers).toMatchObject({ 'x-api-key': FAKE_API_KEY, 'x-tenant': 'acme' })
    }
  })

  it.each([
    ['a string', (url: string) => url],
    ['a URL object', (url: string) => new URL(url)],
  ])('an http(s) URL as %s becomes a URL job: no upload, no HEAD', async (_, asSource) => {
    await using server = await startFakeServer()
    const videoUrl = `${server.url}/media/clip.mp4`
    const foreground = await removeBackground(server, asSource(videoUrl))

    expect(seen(server, 'createJob').map((entry) => entry.body)).toEqual([{ video_url: videoUrl }])
    expect(seen(server, 'upload')).toEqual([])
    expect(server.api.requests.filter((entry) => entry.method === 'HEAD' || entry.path.startsWith('/media'))).toEqual([])
    expect(foreground.source).toBe(videoUrl)
  })

  it.each([
    ['a file path', () => file('clip.mp4')],
    ['a Blob', () => new Blob([DATA], { type: 'video/mp4' })],
  ])('upload progress from %s is monotonic and ends exactly at the total', async (_, source) => {
    await using server = await startFakeServer()
    const progress: Array<{ loaded: number; total: number }> = []
    await removeBackground(server, source(), {}, { onUploadProgress: (event) => progress.push(event) })

    expect(progress.length).toBeGreaterThan(0)
    expect(progress.every((event) => event.total === DATA.length)).toBe(true)
    expect(progress.map((event) => event.loaded)).toEqual([...progress.map((event) => event.loaded)].sort((a, b) => a - b))
    expect(new Set(progress.map((event) => event.loaded)).size).toBe(progress.length)
    expect(progress.at(-1)).toEqual({ loaded: DATA.length, total: DATA.length })
  })
})

describe('upload retries and expiry', () => {
  it.each([
    ['a Blob', () => new Blob([DATA]), { filename: 'clip.mp4' }],
    ['a file path', () => file('clip.mp4'), {}],
  ])('a storage 503 on the first PUT of %s is retried with the whole body', async (_, source, open) => {
    await using server = await startFakeServer()
    server.api.inject('upload', STORAGE_503)
    const loaded: number[] = []
    const foreground = await removeBackground(server, source(), open, { onUploadProgress: (event) => loaded.push(event.loaded) })

    expect(seen(server, 'upload').map((entry) => entry.status)).toEqual([503, 200])
    expect(server.api.job(foreground.jobId)?.upload).toEqual({ bytes: DATA.length, sha256: sha256(DATA) })
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b))
    expect(loaded.at(-1)).toBe(DATA.length)
  })

  it('a storage 503 is not retried for a ReadableStream, which cannot be replayed', async () => {
    await using server = await startFakeServer()
    server.api.inject('upload', STORAGE_503)
    const error = await failure(() => removeBackground(server, new Blob([DATA]).stream(), { size: DATA.length, filename: 'clip.mp4' }))

    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ status: 503, jobId: seen(server, 'upload')[0]!.jobId })
    expect(seen(server, 'upload')).toHaveLength(1)
    expect(seen(server, 'startJob')).toEqual([])
  })

  it('an upload URL that expired before the upload is refused before sending, naming the expiry', async () => {
    await using server = await startFakeServer({ now: () => Date.now() - 2 * HOUR })
    const error = await failure(() => removeBackground(server, new Blob([DATA]), { filename: 'clip.mp4' }))

    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).code).toMatch(/expired/)
    expect((error as StorageError).message).toMatch(/expired/)
    expect(server.api.job((error as StorageError).jobId!)?.status).toBe('created')
    expect(seen(server, 'upload')).toEqual([])
    expect(seen(server, 'startJob')).toEqual([])
  })

  it('an upload URL that storage reports expired is a clear error, not retried', async () => {
    let skew = 0
    await using server = await startFakeServer({ now: () => Date.now() + skew, uploadTtlMs: 60_000 })
    const client = new VideoBGRemoverClient(FAKE_API_KEY, {
      baseUrl: server.url,
      fetch: (input, init) => {
        if (init.method === 'PUT') skew = 2 * 60_000
        return fetch(input, init)
      },
    })
    const error = await failure(() =>
      Video.open(new Blob([DATA]), { filename: 'clip.mp4' }).removeBackground({ client, pollSeconds: 0.01 }),
    )

    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).code).toMatch(/expired/)
    expect((error as StorageError).message).toMatch(/expired/)
    expect(seen(server, 'upload').map((entry) => entry.status)).toEqual([400])
    expect(seen(server, 'startJob')).toEqual([])
  })
})

describe('start options', () => {
  const transparent = (format: string): StartJobOptions => ({ background: { type: 'transparent', transparent_format: format } })
  const composition = {
    template: 'picture_in_picture',
    background_type: 'image',
    background_url: 'https://cdn.test/beach.jpg',
    background_audio_enabled: false,
    export_format: 'h264',
    export_crf: 23,
  }
  const cases: Array<{ name: string; options?: RemoveBackgroundParams['options']; body: StartJobOptions; format: string; model?: string }> =
    [
      { name: 'default', body: transparent('webm_vp9'), format: 'webm_vp9' },
      { name: 'Prefer.AUTO', options: new RemoveBGOptions(Prefer.AUTO), body: transparent('webm_vp9'), format: 'webm_vp9' },
      ...[Prefer.MOV_PRORES, Prefer.PNG_SEQUENCE, Prefer.PRO_BUNDLE, Prefer.STACKED_VIDEO, Prefer.GIF, Prefer.WEBP, Prefer.LOTTIE].map(
        (prefer) => ({
          name: `new RemoveBGOptions(${prefer})`,
          options: new RemoveBGOptions(prefer),
          body: transparent(prefer),
          format: prefer,
        }),
      ),
      {
        name: 'prefer and Model.PRO',
        options: new RemoveBGOptions(Prefer.MOV_PRORES, Model.PRO),
        body: { ...transparent('mov_prores'), model: 'videobgremover-pro' },
        format: 'mov_prores',
        model: 'videobgremover-pro',
      },
      { name: 'withPrefer', options: RemoveBGOptions.withPrefer(Prefer.GIF), body: transparent('gif'), format: 'gif' },
      {
        name: 'withModel',
        options: RemoveBGOptions.withModel(Model.HUMAN),
        body: { ...transparent('webm_vp9'), model: 'videobgremover-human' },
        format: 'webm_vp9',
        model: 'videobgremover-human',
      },
      {
        name: 'an object with prefer and model',
        options: { prefer: 'webp', model: 'videobgremover-light' },
        body: { ...transparent('webp'), model: 'videobgremover-light' },
        format: 'webp',
        model: 'videobgremover-light',
      },
      { name: 'a colour', options: { background: '#ff0000' }, body: { background: { type: 'color', color: '#ff0000' } }, format: 'mp4' },
      {
        name: 'a composition',
        options: { background: { type: 'composition', composition } },
        body: { background: { type: 'composition', composition } },
        format: 'mp4',
      },
      {
        name: 'a transparent background object',
        options: { background: { type: 'transparent', transparent_format: 'gif' } },
        body: transparent('gif'),
        format: 'gif',
      },
      {
        name: 'a transparent background object without a format takes prefer',
        options: { prefer: 'lottie', background: { type: 'transparent' } },
        body: transparent('lottie'),
        format: 'lottie',
      },
      {
        name: 'a model the SDK does not know yet',
        options: { model: 'videobgremover-ultra' },
        body: { ...transparent('webm_vp9'), model: 'videobgremover-ultra' },
        format: 'webm_vp9',
        model: 'videobgremover-ultra',
      },
    ]

  it.each(cases)('$name', async ({ options, body, format, model }) => {
    await using server = await startFakeServer()
    const foreground = await removeBackground(server, 'https://cdn.test/clip.mp4', {}, { options })

    expect(seen(server, 'startJob').map((entry) => entry.body)).toStrictEqual([body])
    expect(foreground.format).toBe(format)
    expect(foreground.model).toBe(model)
  })

  it('webhookUrl is sent as webhook_url', async () => {
    await using server = await startFakeServer()
    const webhookUrl = 'https://hooks.test/vbr?token=s3cret'
    await removeBackground(server, 'https://cdn.test/clip.mp4', {}, { webhookUrl })
    expect(seen(server, 'startJob')[0]?.body).toStrictEqual({ ...transparent('webm_vp9'), webhook_url: webhookUrl })
  })

  it.each([
    ['prefer', 'webm_vp8', 'webm_vp9'],
    ['model', 'videobgremover-orignal', 'videobgremover-original'],
  ])('a typo in %s (%s) is refused with the valid values listed', async (field, typo, valid) => {
    expect(() => new RemoveBGOptions(field === 'prefer' ? typo : Prefer.AUTO, field === 'model' ? typo : undefined)).toThrow(
      ValidationError,
    )

    await using server = await startFakeServer()
    const error = await failure(() => removeBackground(server, file('clip.mp4'), {}, { options: { [field]: typo } }))
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).message).toContain(valid)
    expect((error as ValidationError).message).toContain(field === 'prefer' ? 'mov_prores' : 'videobgremover-light')
    expect(server.api.requests).toEqual([])
  })
})

describe('the result', () => {
  it('carries everything worth persisting, also through JSON.stringify', async () => {
    await using server = await startFakeServer({ videoLengthSeconds: 7 })
    const foreground = await removeBackground(
      server,
      file('clip.mp4'),
      {},
      { options: new RemoveBGOptions(Prefer.MOV_PRORES, Model.LIGHT) },
    )
    const jobId = seen(server, 'upload')[0]!.jobId!
    const resultUrl = (name: string) => expect.stringMatching(new RegExp(`^${server.url}/storage/results/${jobId}/${name}\\?`))

    const expected = {
      jobId,
      format: 'mov_prores',
      url: resultUrl('video\\.mov'),
      maskUrl: resultUrl('mask\\.mp4'),
      thumbnailUrl: resultUrl('thumbnail\\.jpg'),
      lengthSeconds: 7,
      model: 'videobgremover-light',
      source: file('clip.mp4'),
      status: expect.objectContaining({ id: jobId, status: 'completed', length_seconds: 7 }),
    }
    expect(foreground).toMatchObject(expected)
    expect(JSON.parse(JSON.stringify(foreground))).toEqual(expected)
  })

  it('a failed job is a ProcessingError with the job id and the server message, and costs nothing', async () => {
    await using server = await startFakeServer({ failJob: () => 'No person found in the video' })
    const error = await failure(() => removeBackground(server, new Blob([DATA]), { filename: 'clip.mp4' }))

    const jobId = seen(server, 'startJob')[0]!.jobId!
    expect(error).toBeInstanceOf(ProcessingError)
    expect(error).toMatchObject({ jobId, message: expect.stringContaining('No person found in the video') })
    expect(server.api.startsFor(jobId)).toBe(1)
    expect(server.api.job(jobId)).toMatchObject({ status: 'failed', creditsUsed: 0 })
    expect(server.api.credits).toBe(1000)
  })
})

describe('abort', () => {
  const stages: Array<{
    stage: string
    server?: FakeServerOptions
    prepare?: (server: FakeServer) => void
    source: () => [VideoSource, OpenOptions?]
    reached: (server: FakeServer) => boolean
    jobExists: boolean
  }> = [
    {
      stage: 'during create',
      prepare: (server) => server.api.inject('createJob', { delayMs: 600_000 }),
      source: () => [new Blob([DATA]), { filename: 'clip.mp4' }],
      reached: (server) => seen(server, 'createJob').length > 0,
      jobExists: false,
    },
    {
      stage: 'during the upload of a slow stream',
      source: () => [stallingStream(), { size: DATA.length, filename: 'clip.mp4' }],
      reached: (server) => seen(server, 'upload').length > 0,
      jobExists: true,
    },
    {
      stage: 'during a delayed start',
      prepare: (server) => server.api.inject('startJob', { delayMs: 600_000 }),
      source: () => [new Blob([DATA]), { filename: 'clip.mp4' }],
      reached: (server) => seen(server, 'startJob').length > 0,
      jobExists: true,
    },
    {
      stage: 'while waiting for processing',
      server: { processingMs: 60_000 },
      source: () => ['https://cdn.test/clip.mp4'],
      reached: (server) => seen(server, 'status').length >= 2,
      jobExists: true,
    },
  ]

  it.each(stages)('$stage settles at once with an AbortError', async ({ server: options, prepare, source, reached, jobExists }) => {
    await using server = await startFakeServer(options)
    prepare?.(server)
    const controller = new AbortController()
    const [video, open] = source()
    const outcome = failure(() => removeBackground(server, video, open, { signal: controller.signal }))
    await until(() => reached(server))

    controller.abort()
    const error = await outcome
    expect(error).toBeInstanceOf(AbortError)
    const createdId = server.api.requests.find((entry) => entry.jobId !== undefined)?.jobId
    expect(createdId !== undefined).toBe(jobExists)
    expect((error as AbortError).jobId).toBe(createdId)
  })

  it('an already aborted signal sends nothing', async () => {
    await using server = await startFakeServer()
    const error = await failure(() => removeBackground(server, file('clip.mp4'), {}, { signal: AbortSignal.abort() }))
    expect(error).toBeInstanceOf(AbortError)
    expect(server.api.requests).toEqual([])
  })
})

describe('the web platform', () => {
  const webClient = (server: FakeServer) => new web.VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url })

  it('refuses a file path, asking for a File, with nothing sent', async () => {
    await using server = await startFakeServer()
    const error = await failure(() => web.Video.open('some/path.mp4').removeBackground({ client: webClient(server), pollSeconds: 0.01 }))

    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).message).toMatch(/File/)
    expect(server.api.requests).toEqual([])
  })

  it('cannot save() to disk', async () => {
    await using server = await startFakeServer()
    const foreground = await web.Video.open(new Blob([DATA]), { filename: 'clip.mp4' }).removeBackground({
      client: webClient(server),
      pollSeconds: 0.01,
    })
    const target = file('web-save.webm')

    const error = await failure(() => foreground.save(target))
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).message).toMatch(/blob\(\)/)
    expect(server.api.requests.filter((entry) => entry.endpoint === 'download')).toEqual([])
    await expect(stat(target)).rejects.toThrow(/ENOENT/)
  })
})
