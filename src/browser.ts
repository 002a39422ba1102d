import { ClientBase, type ClientOptions } from './client'
import { browserPlatform } from './platform'

export * from './index'

/** The client for browser pages: uploads report progress through XMLHttpRequest; pacing is your backend's job. */
export class VideoBGRemoverClient extends ClientBase {
  /**
   * @param apiKey your key (`vbr_` + 32 characters); default `VIDEOBGREMOVER_API_KEY` where the runtime has an
   *   environment. Leave it out when `baseUrl` is your own backend that adds it.
   * @param options `baseUrl`, `timeout` (ms per attempt, default 60 000), `maxRetries` (default 2), `headers`,
   *   `fetch`, `logger`/`logLevel`, `rateLimit`; see `ClientOptions`.
   * @throws ValidationError when there is no key for the vendor's API, on a bad option, or for a key in a browser
   *   without `dangerouslyAllowBrowser`.
   */
  constructor(apiKey?: string, options: ClientOptions = {}) {
    super(apiKey, options, browserPlatform)
  }
}
