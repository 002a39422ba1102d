/**
 * The main entry point: the client, `Video`, the result (`Foreground`), the options and every error class. The same
 * API in every runtime; this reference shows Node's build, which adds file paths in `Video.open()`,
 * `foreground.save(path)`, proxy environment variables and a `dispatcher` option.
 *
 * @module @videobgremover/sdk
 */
import type { Dispatcher } from 'undici'
import { ClientBase, type ClientOptions } from '../client'
import { nodePlatform, proxiedFetch } from './platform'

export * from '../index'
export {
  doctor,
  ResponseRecorder,
  type CheckResult,
  type DoctorCheck,
  type DoctorCheckName,
  type DoctorOptions,
  type DoctorReport,
  type RecordedResponse,
} from './doctor/index'

/** The client's options in Node: those of every runtime, plus an undici `dispatcher`. */
export interface NodeClientOptions extends ClientOptions {
  /**
   * An undici dispatcher for every request (API and storage). Without one, `HTTPS_PROXY`/`HTTP_PROXY` (and
   * `NO_PROXY`) are honoured when set.
   */
  dispatcher?: Dispatcher
}

/** The client, with Node's powers: file paths for `Video.open()`, `save()` for results, proxies. */
export class VideoBGRemoverClient extends ClientBase {
  /**
   * @param apiKey your key (`vbr_` + 32 characters); default `VIDEOBGREMOVER_API_KEY`. Leave it out when `baseUrl` is
   *   your own backend that adds it.
   * @param options `baseUrl`, `timeout` (ms per attempt, default 60 000), `maxRetries` (default 2), `headers`,
   *   `fetch`, `logger`/`logLevel`, `rateLimit`, and in Node a `dispatcher`; see `NodeClientOptions`.
   * @throws ValidationError when there is no key for the vendor's API, or on a bad option.
   */
  constructor(apiKey?: string, options: NodeClientOptions = {}) {
    const { dispatcher, ...rest } = options
    super(apiKey, { ...rest, fetch: rest.fetch ?? proxiedFetch(dispatcher) }, nodePlatform)
  }
}
