// Cold import: `node -e "import('@videobgremover/sdk')"` in a project that installed the packed tarball, beside
// `node -e ""` and beside loading each peer (bench/peers.ts) from its own install. Targets: ≤ 40 ms above bare
// Node; faster than every peer.
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { buildPackage, exec, interleaved, median, recordSection, spread, type Row } from './lib'
import { PEER_NAMES, usePeers, type PeerName } from './peers'

const RUNS = Number(process.env.BENCH_RUNS ?? 15)

const peers = await usePeers()
const pkg = await buildPackage()
const project = await mkdtemp(join(tmpdir(), 'vbr-bench-import-'))
try {
  const tarball = await pkg.pack(project)
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'cold-import', private: true, type: 'module' }))
  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: project })

  const env = { ...process.env }
  for (const name of ['NODE_OPTIONS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete env[name]
  const run =
    (code: string, cwd = project) =>
    async () => {
      const started = performance.now()
      const { status, stderr } = spawnSync(process.execPath, ['-e', code], { cwd, env })
      const ms = performance.now() - started
      if (status !== 0) throw new Error(`node -e ${JSON.stringify(code)} failed: ${stderr}`)
      return ms
    }
  const IMPORT = "import('@videobgremover/sdk')"
  // What resolves, so the table says which file was measured.
  const entry = spawnSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('@videobgremover/sdk'))"], {
    cwd: project,
    env,
  })
    .stdout.toString()
    .trim()
    .replace(/^.*node_modules\//, '')
  // A peer with an ES module entry is imported, as our SDK is; a CommonJS-only one is required, as its users do.
  const load = (peer: PeerName) => (peers.esm(peer) ? `import('${peer}')` : `require('${peer}')`)

  const sides = {
    bare: run(''),
    sdk: run(IMPORT),
    ...Object.fromEntries(PEER_NAMES.map((peer) => [peer, run(load(peer), peers.dir)])),
    // And the CommonJS-only ones imported too, as an ES module user of them would.
    ...Object.fromEntries(
      PEER_NAMES.filter((peer) => !peers.esm(peer)).map((peer) => [`${peer} import`, run(`import('${peer}')`, peers.dir)]),
    ),
  } as Record<string, () => Promise<number>>
  await interleaved(sides, 3) // warm the file cache
  const results = await interleaved(sides, RUNS)
  const times = (side: string) => results[side]!
  const figure = (values: number[]) => `${median(values).toFixed(1)} ms (${spread(values)})`
  const bare = median(times('bare'))
  const above = median(times('sdk')) - bare
  const rows: Row[] = [
    {
      benchmark: `\`node -e "${IMPORT}"\` (${entry})`,
      ours: figure(times('sdk')),
      baseline: `\`node -e ""\` ${figure(times('bare'))}`,
      ratio: `+${above.toFixed(1)} ms`,
      target: '≤ +40 ms',
      pass: above <= 40,
    },
    ...PEER_NAMES.map((peer) => ({
      benchmark: `… beside \`node -e "${load(peer)}"\` (${peers.label(peer)}, ${relative(join(peers.dir, 'node_modules'), peers.entry(peer))})`,
      ours: `${median(times('sdk')).toFixed(1)} ms`,
      baseline: `${figure(times(peer))}, +${(median(times(peer)) - bare).toFixed(1)} ms${
        peers.esm(peer) ? '' : `; with \`import()\` ${figure(times(`${peer} import`))}`
      }`,
      ratio: `${(median(times('sdk')) / median(times(peer))).toFixed(2)}×`,
      target: 'faster',
      pass: median(times('sdk')) < median(times(peer)),
    })),
  ]
  await recordSection(
    'Cold import',
    'node --import tsx bench/cold-import.ts',
    rows,
    `Median of ${RUNS} rounds after 3 warm-up rounds, each round running bare Node, the SDK and every peer once, starting one further along; wall time of the whole process (spawn to exit). The package is built with tsup into a temporary directory, packed with \`npm pack\` and installed into a throwaway ESM project; the peers are installed from the npm registry into another at the exact versions shown. Peers with an ES module entry (${PEER_NAMES.filter(peers.esm).join(', ')}) are loaded with \`import()\`, as ours is; CommonJS-only ones (${PEER_NAMES.filter((peer) => !peers.esm(peer)).join(', ') || 'none'}) with \`require()\`, as their users do (their \`import()\` time is shown beside it); ours is compared with the \`require()\` figure. No proxy variables are set, so undici is not loaded; zod is bundled into the package (a devDependency), so nothing else is. ${peers.engineNote()}`.trimEnd(),
  )
} finally {
  await rm(project, { recursive: true, force: true })
  await pkg.remove()
  await peers.remove()
}
