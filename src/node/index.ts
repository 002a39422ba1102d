import type { Dispatcher } from 'undici'
import { ClientBase, type ClientOptions } from '../client'
import { nodePlatform, proxiedFetch } from './platform'

export * from '../index'

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
   */
  constructor(apiKey?: string, options: NodeClientOptions = {}) {
    const { dispatcher, ...rest } = options
    super(apiKey, { ...rest, fetch: rest.fetch ?? proxiedFetch(dispatcher) }, nodePlatform)
  }
}
