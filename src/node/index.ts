/**
 * The main entry point: the client, `Video`, the result (`Foreground`), the options and every error class. The same
 * API in every runtime; this reference shows Node's build, which adds file paths in `Video.open()`,
 * `foreground.save(path)`, proxy environment variables and a `dispatcher` option.
 *
 * @module @videobgremover/sdk
 */
import type { Dispatcher } from 'undici'
import { ClientBase, type ClientOptions } from '../client'
import { describeSource, type OpenOptions, type VideoSource } from '../transfer/source'
import { VideoBase } from '../video'
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

/** A video to process: a file path, a Blob or File, bytes, a stream or an http(s) URL. */
export class Video extends VideoBase {
  /**
   * A video to process, from a file path (Node, Bun, Deno), an `http(s)` URL (the API downloads it), a `File` or
   * `Blob`, bytes, or a `ReadableStream` with `{ size }`. Checks the source at once; a file's size is read when
   * `removeBackground` or `probe` runs. Nothing is sent yet.
   *
   * @throws ValidationError for an unknown kind of source, a content type other than MP4, MOV or WebM (from the file
   *   name or `contentType`), an empty input, one over `maxSize` (1 GB by default), or a stream without `size`.
   */
  static open(source: VideoSource, options?: OpenOptions): Video {
    return new Video(describeSource(source, options), nodePlatform)
  }
}

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
