import { execFile } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const exec = promisify(execFile)
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Packs the package into `destination` and returns the tarball's path. `npm test` builds before the tests; run
 * alone, a test that needs the package builds it first.
 */
export async function packedTarball(destination: string): Promise<string> {
  if (!(await stat(join(ROOT, 'dist/index.d.ts')).catch(() => undefined))) await exec('npm', ['run', 'build'], { cwd: ROOT })
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', destination], { cwd: ROOT })
  return join(destination, (JSON.parse(stdout) as [{ filename: string }])[0].filename)
}
