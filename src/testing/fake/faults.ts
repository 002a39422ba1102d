import { errorBody, json, requestId, type ErrorStyle } from './http'
import type { FakeEndpoint } from './routes'

/**
 * A failure `FakeApi.inject` makes a request meet instead of (or on top of) its normal response:
 * - `{ status, body?, headers? }`: that status at once, with `body` (text or JSON; by default the API's error body);
 * - `{ delayMs }`: the normal response, after `delayMs` milliseconds (abortable by the client);
 * - `{ drop }`: the connection reset before any response, after the request took effect, or halfway through the body;
 * - `{ truncate: true }`: the normal response ending cleanly after half its body, with a matching `Content-Length`;
 * - `{ html: true, status? }`: a proxy's HTML error page (default 502);
 * - `{ badSchema: true }`: a 200 whose JSON breaks the response schema.
 * Only `delayMs`, `truncate` and the `after-effect` and `mid-body` drops let the request take effect.
 */
export type FakeFault =
  | {
      /** The HTTP status to answer with, at once; the request takes no effect. */
      readonly status: number
      /** The body: text (sent as `text/plain`) or an object (sent as JSON). Default: the API's error body for `status`. */
      readonly body?: string | object
      /** Extra response headers, e.g. `{ 'Retry-After': '2' }`. */
      readonly headers?: Record<string, string>
    }
  | {
      /** Milliseconds to hold the normal response back; the client's abort or timeout ends the wait. */
      readonly delayMs: number
    }
  | {
      /**
       * When the connection resets: `before-response` (the request took no effect), `after-effect` (it did, but the
       * answer is lost: the case that must not charge twice) or `mid-body` (halfway through the response body).
       */
      readonly drop: 'before-response' | 'after-effect' | 'mid-body'
    }
  | {
      /** End the normal response cleanly after half its body, with a `Content-Length` that matches the half. */
      readonly truncate: true
    }
  | {
      /** Answer with a proxy's HTML error page instead of JSON. */
      readonly html: true
      /** The page's HTTP status. Default 502. */
      readonly status?: number
    }
  | {
      /** Answer 200 with JSON that breaks the endpoint's response schema (`{ "id": 123 }`). */
      readonly badSchema: true
    }

/** Thrown by `FakeApi.handle` (or raised by a response body) to tell an adapter to reset the connection. */
export class FakeConnectionDrop extends Error {
  /** Always `'FakeConnectionDrop'`. */
  override readonly name = 'FakeConnectionDrop'
}

/** Injected faults waiting for their requests, first injected first served. */
export class FaultQueue {
  private readonly queued: { endpoint: FakeEndpoint | '*'; fault: FakeFault; remaining: number }[] = []

  /** Queues `fault` for the next `times` requests to `endpoint` ('*' for any). */
  add(endpoint: FakeEndpoint | '*', fault: FakeFault, times: number): void {
    this.queued.push({ endpoint, fault, remaining: times })
  }

  /** The fault a request to `endpoint` meets, if any, used up by this request. */
  take(endpoint: FakeEndpoint): FakeFault | undefined {
    const index = this.queued.findIndex((queued) => queued.endpoint === endpoint || queued.endpoint === '*')
    const queued = this.queued[index]
    if (queued === undefined) return undefined
    queued.remaining -= 1
    if (queued.remaining <= 0) this.queued.splice(index, 1)
    return queued.fault
  }

  /** Drops every queued fault. */
  clear(): void {
    this.queued.length = 0
  }
}

/**
 * Answers `request` as `fault` says, calling `serve` for the normal response where the fault lets the request
 * through. `errorStyle` shapes the body of a `status` fault that brings none. Throws `FakeConnectionDrop` for the
 * drops that happen before a response.
 */
export async function applyFault(
  fault: FakeFault | undefined,
  request: Request,
  serve: () => Promise<Response>,
  errorStyle: ErrorStyle | undefined,
): Promise<Response> {
  if (fault === undefined) return serve()
  if ('delayMs' in fault) {
    await delay(fault.delayMs, request.signal)
    return serve()
  }
  if ('html' in fault) {
    const status = fault.status ?? 502
    const page = `<!DOCTYPE html><html><head><title>${status} Bad Gateway</title></head><body><h1>${status} Bad Gateway</h1></body></html>`
    return new Response(page, { status, headers: { 'Content-Type': 'text/html; charset=utf-8' } })
  }
  if ('status' in fault) {
    const body = fault.body ?? errorBody({ status: fault.status, error: `Injected ${fault.status} response` }, errorStyle, requestId())
    return typeof body === 'string'
      ? new Response(body, { status: fault.status, headers: { 'Content-Type': 'text/plain', ...fault.headers } })
      : json(fault.status, body, fault.headers)
  }
  if ('badSchema' in fault) return json(200, { id: 123 })
  if ('truncate' in fault) return cutBody(await serve(), false)
  switch (fault.drop) {
    case 'before-response':
      throw new FakeConnectionDrop('Connection reset before the response')
    case 'after-effect':
      await (await serve()).body?.cancel()
      throw new FakeConnectionDrop('Connection reset after the request took effect')
    case 'mid-body':
      return cutBody(await serve(), true)
  }
}

/** Passes the first half of the body on, then ends it cleanly (`fail` false) or errors it like a reset connection. */
function cutBody(response: Response, fail: boolean): Response {
  const keep = Math.floor(Number(response.headers.get('content-length') ?? 0) / 2)
  const headers = new Headers(response.headers)
  if (!fail) headers.set('Content-Length', String(keep))
  const reader = response.body?.getReader()
  let remaining = keep
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = reader !== undefined && remaining > 0 ? await reader.read() : undefined
      if (next?.value !== undefined) {
        const chunk = next.value.subarray(0, remaining)
        remaining -= chunk.byteLength
        controller.enqueue(chunk)
        return
      }
      await reader?.cancel()
      if (fail) controller.error(new FakeConnectionDrop('Connection reset mid-body'))
      else controller.close()
    },
    cancel: (reason) => reader?.cancel(reason),
  })
  return new Response(body, { status: response.status, headers })
}

/** Waits `ms` milliseconds; the request's own signal ends the wait, so an aborted client leaves no timer behind. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
