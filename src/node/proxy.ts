export * from '../proxy'
export { toNodeListener, type FetchHandler } from './listener'
