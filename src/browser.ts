import { ClientBase, type ClientOptions } from './client'
import { browserPlatform } from './platform'

export * from './index'

/** The client for browser pages: uploads report progress through XMLHttpRequest; pacing is your backend's job. */
export class VideoBGRemoverClient extends ClientBase {
  /**
   * @param apiKey your key (`vbr_` + 32 characters); default `VIDEOBGREMOVER_API_KEY` where the runtime has an
   *   environment. Leave it out when `baseUrl` is your own backend that adds it.
   */
  constructor(apiKey?: string, options: ClientOptions = {}) {
    super(apiKey, options, browserPlatform)
  }
}
