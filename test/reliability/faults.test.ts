import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { failure } from '../kit'
import {
  ApiError,
  AuthenticationError,
  ConnectionError,
  InsufficientCreditsError,
  JobNotFoundError,
  ProcessingError,
  RateLimitError,
  StorageError,
  TimeoutError,
  Video,
  VideoBGRemoverClient,
  VideoBGRemoverError,
} from '../../src/node/index'
import {
  FAKE_API_KEY,
  fakeResultBytes,
  startFakeServer,
  type FakeEndpoint,
  type FakeFault,
  type FakeServer,
  type LedgerEntry,
} from '../../src/testing/node'

/**
 * Every (endpoint, fault) pair against the real loopback fake, where sockets really reset and time out. The
 * expected outcome of each pair follows the contract's retry policy (§8): reads retry everything transient,
 * create retries connection errors only, start is reconciled through the status and never repeated blindly,
 * the signed upload retries connection errors and 5xx, the download refreshes its URL after a 4xx.
 */

vi.setConfig({ maxConcurrency: 12 })

const BUDGET = 2
const CREDITS = 1000
const LENGTH_SECONDS = 10
/**
 * The per-attempt timeout of the 'slow' cells. Their faulted attempts never answer, so only the deadline ends them;
 * the attempt after must answer within it, which a loopback request does with room to spare on a busy machine.
 */
const TIMEOUT_MS = 3_000
const RESULT_SIZE = 200_000
const DATA = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 7 + 3) % 256)
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const DATA_SHA256 = sha256(DATA)
const REQUEST_ID = /^req_[0-9a-f]{24}$/

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
process.on('unhandledRejection', onUnhandled)

let root: string
let video: string
let dirs = 0
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vbr-faults-'))
  video = join(root, 'clip.mp4')
  await writeFile(video, DATA)
})
afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50))
  process.off('unhandledRejection', onUnhandled)
  await rm(root, { recursive: true, force: true })
  expect(unhandled).toEqual([])
})

type Endpoint = 'credits' | 'createJob' | 'upload' | 'startJob' | 'status' | 'deleteJob' | 'download'
const ENDPOINTS: readonly Endpoint[] = ['credits', 'createJob', 'upload', 'startJob', 'status', 'deleteJob', 'download']

type Kind = 'reset' | 'mid-body' | '5xx' | '429' | 'slow' | 'truncated' | 'html' | 'bad-schema' | '4xx'
interface Fault {
  name: string
  kind: Kind
  status?: number
  make(): FakeFault
}

