import { ApiError } from '../errors'

const CODE_BY_STORAGE_CODE = new Map<string, [code: string, hint: string]>([
  ['ExpiredToken', ['url_expired', 'the signed URL has expired']],
  ['SignatureDoesNotMatch', ['signature_mismatch', 'the signature does not match (is Content-Type the one declared?)']],
])

/** An error from the storage host (signed upload or download), whose bodies are XML. */
export function storageError(status: number, text: string, jobId: string | undefined): ApiError {
  const [code, hint] = CODE_BY_STORAGE_CODE.get(/<Code>([^<]+)</.exec(text)?.[1] ?? '') ?? [
    status >= 500 ? 'storage_error' : 'storage_rejected',
    /<Message>([^<]+)</.exec(text)?.[1] ?? `status ${status}`,
  ]
  return new ApiError({ status, code, message: `Storage refused job ${jobId}'s transfer: ${hint}`, body: text, jobId })
}
