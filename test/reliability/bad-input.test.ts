import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  Model,
  Prefer,
  RemoveBGOptions,
  ValidationError,
  Video,
  VideoBGRemoverClient,
  type ClientOptions,
  type OpenOptions,
  type RemoveBGOptionsInit,
  type RemoveBackgroundParams,
  type VideoSource,
} from '../../src/node/index'
import { FAKE_API_KEY, startFakeServer, type FakeServer } from '../../src/testing/node'

/** Every bad input is refused with a ValidationError naming the field, before a single request is sent. */

let server: FakeServer
let dir: string
const file = (name: string) => join(dir, name)

beforeAll(async () => {
  server = await startFakeServer()
  dir = await mkdtemp(join(tmpdir(), 'vbr-bad-input-'))
  await writeFile(file('clip.mp4'), new Uint8Array(64 * 1024))
  await writeFile(file('empty.mp4'), new Uint8Array())
  await writeFile(file('clip.flv'), new Uint8Array(1024))
  await writeFile(file('clip.wmv'), new Uint8Array(1024))
  await writeFile(file('clip'), new Uint8Array(1024))
  await mkdir(file('folder.mp4'))
})
afterEach(() => {
  vi.unstubAllEnvs()
  const seen = [...server.api.requests]
  server.api.reset()
  expect(seen, 'the server saw no request').toEqual([])
})
afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const client = (options: ClientOptions = {}) => new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, ...options })
const JOB = '3f2b1c9e-8a7d-4e6f-9b1a-2c3d4e5f6a7b'

