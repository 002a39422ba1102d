export * from '../proxy'
export { toNodeListener, type FetchHandler, type NodeListenerOptions } from './listener'
