/** The shared test kit: constants, outcome helpers, msw and secret checks. */
export * from './constants'
export * from './msw'
export * from './outcomes'
export * from './secrets'
