export * from './classes'
export * from './factories'
export { errorFromResponse, type ErrorResponse } from './response'
