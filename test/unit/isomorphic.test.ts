import { build } from 'esbuild'
import { readdir, readFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = new URL('../../src/', import.meta.url).pathname
const ROOT = new URL('../../', import.meta.url).pathname

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)])),
  )
  return nested.flat().filter((path) => path.endsWith('.ts'))
}

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g

describe('the isomorphic core', () => {
  it('imports no Node built-in outside src/node', async () => {
    const offenders: string[] = []
    for (const path of await sourceFiles(SRC)) {
      if (relative(SRC, path).startsWith('node/')) continue
      for (const [, specifier] of (await readFile(path, 'utf8')).matchAll(SPECIFIER)) {
        if (builtins.has(specifier!) || specifier!.startsWith('node:')) offenders.push(`${relative(SRC, path)}: ${specifier}`)
      }
    }
    expect(offenders).toEqual([])
  })

  it.each(['index.ts', 'webhooks.ts', 'proxy.ts', 'testing/index.ts'])(
    'src/%s bundles for the browser with no externals and no errors',
    async (entry) => {
      const result = await build({
        entryPoints: [join(SRC, entry)],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        write: false,
        logLevel: 'silent',
      })
      expect(result.errors).toEqual([])
      expect(result.outputFiles[0]!.text).not.toMatch(/\brequire\(["']node:/)
    },
  )

  it('a page that imports only VideoBGRemoverClient bundles no probe, preflight or Video code', async () => {
    const result = await build({
      stdin: { contents: "export { VideoBGRemoverClient } from './browser'", resolveDir: SRC, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      absWorkingDir: ROOT,
      logLevel: 'silent',
    })
    // The metafile names inputs relative to absWorkingDir.
    const bundled = Object.keys(Object.values(result.metafile.outputs)[0]!.inputs).map((path) => relative(SRC, join(ROOT, path)))
    expect(bundled).toContain('client.ts')
    expect(bundled.filter((path) => /^(probe\/|preflight\.ts|submit\.ts|video\.ts)/.test(path))).toEqual([])
  })
})
