// Cold import: `node -e "import('@videobgremover/sdk')"` in a project that installed the packed tarball, vs
// `node -e ""`. Target: ≤ 40 ms above bare Node.
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildPackage, exec, median, recordSection, spread } from './lib'

const RUNS = Number(process.env.BENCH_RUNS ?? 15)

const pkg = await buildPackage()
const project = await mkdtemp(join(tmpdir(), 'vbr-bench-import-'))
try {
  const tarball = await pkg.pack(project)
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'cold-import', private: true, type: 'module' }))
  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: project })

  const env = { ...process.env }
  for (const name of ['NODE_OPTIONS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete env[name]
  const run = (code: string) => {
    const started = performance.now()
    const { status, stderr } = spawnSync(process.execPath, ['-e', code], { cwd: project, env })
    const ms = performance.now() - started
    if (status !== 0) throw new Error(`node -e ${JSON.stringify(code)} failed: ${stderr}`)
    return ms
  }
  const IMPORT = "import('@videobgremover/sdk')"
  // What resolves, so the table says which file was measured.
  const entry = spawnSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('@videobgremover/sdk'))"], { cwd: project, env })
    .stdout.toString().trim().replace(/^.*node_modules\//, '')

  // The SDK's one runtime dependency on its own, to show where the time goes.
  const ZOD = "import('zod/mini')"
  for (let i = 0; i < 3; i++) run(''), run(IMPORT), run(ZOD) // warm the file cache
  const bare: number[] = []
  const sdk: number[] = []
  const zod: number[] = []
  for (let i = 0; i < RUNS; i++) {
    bare.push(run(''))
    sdk.push(run(IMPORT))
    zod.push(run(ZOD))
  }
  const above = median(sdk) - median(bare)
  await recordSection(
    'Cold import',
    'node --import tsx bench/cold-import.ts',
    [
      {
        benchmark: `\`node -e "${IMPORT}"\` (${entry})`,
        ours: `${median(sdk).toFixed(1)} ms (${spread(sdk)})`,
        baseline: `\`node -e ""\` ${median(bare).toFixed(1)} ms (${spread(bare)})`,
        ratio: `+${above.toFixed(1)} ms`,
        target: '≤ +40 ms',
        pass: above <= 40,
      },
      {
        benchmark: `… of which \`${ZOD}\` alone (the installed zod)`,
        ours: `${median(zod).toFixed(1)} ms (${spread(zod)})`,
        baseline: `\`node -e ""\` ${median(bare).toFixed(1)} ms`,
        ratio: `+${(median(zod) - median(bare)).toFixed(1)} ms`,
        target: '—',
      },
    ],
    `Median of ${RUNS} runs each after 3 warm-ups, interleaving bare, SDK and zod; wall time of the whole process (spawn to exit). The package is built with tsup into a temporary directory, packed with \`npm pack\` and installed into a throwaway ESM project; no proxy variables are set, so undici is not loaded.`,
  )
} finally {
  await rm(project, { recursive: true, force: true })
  await pkg.remove()
}
