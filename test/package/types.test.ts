/**
 * The published types stand alone: the packed tarball is installed into strict consumer projects (skipLibCheck
 * off) and type-checked with TypeScript 5.4, 5.9 and 6.0: a Node-only project (no DOM), a browser project (no
 * @types/node) and a project that uses the msw handlers. Projects and compilers come from the npm registry (the
 * npm cache after the first run), into a temporary directory with no node_modules above it.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packedTarball, ROOT } from './pack'

const exec = promisify(execFile)
const COMPILERS = { '5.4': '5.4.5', '5.9': '5.9.3', '6.0': '6.0.3' } as const
const STRICT = { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', exactOptionalPropertyTypes: true }

interface Consumer {
  file: string
  dependencies: string[]
  compilerOptions: Record<string, unknown>
  /** The TypeScript versions to check with (default: all of COMPILERS). */
  compilers?: readonly (keyof typeof COMPILERS)[]
}

const CONSUMERS: Record<string, Consumer> = {
  'Node-only': {
    file: 'node.ts',
    dependencies: ['@types/node@^20.19.0'],
    compilerOptions: { ...STRICT, lib: ['ES2022'], types: ['node'], module: 'nodenext', moduleResolution: 'nodenext' },
  },
  browser: {
    file: 'browser.ts',
    dependencies: [],
    compilerOptions: {
      ...STRICT,
      lib: ['ES2022', 'DOM'],
      types: [],
      module: 'esnext',
      moduleResolution: 'bundler',
      customConditions: ['browser'],
    },
  },
  'msw handlers': {
    file: 'msw.ts',
    dependencies: ['@types/node@^20.19.0', 'msw@^2.15.0'],
    // Only the import paths are at stake here; the compiler range is covered by the other two.
    compilers: ['6.0'],
    compilerOptions: { ...STRICT, lib: ['ES2022', 'DOM'], types: ['node'], module: 'nodenext', moduleResolution: 'nodenext' },
  },
}

let dir: string

const npmInstall = (cwd: string, packages: string[]) =>
  exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...packages], { cwd })

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vbr-types-'))
  const tarball = await packedTarball(dir)
  const compilers = join(dir, 'compilers')
  await mkdir(compilers)
  await writeFile(join(compilers, 'package.json'), '{"private":true}')
  await Promise.all([
    npmInstall(
      compilers,
      Object.entries(COMPILERS).map(([name, version]) => `typescript-${name}@npm:typescript@${version}`),
    ),
    ...Object.entries(CONSUMERS).map(async ([name, consumer]) => {
      const project = join(dir, name)
      await mkdir(project)
      await writeFile(join(project, 'package.json'), JSON.stringify({ private: true, type: 'module' }))
      await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: consumer.compilerOptions, files: [consumer.file] }))
      await copyFile(join(ROOT, 'test/package/consumers', consumer.file), join(project, consumer.file))
      await npmInstall(project, [tarball, ...consumer.dependencies])
    }),
  ])
}, 300_000)
afterAll(() => rm(dir, { recursive: true, force: true }))

// Type-checking @types/node with skipLibCheck off takes a while, the more so on a busy machine.
describe.concurrent.each(Object.entries(CONSUMERS))('a strict %s consumer', (name, consumer) => {
  it.each(consumer.compilers ?? Object.keys(COMPILERS))(
    'type-checks the published types with TypeScript %s',
    { timeout: 600_000 },
    async (version) => {
      const tsc = join(dir, 'compilers/node_modules', `typescript-${version}`, 'bin/tsc')
      const run = await exec(process.execPath, [tsc, '-p', join(dir, name)]).catch((error: { stdout?: string }) => error)
      expect('stdout' in run ? run.stdout : '').toBe('')
    },
  )
})
