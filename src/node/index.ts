import type { Dispatcher } from 'undici'
import { VideoBGRemoverClient as Client, type ClientOptions } from '../client'
import { nodePlatform, proxiedFetch } from './platform'

export * from '../index'

export interface NodeClientOptions extends ClientOptions {
  /**
   * An undici dispatcher for every request (API and storage). Without one, `HTTPS_PROXY`/`HTTP_PROXY` (and
   * `NO_PROXY`) are honoured when set.
   */
  dispatcher?: Dispatcher
}

/** The client, with Node's powers: file paths for `Video.open()`, `save()` for results, proxies. */
export class VideoBGRemoverClient extends Client {
  constructor(apiKey?: string, options: NodeClientOptions = {}) {
    const { dispatcher, ...rest } = options
    super(apiKey, { ...rest, fetch: rest.fetch ?? proxiedFetch(dispatcher) }, nodePlatform)
  }
}