const FAULTS: readonly Fault[] = [
  { name: 'connection reset before the response', kind: 'reset', make: () => ({ drop: 'before-response' }) },
  { name: 'connection reset mid-body', kind: 'mid-body', make: () => ({ drop: 'mid-body' }) },
  ...[500, 502, 503, 504].map((status): Fault => ({ name: String(status), kind: '5xx', status, make: () => ({ status }) })),
  { name: '429 with Retry-After', kind: '429', status: 429, make: () => ({ status: 429, headers: { 'Retry-After': '0' } }) },
  {
    name: '429 with only X-RateLimit-Reset',
    kind: '429',
    status: 429,
    make: () => ({ status: 429, headers: { 'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000)) } }),
  },
  { name: 'headers slower than the timeout', kind: 'slow', make: () => ({ delayMs: 600_000 }) },
  { name: 'truncated JSON', kind: 'truncated', make: () => ({ truncate: true }) },
  { name: 'an HTML body', kind: 'html', make: () => ({ html: true }) },
  { name: 'a body that breaks the schema', kind: 'bad-schema', make: () => ({ badSchema: true }) },
  ...[401, 402, 403, 404, 409, 413, 422].map((status): Fault => ({ name: String(status), kind: '4xx', status, make: () => ({ status }) })),
]

type ErrorClass = abstract new (...args: never[]) => VideoBGRemoverError
interface Surfaced {
  error: ErrorClass
  status?: number
  code?: string
  requestId?: boolean
}
/** `survive`: the call succeeds after the fault; `deleted`: the delete resolves and the job is gone; else the error it surfaces. */
type Outcome = 'survive' | 'deleted' | Surfaced

const BY_STATUS: Record<number, [ErrorClass, string]> = {
  401: [AuthenticationError, 'invalid_api_key'],
  402: [InsufficientCreditsError, 'insufficient_credits'],
  403: [ApiError, 'permission_denied'],
  404: [JobNotFoundError, 'not_found'],
  409: [ApiError, 'conflict'],
  413: [ApiError, 'invalid_request'],
  422: [ApiError, 'invalid_request'],
  429: [RateLimitError, 'rate_limited'],
  500: [ProcessingError, 'internal_error'],
  502: [ApiError, 'internal_error'],
  503: [ApiError, 'internal_error'],
  504: [ApiError, 'timeout'],
}
const apiError = (status: number): Surfaced => {
  const [error, code] = BY_STATUS[status]!
  return { error, status, code, requestId: true }
}
const INVALID_RESPONSE: Surfaced = { error: ApiError, status: 200, code: 'invalid_response', requestId: false }

/**
 * Pairs that mean nothing, and why; no test is generated for them. The upload runs under its own timeout
 * (5 minutes and more, scaled by size), not the client's.
 */
const NOT_MEANINGFUL: Partial<Record<Endpoint, Partial<Record<Kind, string>>>> = {
  upload: {
    slow: 'the upload has its own timeout (≥ 5 min, scaled by size); the client timeout does not apply',
    truncated: 'storage answers a PUT with an empty body: there is no JSON to cut',
    'bad-schema': 'storage answers a PUT with no JSON body, so there is no schema to break',
  },
  download: {
    truncated: 'a result is bytes, not JSON; a body cut short is the mid-body reset',
    'bad-schema': 'a result is bytes, not JSON, so there is no schema to break',
  },
}

/** What the contract's policy says each pair must do. */
function outcome(endpoint: Endpoint, fault: Fault): Outcome {
  const { kind, status } = fault
  switch (endpoint) {
    case 'credits':
    case 'status':
    case 'deleteJob':
      // A delete needs no body, and its retry after a lost answer finds the job gone: both are success.
      if (endpoint === 'deleteJob' && ['bad-schema', 'mid-body', 'truncated'].includes(kind)) return 'deleted'
      if (kind === 'bad-schema') return INVALID_RESPONSE
      if (kind === '4xx') return apiError(status!)
      return 'survive'
    case 'createJob':
      if (kind === 'reset' || kind === 'mid-body') return 'survive'
      if (kind === 'slow') return { error: TimeoutError }
      if (kind === 'truncated') return { error: ApiError, status: 200, code: 'invalid_json', requestId: true }
      if (kind === 'html') return { error: ApiError, status: 502, code: 'internal_error', requestId: false }
      if (kind === 'bad-schema') return INVALID_RESPONSE
      return apiError(status!)
    case 'startJob':
      return kind === '4xx' || kind === '429' ? apiError(status!) : 'survive'
    case 'upload':
      return kind === '4xx' || kind === '429' ? { error: StorageError, status, code: 'storage_rejected' } : 'survive'
    case 'download':
      if (kind === 'mid-body') return { error: ConnectionError }
      if (kind === 'slow') return { error: TimeoutError }
      return 'survive'
  }
}

const MATRIX = ENDPOINTS.flatMap((endpoint) =>
  FAULTS.filter((fault) => NOT_MEANINGFUL[endpoint]?.[fault.kind] === undefined).map((fault) => {
    const expected = outcome(endpoint, fault)
    const label = expected === 'survive' ? 'survived' : expected === 'deleted' ? 'deleted' : `${expected.error.name}`
    return { endpoint, fault, expected, label }
  }),
)

const startServer = () =>
  startFakeServer({ errorStyle: 'envelope', credits: CREDITS, videoLengthSeconds: LENGTH_SECONDS, resultSize: RESULT_SIZE })

const clientFor = (server: FakeServer, timeout = 5_000) =>
  new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, timeout, maxRetries: BUDGET, rateLimit: { windowMs: 1_000 } })

async function outDir(): Promise<string> {
  const dir = join(root, `out-${++dirs}`)
  await mkdir(dir)
  return dir
}

const entriesOf = (server: FakeServer, endpoint: FakeEndpoint) => server.api.requests.filter((entry) => entry.endpoint === endpoint)
const ok = (entry: LedgerEntry) => entry.status >= 200 && entry.status < 300

/** Runs the call that exercises `endpoint`, with `fault` injected `times`, and returns what it settled to. */
async function exercise(server: FakeServer, endpoint: Endpoint, fault: FakeFault, times: number, timeout?: number) {
  const client = clientFor(server, timeout)
  const settle = <T>(promise: Promise<T>) =>
    promise.then(
      (value) => ({ value, error: undefined }),
      (error: unknown) => ({ value: undefined, error }),
    )
  if (endpoint === 'credits') {
    server.api.inject('credits', fault, times)
    return { ...(await settle(client.credits())), jobId: undefined, dir: undefined }
  }
  if (endpoint === 'deleteJob') {
    const { id } = await client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })
    server.api.inject('deleteJob', fault, times)
    return { ...(await settle(client.deleteJob(id))), jobId: id, dir: undefined }
  }
  if (endpoint === 'download') {
    const foreground = await Video.open(video).removeBackground({ client, pollSeconds: 0.01 })
    const dir = await outDir()
    server.api.inject('download', fault, times)
    return { ...(await settle(foreground.save(join(dir, 'result.webm')))), jobId: foreground.jobId, dir }
  }
  server.api.inject(endpoint, fault, times)
  const result = await settle(Video.open(video).removeBackground({ client, pollSeconds: 0.01 }))
  return { ...result, jobId: server.api.requests.find((entry) => entry.jobId)?.jobId, dir: undefined }
}