async function refusal(run: () => unknown): Promise<ValidationError> {
  let error: unknown
  try {
    await run()
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(ValidationError)
  return error as ValidationError
}

const removeBackground = (source: VideoSource, open?: OpenOptions, params: Partial<RemoveBackgroundParams> = {}) =>
  Video.open(source, open).removeBackground({ client: client(), pollSeconds: 0.01, ...params })
const withOptions = (options: RemoveBGOptionsInit) => removeBackground(file('clip.mp4'), undefined, { options })

type Case = [name: string, field: string, run: () => unknown]

const CLIENT_CASES: Case[] = [
  ['an empty key', 'apiKey', () => new VideoBGRemoverClient('', { baseUrl: server.url })],
  ['a whitespace key', 'apiKey', () => new VideoBGRemoverClient(' \t\n ', { baseUrl: server.url })],
  ['a key that is a number', 'apiKey', () => new VideoBGRemoverClient(42 as never, { baseUrl: server.url })],
  ['a key that is an object', 'apiKey', () => new VideoBGRemoverClient({ key: FAKE_API_KEY } as never, { baseUrl: server.url })],
  [
    'no key at all for the vendor host, with no environment variable',
    'apiKey',
    () => {
      vi.stubEnv('VIDEOBGREMOVER_API_KEY', undefined)
      return new VideoBGRemoverClient()
    },
  ],
  ['a baseUrl without a scheme', 'baseUrl', () => client({ baseUrl: 'api.videobgremover.com' })],
  ['a baseUrl that is not http(s)', 'baseUrl', () => client({ baseUrl: 'ftp://127.0.0.1/api' })],
  ['a baseUrl with a query', 'baseUrl', () => client({ baseUrl: `${server.url}/api?key=1` })],
  ['a baseUrl with credentials', 'baseUrl', () => client({ baseUrl: 'https://user:pass@api.videobgremover.com' })],
  ['a plain http baseUrl off loopback', 'baseUrl', () => client({ baseUrl: 'http://api.videobgremover.com' })],
  ['a plain http baseUrl on a LAN address', 'baseUrl', () => client({ baseUrl: 'http://192.168.1.20:3000/api' })],
  ['a plain http baseUrl on a look-alike of localhost', 'baseUrl', () => client({ baseUrl: 'http://localhost.attacker.test' })],
  ['a negative timeout', 'timeout', () => client({ timeout: -1 })],
  ['a zero timeout', 'timeout', () => client({ timeout: 0 })],
  ['a NaN timeout', 'timeout', () => client({ timeout: Number.NaN })],
  ['an infinite timeout', 'timeout', () => client({ timeout: Number.POSITIVE_INFINITY })],
  ['a timeout given as a string', 'timeout', () => client({ timeout: '60000' as never })],
  ['negative maxRetries', 'maxRetries', () => client({ maxRetries: -1 })],
  ['fractional maxRetries', 'maxRetries', () => client({ maxRetries: 1.5 })],
  ['an unknown logLevel', 'logLevel', () => client({ logLevel: 'verbose' as never })],
  ['a per-request zero timeout', 'timeout', () => client().credits({ timeout: 0 })],
  ['a per-request negative timeout', 'timeout', () => client().status(JOB, { timeout: -100 })],
  ['per-request NaN maxRetries', 'maxRetries', () => client().credits({ maxRetries: Number.NaN })],
]

const WAIT_CASES: Case[] = [
  ['wait with pollSeconds 0', 'pollSeconds', () => client().wait(JOB, { pollSeconds: 0 })],
  ['wait with negative pollSeconds', 'pollSeconds', () => client().wait(JOB, { pollSeconds: -3 })],
  ['wait with NaN pollSeconds', 'pollSeconds', () => client().wait(JOB, { pollSeconds: Number.NaN })],
  ['wait with a negative timeout', 'timeout', () => client().wait(JOB, { timeout: -1 })],
  ['wait with a zero timeout', 'timeout', () => client().wait(JOB, { timeout: 0 })],
  ['removeBackground with pollSeconds 0', 'pollSeconds', () => removeBackground(file('clip.mp4'), undefined, { pollSeconds: 0 })],
  ['removeBackground with a NaN timeout', 'timeout', () => removeBackground(file('clip.mp4'), undefined, { timeout: Number.NaN })],
]

const OPTION_CASES: Case[] = [
  ['a colour name instead of #RRGGBB', 'background.color', () => withOptions({ background: 'red' })],
  ['a five-digit colour', 'background.color', () => withOptions({ background: '#12345' })],
  ['an rgb() colour on startJob', 'background.color', () => client().startJob(JOB, { background: { type: 'color', color: 'rgb(0,0,0)' } })],
  ['a misspelt background type', 'background.type', () => client().startJob(JOB, { background: { type: 'transparnt' } as never })],
  ['a webhook URL that is not a URL', 'webhook_url', () => client().startJob(JOB, { webhook_url: 'not a url' })],
  ['a javascript: webhook URL', 'webhook_url', () => removeBackground(file('clip.mp4'), undefined, { webhookUrl: 'javascript:alert(1)' })],
  ['an empty filename on createJobFile', 'filename', () => client().createJobFile({ filename: '', content_type: 'video/mp4' })],
  [
    'video/quicktime on createJobFile',
    'content_type',
    () => client().createJobFile({ filename: 'a.mov', content_type: 'video/quicktime' as never }),
  ],
  ['an ftp video_url on createJobUrl', 'video_url', () => client().createJobUrl({ video_url: 'ftp://cdn.test/clip.mp4' })],
]

const JOB_CASES: Case[] = [
  ['submit without a client', 'client', () => Video.open(file('clip.mp4')).submit({} as never)],
  ['a jobId to resume that is no job id', 'jobId', () => removeBackground(file('clip.mp4'), undefined, { jobId: '../credits' })],
  [
    'onJobCreated that is not a function',
    'onJobCreated',
    () => removeBackground(file('clip.mp4'), undefined, { onJobCreated: 'log' as never }),
  ],
  ['preflight given as a string', 'preflight', () => removeBackground(file('clip.mp4'), undefined, { preflight: 'no' as never })],
  ['a zero maxCredits', 'maxCredits', () => removeBackground(file('clip.mp4'), undefined, { maxCredits: 0 })],
  ['a NaN maxCredits on submit', 'maxCredits', () => Video.open(file('clip.mp4')).submit({ client: client(), maxCredits: Number.NaN })],
  [
    'maxCredits with the preflight turned off',
    'maxCredits',
    () => removeBackground(file('clip.mp4'), undefined, { maxCredits: 10, preflight: false }),
  ],
  ['client.job() of a boolean', 'jobId', () => client().job(true as never)],
  ['client.job() of an object without an id', 'jobId', () => client().job({} as never)],
  ['client.job() of an object whose format is no string', 'format', () => client().job({ id: JOB, format: 3 as never })],
  ['job.result() with pollSeconds 0', 'pollSeconds', () => client().job(JOB).result({ pollSeconds: 0 })],
]

const TYPO_CASES: [name: string, field: string, run: () => unknown, valid: readonly string[]][] = [
  ['format webm_vp8', 'prefer', () => new RemoveBGOptions('webm_vp8' as never), Object.values(Prefer)],
  ['format MOV_PRORES in capitals', 'prefer', () => RemoveBGOptions.withPrefer('MOV_PRORES' as never), Object.values(Prefer)],
  ['format pro_bundel through removeBackground', 'prefer', () => withOptions({ prefer: 'pro_bundel' as never }), Object.values(Prefer)],
  [
    'transparent_format "gif " in a background',
    'background.transparent_format',
    () => new RemoveBGOptions(Prefer.AUTO, undefined, { type: 'transparent', transparent_format: 'gif ' as never }),
    Object.values(Prefer),
  ],
  ['model videobgremover-orignal', 'model', () => RemoveBGOptions.withModel('videobgremover-orignal'), Object.values(Model)],
  ['model videobgremover-Human', 'model', () => new RemoveBGOptions(Prefer.AUTO, 'videobgremover-Human'), Object.values(Model)],
  [
    'model videobgremover-ligth through removeBackground',
    'model',
    () => withOptions({ model: 'videobgremover-ligth' }),
    Object.values(Model),
  ],
]

const FILE_CASES: Case[] = [
  ['a missing file', 'source', () => removeBackground(file('nope.mp4'))],
  ['an empty file', 'source', () => removeBackground(file('empty.mp4'))],
  ['a directory', 'source', () => removeBackground(file('folder.mp4'))],
  ['a file over maxSize', 'size', () => removeBackground(file('clip.mp4'), { maxSize: 1_000 })],
  ['bytes over maxSize', 'size', () => removeBackground(new Uint8Array(2_048), { filename: 'a.mp4', maxSize: 1_024 })],
  ['a zero maxSize', 'maxSize', () => removeBackground(file('clip.mp4'), { maxSize: 0 })],
  ['an .flv file', 'contentType', () => removeBackground(file('clip.flv'))],
  ['a .wmv file', 'contentType', () => removeBackground(file('clip.wmv'))],
  ['a file without an extension', 'contentType', () => removeBackground(file('clip'))],
  ['bytes declared as video/x-matroska', 'contentType', () => removeBackground(new Uint8Array(64), { contentType: 'video/x-matroska' })],
  ['a PNG Blob', 'contentType', () => removeBackground(new Blob([new Uint8Array(64)], { type: 'image/png' }))],
  ['an empty path', 'source', () => removeBackground('')],
  ['a file:// URL', 'source', () => removeBackground(`file://${file('clip.mp4')}`)],
  ['a stream without its size', 'size', () => removeBackground(new Blob([new Uint8Array(64)]).stream(), { filename: 'a.mp4' })],
  ['a source that is a number', 'source', () => removeBackground(42 as never)],
]

describe('refused before anything is sent', () => {
  it.each([...CLIENT_CASES, ...WAIT_CASES, ...OPTION_CASES, ...FILE_CASES, ...JOB_CASES])(
    '%s → ValidationError(%s)',
    async (_, field, run) => {
      const error = await refusal(run)
      expect(error.field).toBe(field)
      expect(error.message).not.toContain(FAKE_API_KEY)
    },
  )

  it.each(TYPO_CASES)('a typo: %s → ValidationError(%s) listing the valid values', async (_, field, run, valid) => {
    const error = await refusal(run)
    expect(error.field).toBe(field)
    for (const value of valid) expect(error.message).toContain(value)
  })
})

const BAD_JOB_IDS: [name: string, id: unknown][] = [
  ['empty', ''],
  ['a slash', 'abc/def'],
  ['a lone slash', '/'],
  ['dot-dot', '..'],
  ['a path up to another endpoint', '../credits'],
  ['a lone dot', '.'],
  ['a query', 'abc?video_id=other'],
  ['a fragment', 'abc#frag'],
  ['a percent-encoded dot-dot', '%2e%2e'],
  ['a percent-encoded slash', 'abc%2Fdef'],
  ['a leading space', ' abc'],
  ['an inner space', 'ab c'],
  ['a trailing newline', 'abc\n'],
  ['a NUL byte', 'ab\u0000c'],
  ['a tab', 'ab\tc'],
  ['a right-to-left override', 'abc\u202e'],
  ['a number', 42],
  ['201 characters', 'x'.repeat(201)],
]

describe('job ids that could reach another endpoint', () => {
  const methods: [string, (id: never) => Promise<unknown>][] = [
    ['status', (id) => client().status(id)],
    ['startJob', (id) => client().startJob(id)],
    ['deleteJob', (id) => client().deleteJob(id)],
    ['wait', (id) => client().wait(id, { pollSeconds: 0.01 })],
    ['webhookDeliveries', (id) => client().webhookDeliveries(id)],
    ['job', async (id) => client().job(id)],
    ['job, from JSON', async (id) => client().job({ id })],
    ['removeBackground, resuming', (id) => removeBackground(file('clip.mp4'), undefined, { jobId: id })],
  ]

  it.each(BAD_JOB_IDS)('%s → ValidationError(jobId) from every method that takes one', async (_, id) => {
    for (const [name, call] of methods) {
      const error = await refusal(() => call(id as never))
      expect(error.field, name).toBe('jobId')
    }
  })
})

describe('what stays accepted', () => {
  it.each(['http://localhost:8080/api', 'http://127.0.0.1:3000', 'http://[::1]:3000'])('plain http on loopback: %s', (baseUrl) => {
    expect(client({ baseUrl }).baseUrl).toBe(baseUrl.replace(/\/+$/, ''))
  })

  it('plain http off loopback once the caller opts in', () => {
    expect(client({ baseUrl: 'http://api.internal.test/api', allowInsecureHttp: true }).baseUrl).toBe('http://api.internal.test/api')
  })

  it('a model or format the SDK does not know yet, when it is no near miss of a known one', () => {
    const options = new RemoveBGOptions('hevc_alpha' as never, 'videobgremover-ultra-2027')
    expect(options.toStartOptions()).toEqual({
      background: { type: 'transparent', transparent_format: 'hevc_alpha' },
      model: 'videobgremover-ultra-2027',
      webhook_url: undefined,
    })
  })
})

describe('client calls', () => {
  it.each([
    ['createJobFile with video/quicktime', (c) => c.createJobFile({ filename: 'a.mov', content_type: 'video/quicktime' }), 'content_type'],
    ['createJobFile without a filename', (c) => c.createJobFile({ filename: ' ', content_type: 'video/mp4' }), 'filename'],
    ['createJobUrl with an ftp URL', (c) => c.createJobUrl({ video_url: 'ftp://cdn.test/a.mp4' }), 'video_url'],
    ['createJobUrl with a relative URL', (c) => c.createJobUrl({ video_url: '/a.mp4' }), 'video_url'],
    ['startJob with a bad colour', (c) => c.startJob(JOB, { background: { type: 'color', color: 'red' } }), 'background.color'],
    ['startJob with a bad background type', (c) => c.startJob(JOB, { background: { type: 'blur' } as never }), 'background.type'],
    ['startJob with a bad webhook_url', (c) => c.startJob(JOB, { webhook_url: 'javascript:alert(1)' }), 'webhook_url'],
    ['a negative per-call timeout', (c) => c.credits({ timeout: -1 }), 'timeout'],
    ['a fractional per-call maxRetries', (c) => c.status(JOB, { maxRetries: 1.5 }), 'maxRetries'],
  ] as Array<[string, (c: VideoBGRemoverClient) => Promise<unknown>, string]>)('%s', async (_, call, field) => {
    expect(await refusal(() => call(client()))).toMatchObject({ name: 'ValidationError', field })
  })

  it.each([
    [{ timeout: 0 }, 'timeout'],
    [{ maxRetries: -1 }, 'maxRetries'],
    [{ logLevel: 'verbose' as never }, 'logLevel'],
  ])('the constructor refuses %j', (options, field) => {
    expect(() => client(options)).toThrow(expect.objectContaining({ name: 'ValidationError', field }))
  })
})

describe('Video.open(…).removeBackground', () => {
  const clip = () => file('clip.mp4')
  const cases: Array<{
    name: string
    field: string
    message?: RegExp
    source: () => VideoSource
    open?: OpenOptions
    params?: Partial<RemoveBackgroundParams>
  }> = [
    { name: 'a missing file', field: 'source', message: /does not exist/, source: () => file('missing.mp4') },
    { name: 'a directory', field: 'source', message: /directory/, source: () => file('folder.mp4') },
    { name: 'an empty file', field: 'source', message: /empty/, source: () => file('empty.mp4') },
    { name: 'a file over maxSize', field: 'size', message: /over the maxSize/, source: clip, open: { maxSize: 1_000 } },
    {
      name: 'a Blob over maxSize',
      field: 'size',
      source: () => new Blob([new Uint8Array(1024)]),
      open: { filename: 'clip.mp4', maxSize: 1_000 },
    },
    { name: 'an .flv file', field: 'contentType', message: /\.mp4/, source: () => file('clip.flv') },
    { name: 'a .wmv file', field: 'contentType', message: /\.mp4/, source: () => file('clip.wmv') },
    {
      name: 'an unsupported contentType',
      field: 'contentType',
      source: () => new Uint8Array(1024),
      open: { contentType: 'video/x-msvideo' },
    },
    { name: 'bytes without filename or contentType', field: 'contentType', source: () => new Uint8Array(1024) },
    { name: 'a Blob without name or type', field: 'contentType', source: () => new Blob([new Uint8Array(1024)]) },
    {
      name: 'a ReadableStream without size',
      field: 'size',
      source: () => new Blob([new Uint8Array(1024)]).stream(),
      open: { filename: 'clip.mp4' },
    },
    { name: 'an ftp:// URL', field: 'source', source: () => 'ftp://files.test/clip.mp4' },
    { name: 'a file:// URL', field: 'source', source: () => `file://${clip()}` },
    { name: 'a bad colour', field: 'background.color', source: clip, params: { options: { background: 'red' } } },
    { name: 'a short colour', field: 'background.color', source: clip, params: { options: { background: '#ff00' } } },
    {
      name: 'a typo in a transparent background',
      field: 'background.transparent_format',
      source: clip,
      params: { options: { background: { type: 'transparent', transparent_format: 'webm_vp8' } } },
    },
    { name: 'a webhookUrl that is not a URL', field: 'webhook_url', source: clip, params: { webhookUrl: 'hooks.test/vbr' } },
    { name: 'a non-http webhookUrl', field: 'webhook_url', source: clip, params: { webhookUrl: 'ftp://hooks.test/vbr' } },
    ...[0, -1, Number.NaN].flatMap((value) => [
      { name: `pollSeconds ${value}`, field: 'pollSeconds', source: clip, params: { pollSeconds: value } },
      { name: `timeout ${value}`, field: 'timeout', source: clip, params: { timeout: value } },
    ]),
  ]

  it.each([
    ['an ftp:// string', 'ftp://files.test/clip.mp4'],
    ['an ftp:// URL object', new URL('ftp://files.test/clip.mp4')],
    ['a file:// URL object', new URL('file:///tmp/clip.mp4')],
  ])('%s is refused when the video is opened', (_, source) => {
    expect(() => Video.open(source)).toThrow(ValidationError)
  })

  it('a call without a client', async () => {
    const error = await refusal(() => Video.open(file('clip.mp4')).removeBackground({} as RemoveBackgroundParams))
    expect(error.field).toBe('client')
  })

  it.each(cases)('$name', async ({ field, message, source, open, params }) => {
    const error = await refusal(() => removeBackground(source(), open, params))
    expect(error.field).toBe(field)
    if (message) expect(error.message).toMatch(message)
  })
})
