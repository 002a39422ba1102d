/**
 * The one Redis command the stores use: `EVAL`, as ioredis spells it (`redis.eval(script, numKeys, ...keysAndArgs)`).
 * An ioredis `Redis` or `Cluster` fits as it is; for another client, wrap its EVAL in this shape.
 */
export interface RedisEval {
  /**
   * Runs `script` atomically with `numKeys` keys followed by the arguments, resolving to its reply.
   *
   * @param script the Lua script.
   * @param numKeys how many of the following values are keys.
   * @param keysAndArgs the keys, then the arguments.
   */
  eval(script: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>
}

/** A key prefix in braces, so that every key of one store falls in one Redis Cluster slot (scripts need that). */
export function slotted(prefix: string): string {
  return `{${prefix}}`
}
