/** A browser PUT through XMLHttpRequest, the one browser API that reports upload progress. */
export function xhrUpload(
  url: string,
  body: Blob,
  headers: Record<string, string>,
  onProgress: (loaded: number) => void,
  signal: AbortSignal,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const xhr = new XMLHttpRequest()
    const onAbort = () => xhr.abort()
    const settle = () => signal.removeEventListener('abort', onAbort)
    xhr.open('PUT', url)
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = (event) => onProgress(event.loaded)
    xhr.onload = () => {
      settle()
      resolve({ status: xhr.status, text: xhr.responseText })
    }
    xhr.onerror = () => {
      settle()
      reject(new TypeError('network error'))
    }
    xhr.onabort = () => {
      settle()
      reject(signal.reason ?? new TypeError('aborted'))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    xhr.send(body)
  })
}
