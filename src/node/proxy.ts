/**
 * A server route that lets a browser use the API without the key: `createProxyHandler`, and in Node
 * `toNodeListener` to serve it from `node:http`.
 *
 * @module @videobgremover/sdk/proxy
 */
export * from '../proxy'
export { toNodeListener, type FetchHandler, type NodeListenerOptions } from './listener'