/** Nobody is charged twice: at most one start per job, never two starts without a status read between them. */
function expectChargedOnce(server: FakeServer): number {
  const jobs = new Set(server.api.requests.map((entry) => entry.jobId).filter((id): id is string => id !== undefined))
  let started = 0
  for (const id of jobs) {
    expect(server.api.startsFor(id), `starts of ${id}`).toBeLessThanOrEqual(1)
    started += server.api.startsFor(id)
    const trail = server.api.requests.filter(
      (entry) => entry.jobId === id && (entry.endpoint === 'startJob' || entry.endpoint === 'status'),
    )
    trail.forEach((entry, i) => {
      if (entry.endpoint === 'startJob' && i > 0)
        expect(trail[i - 1]!.endpoint, 'a start repeated without reading the status').toBe('status')
    })
  }
  expect(started).toBeLessThanOrEqual(1)
  expect(server.api.credits).toBe(CREDITS - started * LENGTH_SECONDS)
  return started
}

type Exercised = Awaited<ReturnType<typeof exercise>>

/** The call succeeded after the fault, on a later attempt (or, for a start, through a status read), with the right result. */
async function expectSurvived(server: FakeServer, endpoint: Endpoint, result: Exercised): Promise<void> {
  expect(result.error).toBeUndefined()
  const hits = entriesOf(server, endpoint)
  const firstFault = hits.findIndex((entry) => entry.fault !== undefined)
  if (endpoint === 'startJob') {
    const faultAt = server.api.requests.indexOf(hits[firstFault]!)
    expect(
      server.api.requests.slice(faultAt + 1).some((entry) => entry.endpoint === 'status'),
      'reconciled through the status',
    ).toBe(true)
  } else {
    expect(
      hits.slice(firstFault + 1).some((entry) => entry.fault === undefined && ok(entry)),
      'a later attempt succeeded',
    ).toBe(true)
    if (endpoint !== 'status') expect(hits.length).toBeLessThanOrEqual(BUDGET + 1)
  }
  if (['createJob', 'upload', 'startJob', 'status'].includes(endpoint)) {
    const foreground = result.value as { jobId: string; status: { status: string } }
    expect(foreground.status.status).toBe('completed')
    expect(server.api.startsFor(foreground.jobId)).toBe(1)
    expect(server.api.job(foreground.jobId)?.upload?.sha256).toBe(DATA_SHA256)
  }
  if (endpoint === 'download') {
    expect(await readdir(result.dir!)).toEqual(['result.webm'])
    expect(sha256(await readFile(join(result.dir!, 'result.webm')))).toBe(sha256(fakeResultBytes(result.jobId!, 'video.webm', RESULT_SIZE)))
  }
  if (endpoint === 'credits') expect(result.value).toMatchObject({ remainingCredits: CREDITS })
}

