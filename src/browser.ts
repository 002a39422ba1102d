import { VideoBGRemoverClient as Client, type ClientOptions } from './client'
import { browserPlatform } from './platform'

export * from './index'

/** The client for browser pages: uploads report progress through XMLHttpRequest; pacing is your backend's job. */
export class VideoBGRemoverClient extends Client {
  constructor(apiKey?: string, options: ClientOptions = {}) {
    super(apiKey, options, browserPlatform)
  }
}
