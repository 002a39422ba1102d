/** The error `promise` rejects with; the test fails if it resolves. */
export async function rejection<T = Error>(promise: Promise<unknown>): Promise<T> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`)
    },
    (error: T) => error,
  )
}

/** The error `run` throws, whether at once or later; the test fails if it succeeds. */
export async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  throw new Error('expected a failure, but it succeeded')
}

/** Resolves once `condition` holds, checked every millisecond; the test's timeout catches one that never does. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1))
}

/** Timers keeping the event loop alive: a call that settled must leave none behind. */
export const activeTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
