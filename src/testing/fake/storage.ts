import type { FakeApiOptions } from './api'
import { hex, randomHex, xmlError } from './http'
import type { FakeUpload, JobState } from './job-state'
import { contentTypeOf, resultBody } from './results'

/** A signature the fake issued for one signed URL, and when it stops working (epoch ms of the fake's clock). */
export interface Grant {
  readonly signature: string
  readonly expiresAt: number
}

/** A result URL's grant: it downloads only the file it was issued for. */
export type ResultGrant = Grant & { readonly file: string }

/** A fresh grant that expires `ttlMs` milliseconds after `now()`. */
export function grant(now: () => number, ttlMs: number): Grant {
  return { signature: randomHex(32), expiresAt: now() + ttlMs }
}

/** A V4-style signed URL on `origin`: `X-Goog-Expires` (seconds) and `X-Goog-Signature`, as the real storage host's. */
export function signedUrl(origin: string, path: string, grant: Grant, ttlMs: number): string {
  return `${origin}${path}?X-Goog-Expires=${Math.ceil(ttlMs / 1000)}&X-Goog-Signature=${grant.signature}`
}

/**
 * A fresh signed URL for one result `file` of `job`, valid `ttlMs` milliseconds. Every status read signs anew, as
 * the API does, and earlier URLs keep working until they expire; expired grants are dropped here, the one place
 * that adds grants.
 */
export function resultUrl(job: JobState, file: string, origin: string, now: () => number, ttlMs: number): string {
  const time = now()
  for (const [signature, grant] of job.resultGrants) if (time >= grant.expiresAt) job.resultGrants.delete(signature)
  const fresh = grant(now, ttlMs)
  job.resultGrants.set(fresh.signature, { ...fresh, file })
  return signedUrl(origin, `/storage/results/${job.id}/${file}`, fresh, ttlMs)
}

/**
 * `PUT` to a signed upload URL. Storage checks what the real one does: the signature, its expiry, the declared
 * `Content-Type` (covered by the signature) and a `Content-Length` matching the body; refusals are XML. A
 * `created` job becomes `uploaded`. What was received is recorded on `received` even when it is refused.
 */
export async function upload(
  request: Request,
  job: JobState | undefined,
  now: () => number,
  received: { upload?: FakeUpload },
): Promise<Response> {
  const grant = job?.uploadGrant
  if (job === undefined || grant?.signature !== new URL(request.url).searchParams.get('X-Goog-Signature')) {
    return signatureMismatch()
  }
  if (now() >= grant.expiresAt) return expiredToken()
  if (request.headers.get('content-type') !== job.contentType) return signatureMismatch()
  const declared = request.headers.get('content-length')
  if (declared === null) return xmlError(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.')
  const upload = await receive(request.body)
  received.upload = upload
  if (upload.bytes !== Number(declared)) return xmlError(400, 'IncompleteBody', 'The body size does not match Content-Length.')
  job.upload = upload
  if (job.status === 'created') job.status = 'uploaded'
  return new Response(null, { status: 200 })
}

/**
 * `GET` of a signed result URL: the result `file` of `job`, streamed with its `Content-Type` and `Content-Length`,
 * if the URL's signature was issued for that file and has not expired.
 */
export function download(
  request: Request,
  job: JobState | undefined,
  file: string | undefined,
  now: () => number,
  resultSize: FakeApiOptions['resultSize'],
): Response {
  const signature = new URL(request.url).searchParams.get('X-Goog-Signature') ?? ''
  const grant = job?.resultGrants.get(signature)
  if (job === undefined || grant === undefined || grant.file !== file) return signatureMismatch()
  if (now() >= grant.expiresAt) return expiredToken()
  const { size, chunks } = resultBody(job, grant.file, resultSize)
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.next()
      if (next.done) controller.close()
      else controller.enqueue(next.value)
    },
  })
  return new Response(body, { status: 200, headers: { 'Content-Type': contentTypeOf(grant.file), 'Content-Length': String(size) } })
}

function signatureMismatch(): Response {
  return xmlError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.')
}

function expiredToken(): Response {
  return xmlError(400, 'ExpiredToken', 'The provided token has expired.')
}

/** Reads an upload body to its end, counting and hashing it chunk by chunk. */
async function receive(body: ReadableStream<Uint8Array> | null): Promise<FakeUpload> {
  const hasher = sha256()
  let bytes = 0
  const reader = body?.getReader()
  while (reader !== undefined) {
    const { done, value } = await reader.read()
    if (done) break
    bytes += value.byteLength
    hasher.update(value)
  }
  return { bytes, sha256: await hasher.digest() }
}

interface Hasher {
  update(chunk: Uint8Array): void
  digest(): Promise<string>
}

interface NodeCrypto {
  createHash(algorithm: 'sha256'): { update(data: Uint8Array): unknown; digest(encoding: 'hex'): string }
}

/** Streams into node:crypto where the runtime exposes it; otherwise buffers for Web Crypto, which cannot hash incrementally. */
function sha256(): Hasher {
  const runtime = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  const nodeCrypto = runtime.process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined
  if (nodeCrypto !== undefined) {
    const hash = nodeCrypto.createHash('sha256')
    return { update: (chunk) => void hash.update(chunk), digest: async () => hash.digest('hex') }
  }
  const chunks: Uint8Array<ArrayBuffer>[] = []
  return {
    update: (chunk) => void chunks.push(chunk.slice()),
    digest: async () => hex(new Uint8Array(await crypto.subtle.digest('SHA-256', await new Blob(chunks).arrayBuffer()))),
  }
}
