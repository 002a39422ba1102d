/**
 * vitest globalSetup: bundles the `vbr` CLI from the sources once per run, so that each spawned `vbr` starts a plain
 * Node process on one ready file instead of compiling TypeScript again (that compile is what made CLI tests slow and
 * flaky on a busy machine). Tests read the path from `inject('cliPath')`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bundled CLI: run it as `node <cliPath> …`. */
    cliPath: string
  }
}

const root = fileURLToPath(new URL('../..', import.meta.url))

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Inside node_modules, so that the bundle finds the package's dependencies (zod, undici) as an install would.
  const dir = await mkdtemp(join(root, 'node_modules', '.vbr-cli-'))
  const cliPath = join(dir, 'vbr.mjs')
  await build({
    entryPoints: [join(root, 'src/node/cli.ts')],
    outfile: cliPath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  })
  project.provide('cliPath', cliPath)
  return () => rm(dir, { recursive: true, force: true })
}
