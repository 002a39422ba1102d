import { VideoBGRemoverClient as WebClient, type ClientOptions } from '../client'
import { nodePlatform } from './platform'

export * from '../index'

/** The client, with Node's powers: file paths for `Video.open()` and `save()` for results. */
export class VideoBGRemoverClient extends WebClient {
  constructor(apiKey?: string, options?: ClientOptions) {
    super(apiKey, options, nodePlatform)
  }
}
