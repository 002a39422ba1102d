// The libraries a user would pick instead of this SDK, installed from the npm registry at bench time into a
// throwaway project of their own (never dependencies of this package), at exact versions the tables print.
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { exec } from './lib'

/**
 * axios is what the vendor's own Node SDK is built on; openai (Stainless), replicate and @fal-ai/client are the
 * generic clients of other hosted-model APIs. Exact versions, so a later run compares like with like.
 */
export const PEER_VERSIONS = {
  axios: '1.21.1',
  openai: '7.59.0',
  replicate: '1.4.0',
  '@fal-ai/client': '1.10.1',
} as const
export type PeerName = keyof typeof PEER_VERSIONS
export const PEER_NAMES = Object.keys(PEER_VERSIONS) as PeerName[]

/** Set by bench/run.ts, so the benchmarks of one run share one install. */
const SHARED_DIR = 'VBR_BENCH_PEERS_DIR'

export interface Peers {
  /** The throwaway project; its node_modules holds the peers. */
  dir: string
  /** `axios 1.21.1`: how a table names a peer. */
  label(name: PeerName): string
  /** The file `import(name)` resolves to from `dir`, absolute. */
  entry(name: PeerName): string
  /** Whether the package has an ES module entry (else it is CommonJS only, and a CommonJS user would `require` it). */
  esm(name: PeerName): boolean
  /** The peer's module namespace, as `import(name)` gives it. */
  load(name: PeerName): Promise<any>
  /** A sentence naming the peers whose declared `engines.node` this Node is below, or '' when there is none. */
  engineNote(): string
  /** Deletes the project, unless it belongs to the whole run. */
  remove(): Promise<void>
}

/** Installs every peer into a new temporary project; resolves to its directory. */
export async function installPeers(): Promise<string> {
  // Its own package.json, so npm installs there and not into a node_modules of some parent directory.
  const dir = await mkdtemp(join(tmpdir(), 'vbr-bench-peers-'))
  if (!relative(fileURLToPath(new URL('..', import.meta.url)), dir).startsWith('..')) throw new Error(`${dir} is inside the repository`)
  try {
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'vbr-bench-peers', private: true }))
    const specs = PEER_NAMES.map((name) => `${name}@${PEER_VERSIONS[name]}`)
    await exec('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--prefer-offline', '--save-exact', ...specs], { cwd: dir })
    for (const name of PEER_NAMES) {
      const { version } = JSON.parse(await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8'))
      if (version !== PEER_VERSIONS[name]) throw new Error(`${name}: installed ${version}, pinned ${PEER_VERSIONS[name]}`)
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return dir
}

/** The run's peers (see bench/run.ts), or a fresh install of them when a benchmark runs alone. */
export async function usePeers(): Promise<Peers> {
  const shared = process.env[SHARED_DIR]
  const dir = shared ?? (await installPeers())
  // Resolved by Node itself, from the project, with the conditions an ES module importing it would use.
  const resolver = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      'for (const name of JSON.parse(process.argv[1])) console.log(import.meta.resolve(name))',
      JSON.stringify(PEER_NAMES),
    ],
    { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } },
  )
  if (resolver.status !== 0) throw new Error(`resolving the peers failed: ${resolver.stderr}`)
  const entries = new Map(
    resolver.stdout
      .toString()
      .trim()
      .split('\n')
      .map((url, i) => [PEER_NAMES[i]!, fileURLToPath(url)]),
  )
  const manifests = new Map<PeerName, { type?: string; engines?: { node?: string } }>()
  for (const name of PEER_NAMES) manifests.set(name, JSON.parse(await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8')))
  // Only the `>=N` form is read: it is what these peers declare.
  const below = PEER_NAMES.filter(
    (name) => Number(process.versions.node.split('.')[0]) < Number(/^>=\s*(\d+)/.exec(manifests.get(name)!.engines?.node ?? '')?.[1] ?? 0),
  )
  return {
    dir,
    label: (name) => `${name} ${PEER_VERSIONS[name]}`,
    entry: (name) => entries.get(name)!,
    esm: (name) => entries.get(name)!.endsWith('.mjs') || (entries.get(name)!.endsWith('.js') && manifests.get(name)!.type === 'module'),
    engineNote: () =>
      below.length
        ? `${below.map((name) => `${name} ${PEER_VERSIONS[name]} declares Node ${manifests.get(name)!.engines!.node}`).join('; ')}: this Node (${process.versions.node}) is below that, so it runs here outside its declared range (it loads, and its calls here succeed).`
        : '',
    load: (name) => import(pathToFileURL(entries.get(name)!).href),
    remove: () => (shared ? Promise.resolve() : rm(dir, { recursive: true, force: true })),
  }
}

/** The environment that makes a child process's `usePeers()` use these peers rather than install its own. */
export const peersEnv = (peers: Peers) => ({ [SHARED_DIR]: peers.dir })

/** Runs `body` with the peers installed once for it (and for every benchmark it starts), then removes them. */
export async function withSharedPeers<T>(body: () => Promise<T>): Promise<T> {
  const dir = await installPeers()
  process.env[SHARED_DIR] = dir
  try {
    return await body()
  } finally {
    delete process.env[SHARED_DIR]
    await rm(dir, { recursive: true, force: true })
  }
}
