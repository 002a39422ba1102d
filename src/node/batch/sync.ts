/**
 * The batch's small synchronisation tools: a counting semaphore with two priorities (`Slots`), a value that arrives
 * later (`deferred`), and a queue of results for one consumer (`Channel`). The starts' one-at-a-time turn is the
 * pipeline's own (`Pipeline.#inTurn`).
 */

/**
 * At most `size` holders at once; waiting `high` requests (downloads, whose signed URLs expire) go before `low` ones
 * (uploads), and each priority is served in order.
 */
export class Slots {
  #free: number
  readonly #waiting: { high: Waiter[]; low: Waiter[] } = { high: [], low: [] }

  /**
   * @param size how many may hold a slot at once.
   * @param signal rejects every waiter when it fires: one listener for all of them, however many wait (a thousand
   *   inputs queued would otherwise register a thousand).
   */
  constructor(size: number, signal: AbortSignal) {
    this.#free = size
    signal.addEventListener(
      'abort',
      () => {
        for (const waiter of [...this.#waiting.high.splice(0), ...this.#waiting.low.splice(0)]) waiter.reject(signal.reason)
      },
      { once: true },
    )
    this.#signal = signal
  }

  readonly #signal: AbortSignal

  /** Resolves once a slot is held; call the function it resolves to, once, to give it back. */
  async acquire(priority: 'high' | 'low' = 'low'): Promise<() => void> {
    if (this.#signal.aborted) throw this.#signal.reason
    if (this.#free > 0 && this.#waiting.high.length + this.#waiting.low.length === 0) this.#free--
    else await new Promise<void>((resolve, reject) => this.#waiting[priority].push({ resolve, reject }))
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.#waiting.high.shift() ?? this.#waiting.low.shift()
      if (next) next.resolve()
      else this.#free++
    }
  }
}

interface Waiter {
  resolve(): void
  reject(reason: unknown): void
}

/** A value that arrives later, to be waited for by anyone. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((yes, no) => {
    resolve = yes
    reject = no
  })
  return { promise, resolve, reject }
}

/** Values pushed by producers, pulled in order by one consumer; `end()` closes it, `fail()` makes the next pull throw. */
export class Channel<T> {
  readonly #values: T[] = []
  #wake: (() => void) | undefined
  #ended = false
  #error: { error: unknown } | undefined

  push(value: T): void {
    this.#values.push(value)
    this.#wake?.()
  }

  end(): void {
    this.#ended = true
    this.#wake?.()
  }

  fail(error: unknown): void {
    this.#error ??= { error }
    this.#wake?.()
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.#values.length > 0) {
        yield this.#values.shift()!
        continue
      }
      if (this.#error) throw this.#error.error
      if (this.#ended) return
      await new Promise<void>((resolve) => (this.#wake = resolve))
      this.#wake = undefined
    }
  }
}
