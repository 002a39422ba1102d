interface RuntimeGlobals {
  window?: { document?: unknown }
  navigator?: { userAgent?: string }
  Deno?: { version?: { deno?: string }; env?: { get(name: string): string | undefined } }
  process?: { versions?: Record<string, string | undefined>; env?: Record<string, string | undefined> }
}

const globals = globalThis as unknown as RuntimeGlobals

/** A page or a browser worker: no environment, no User-Agent header, keys must not be here. */
export function isBrowser(): boolean {
  return (
    (typeof globals.window === 'object' && typeof globals.window.document !== 'undefined') ||
    (typeof (globalThis as { importScripts?: unknown }).importScripts === 'function' && typeof globals.navigator === 'object')
  )
}

/** An environment variable where the runtime has an environment (never in a browser). */
export function readEnv(name: string): string | undefined {
  if (isBrowser()) return undefined
  try {
    return globals.Deno?.env?.get(name) ?? globals.process?.env?.[name]
  } catch {
    return undefined
  }
}

/** `node/20.20.2`, `bun/1.2.0`, `deno/2.1.0`, `workerd`, or undefined where unknown. */
export function runtimeName(): string | undefined {
  const versions = globals.process?.versions
  if (globals.Deno?.version?.deno) return `deno/${globals.Deno.version.deno}`
  if (versions?.bun) return `bun/${versions.bun}`
  if (globals.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd'
  if (versions?.node) return `node/${versions.node}`
  return undefined
}
