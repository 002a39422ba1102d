import { storageUrlRefused } from '../errors'

/**
 * The one policy for every storage URL the SDK is handed (signed uploads, results, and each redirect of a
 * download): they come from a server's answer, so they are untrusted input.
 * - `https:` only; `http:` only on loopback when the API itself is on loopback (a local fake), or anywhere when the
 *   client allows insecure http;
 * - never `data:`, `file:`, `blob:` or any other scheme, and never credentials in the URL;
 * - a host given as an IP address only when the API itself is on loopback: signed URLs name their storage host,
 *   and an address is how an answer would reach a machine's own services or a cloud's metadata endpoint.
 * Returns the URL to use, or throws `StorageError` (`storage_url_refused`) before anything is sent.
 */
export type StorageUrlPolicy = (url: string, jobId?: string) => string

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i
const IP_HOST = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i

export function storageUrlPolicy(apiBaseUrl: string, allowInsecureHttp = false): StorageUrlPolicy {
  const apiOnLoopback = LOOPBACK_HOST.test(new URL(apiBaseUrl).hostname)
  return (url, jobId) => {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw storageUrlRefused(url, 'it is not an absolute URL', jobId)
    }
    const local = apiOnLoopback && LOOPBACK_HOST.test(parsed.hostname)
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && (local || allowInsecureHttp))) {
      throw storageUrlRefused(url, `its scheme is ${parsed.protocol.replace(/:$/, '')}, and storage must be https`, jobId)
    }
    if (parsed.username || parsed.password) throw storageUrlRefused(url, 'it carries credentials', jobId)
    if (IP_HOST.test(parsed.hostname) && !apiOnLoopback) {
      throw storageUrlRefused(url, 'its host is an IP address, not a storage host name', jobId)
    }
    return parsed.href
  }
}
