import { storageUrlRefused } from '../errors'

/**
 * The one policy for every storage URL the SDK is handed (signed uploads, results, and each redirect of a
 * download): they come from a server's answer, so they are untrusted input.
 * - `https:` only, or `http:` with `allowInsecureHttp`;
 * - never `data:`, `file:`, `blob:` or any other scheme, and never credentials in the URL;
 * - never a host given as an IP address, nor `localhost`, `*.localhost`, `*.local` or `*.internal`: signed URLs
 *   name their storage host, and such a host is how an answer would reach a machine's own services or a cloud's
 *   metadata endpoint (a name that a DNS server points at such an address is not caught: the SDK does not resolve).
 * The one exception is loopback storage (any scheme) for an API that is itself on loopback: a local fake API, or a
 * development backend, with its storage on the same machine. Returns the URL to use, or throws `StorageError`
 * (`storage_url_refused`) before anything is sent.
 */
export type StorageUrlPolicy = (url: string, jobId?: string) => string

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i
const LOCAL_HOST = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]|localhost|.*\.(?:localhost|local|internal))\.?$/i

export function storageUrlPolicy(apiBaseUrl: string, allowInsecureHttp = false): StorageUrlPolicy {
  const apiOnLoopback = LOOPBACK_HOST.test(new URL(apiBaseUrl).hostname)
  return (url, jobId) => {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw storageUrlRefused(url, 'it is not an absolute URL', jobId)
    }
    if (apiOnLoopback && LOOPBACK_HOST.test(parsed.hostname) && !parsed.username && !parsed.password) return parsed.href
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && allowInsecureHttp)) {
      throw storageUrlRefused(url, `its scheme is ${parsed.protocol.replace(/:$/, '')}, and storage must be https`, jobId)
    }
    if (parsed.username || parsed.password) throw storageUrlRefused(url, 'it carries credentials', jobId)
    if (LOCAL_HOST.test(parsed.hostname)) {
      throw storageUrlRefused(url, 'its host is an address or a local name, not a storage host', jobId)
    }
    return parsed.href
  }
}