/**
 * A delete whose answer was lost or unusable resolves with the job's id (any 2xx is success); where the fault let
 * the request take effect, the job is gone.
 */
function expectDeleted(server: FakeServer, result: Exercised, tookEffect: boolean): void {
  expect(result.error).toBeUndefined()
  expect(result.value).toMatchObject({ id: result.jobId })
  if (tookEffect) expect(server.api.job(result.jobId!)).toBeUndefined()
}

/** The fault surfaced as the expected error, at once (not retried), with nothing charged or left on disk. */
async function expectSurfaced(
  server: FakeServer,
  endpoint: Endpoint,
  result: Exercised,
  expected: Surfaced,
  started: number,
): Promise<void> {
  const error = result.error as VideoBGRemoverError
  expect(error).toBeInstanceOf(expected.error)
  expect(error.name).toBe(expected.error.name)
  if (expected.status !== undefined) expect((error as ApiError).status).toBe(expected.status)
  if (expected.code !== undefined) expect((error as ApiError).code).toBe(expected.code)
  if (expected.requestId === true) expect((error as ApiError).requestId).toMatch(REQUEST_ID)
  if (expected.requestId === false) expect((error as ApiError).requestId).toBeUndefined()
  if (endpoint !== 'credits' && endpoint !== 'createJob') expect(error.jobId).toBe(result.jobId)
  expect(entriesOf(server, endpoint), 'a permanent failure is not retried').toHaveLength(1)
  if (endpoint === 'upload' || endpoint === 'startJob') expect(started).toBe(0)
  if (endpoint === 'download') expect(await readdir(result.dir!), 'no partial or temporary file').toEqual([])
}

describe.concurrent('fault matrix', () => {
  it.each(MATRIX.map((cell) => [cell.endpoint, cell.fault.name, cell.label, cell] as const))(
    '%s × %s → %s',
    async (_, __, ___, { endpoint, fault, expected }) => {
      const server = await startServer()
      try {
        const survives = expected === 'survive'
        const times = !survives ? 1 : endpoint === 'download' && (fault.kind === '4xx' || fault.kind === '429') ? 1 : BUDGET
        const result = await exercise(server, endpoint, fault.make(), times, fault.kind === 'slow' ? TIMEOUT_MS : undefined)
        const started = expectChargedOnce(server)
        expect(
          entriesOf(server, endpoint).some((entry) => entry.fault !== undefined),
          'the fault was served',
        ).toBe(true)
        if (expected === 'survive') await expectSurvived(server, endpoint, result)
        else if (expected === 'deleted') expectDeleted(server, result, fault.kind !== 'bad-schema')
        else await expectSurfaced(server, endpoint, result, expected, started)
      } finally {
        await server.close()
      }
    },
  )
})

const EXHAUSTED: readonly [Endpoint, string, FakeFault, ErrorClass, number | undefined][] = [
  ['credits', '503', { status: 503 }, ApiError, 503],
  ['createJob', 'connection reset', { drop: 'before-response' }, ConnectionError, undefined],
  ['upload', '503', { status: 503 }, StorageError, 503],
  ['startJob', '503', { status: 503 }, ApiError, 503],
  ['deleteJob', '503', { status: 503 }, ApiError, 503],
  ['download', '503', { status: 503 }, StorageError, 503],
]

