import { ApiError } from '../errors'

const CODE_BY_STORAGE_CODE = new Map([
  ['ExpiredToken', 'url_expired'],
  ['SignatureDoesNotMatch', 'signature_mismatch'],
])

/** An error from the storage host (signed upload or download), whose bodies are XML. */
export function storageError(status: number, text: string, jobId: string | undefined): ApiError {
  const storageCode = /<Code>([^<]+)<\/Code>/.exec(text)?.[1]
  const detail = /<Message>([^<]+)<\/Message>/.exec(text)?.[1]
  const code = CODE_BY_STORAGE_CODE.get(storageCode ?? '') ?? (status >= 500 ? 'storage_error' : 'storage_rejected')
  const hint =
    code === 'url_expired'
      ? 'the signed URL has expired'
      : code === 'signature_mismatch'
        ? 'the signature does not match: the Content-Type must equal the one declared when the job was created'
        : `storage answered ${status}`
  return new ApiError({
    status,
    code,
    message: `Storage refused the transfer for job ${jobId ?? '(unknown)'}: ${hint}${detail ? ` (${detail})` : ''}`,
    body: text,
    jobId,
  })
}