describe.concurrent('the retry budget is bounded', () => {
  it.each(EXHAUSTED)(
    `%s × %s, ${BUDGET + 1} times in a row, surfaces after ${BUDGET + 1} attempts`,
    async (endpoint, _, fault, type, status) => {
      const server = await startServer()
      try {
        const result = await exercise(server, endpoint, fault, BUDGET + 1)
        expect(result.error).toBeInstanceOf(type)
        if (status !== undefined) expect((result.error as ApiError).status).toBe(status)
        expect(entriesOf(server, endpoint)).toHaveLength(BUDGET + 1)
        expect(expectChargedOnce(server)).toBe(endpoint === 'download' || endpoint === 'status' ? 1 : 0)
        if (result.dir !== undefined) expect(await readdir(result.dir)).toEqual([])
      } finally {
        await server.close()
      }
    },
  )

  // A wait rides out a failed poll (see wait.test.ts); one status read still stops after its budget.
  it(`status × 503, ${BUDGET + 1} times in a row, surfaces from client.status after ${BUDGET + 1} attempts`, async () => {
    const server = await startServer()
    try {
      const client = clientFor(server)
      const { id } = await client.createJobUrl({ video_url: 'https://cdn.test/clip.mp4' })
      server.api.inject('status', { status: 503 }, BUDGET + 1)
      const error = await failure(() => client.status(id))
      expect(error).toBeInstanceOf(ApiError)
      expect((error as ApiError).status).toBe(503)
      expect(entriesOf(server, 'status')).toHaveLength(BUDGET + 1)
    } finally {
      await server.close()
    }
  })

  it('a download whose refreshed URL is refused too surfaces the 4xx after one refresh', async () => {
    const server = await startServer()
    try {
      const result = await exercise(server, 'download', { status: 403 }, 2)
      expect(result.error).toBeInstanceOf(StorageError)
      expect(result.error).toMatchObject({ status: 403, code: 'storage_rejected', jobId: result.jobId })
      expect(entriesOf(server, 'download')).toHaveLength(2)
      expect(await readdir(result.dir!)).toEqual([])
    } finally {
      await server.close()
    }
  })
})

describe.concurrent('server-requested waits', () => {
  async function retryGap(fault: FakeFault): Promise<{ first: LedgerEntry; second: LedgerEntry }> {
    const server = await startServer()
    try {
      server.api.inject('credits', fault)
      await clientFor(server).credits()
      const [first, second] = entriesOf(server, 'credits')
      return { first: first!, second: second! }
    } finally {
      await server.close()
    }
  }

  it('retry-after-ms is waited out before the retry', async () => {
    const { first, second } = await retryGap({ status: 429, headers: { 'retry-after-ms': '400' } })
    expect(second.time - first.time).toBeGreaterThanOrEqual(390)
  })

  it('X-RateLimit-Reset alone is waited out: the retry comes once the window has reset', async () => {
    const reset = Math.ceil((Date.now() + 300) / 1000)
    const { second } = await retryGap({ status: 429, headers: { 'X-RateLimit-Reset': String(reset) } })
    expect(second.time).toBeGreaterThanOrEqual(reset * 1000 - 5)
  })
})

describe('the process exits on its own', () => {
  it('after a run through faults on every endpoint, with no timer or socket left', async () => {
    const src = (path: string) => pathToFileURL(resolve('src', path)).href
    const script = join(root, 'exit-check.mts')
    await writeFile(
      script,
      `
const { Video, VideoBGRemoverClient } = await import(${JSON.stringify(src('node/index.ts'))})
const { FAKE_API_KEY, startFakeServer } = await import(${JSON.stringify(src('testing/node.ts'))})
process.on('unhandledRejection', (reason) => { console.log('unhandled', String(reason)); process.exitCode = 3 })
const server = await startFakeServer({ errorStyle: 'envelope' })
server.api.inject('createJob', { drop: 'before-response' })
server.api.inject('upload', { drop: 'mid-body' })
server.api.inject('startJob', { status: 503 })
server.api.inject('status', { delayMs: 600_000 })
server.api.inject('download', { drop: 'before-response' })
const client = new VideoBGRemoverClient(FAKE_API_KEY, { baseUrl: server.url, timeout: 2_000 })
const foreground = await Video.open(${JSON.stringify(video)}).removeBackground({ client, pollSeconds: 0.01 })
await foreground.save(${JSON.stringify(join(root, 'exit-check.webm'))})
server.api.inject('credits', { delayMs: 600_000 })
const failed = await client.credits({ timeout: 100, maxRetries: 0 }).catch((error) => error.name)
await server.close()
console.log('closed', failed, server.api.startsFor(foreground.jobId))
`,
    )
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    // The fake's delays last ten minutes: anything left waiting on them keeps the child alive until the killer.
    const killer = setTimeout(() => child.kill('SIGKILL'), 45_000)
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('exit', (c, s) => done([c, s])))
    clearTimeout(killer)
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' })
    const [, failed, starts] = /^closed (\S+) (\d+)$/m.exec(stdout) ?? []
    expect(failed).toBe('TimeoutError')
    expect(starts).toBe('1')
  })
})
