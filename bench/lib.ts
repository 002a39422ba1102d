import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { copyFile, mkdtemp, open, writeFile, readFile, rm, symlink } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createInterface } from 'node:readline'

/** Starts bench/serve-fake.ts in a child process; resolves to its URL and a stop function. */
export async function fakeServerProcess(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./serve-fake.ts', import.meta.url).pathname], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const [url] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string]
  return {
    url,
    async stop() {
      child.stdin!.end()
      await once(child, 'exit')
    },
  }
}

export const exec = promisify(execFile)
const root = new URL('..', import.meta.url).pathname

/**
 * Builds the package (tsup, as `npm run build` does) into a temporary directory rather than ./dist, so a build
 * running at the same time in the repository cannot change it underneath; `pack()` makes its npm tarball.
 */
export async function buildPackage() {
  const dir = await mkdtemp(join(tmpdir(), 'vbr-bench-pkg-'))
  try {
    await exec('npx', ['tsup', '--out-dir', join(dir, 'dist')], { cwd: root, maxBuffer: 1 << 26 })
    for (const file of ['package.json', 'README.md', 'CHANGELOG.md', '.size-limit.cjs']) await copyFile(join(root, file), join(dir, file))
    await symlink(join(root, 'node_modules'), join(dir, 'node_modules'))
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return {
    dir,
    async pack(destination: string): Promise<string> {
      const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', destination], { cwd: dir })
      return join(destination, JSON.parse(stdout)[0].filename)
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}

/** Writes `size` bytes of a repeating non-zero pattern to `path`, a megabyte at a time. */
export async function makeFile(path: string, size: number): Promise<void> {
  const chunk = new Uint8Array(1024 * 1024).map((_, i) => (i * 31 + 7) % 251)
  const file = await open(path, 'w')
  try {
    for (let written = 0; written < size; written += chunk.length) {
      await file.write(chunk, 0, Math.min(chunk.length, size - written))
    }
  } finally {
    await file.close()
  }
}

/**
 * Samples this process's RSS every 10 ms while `run` goes; returns its result and the peak growth in bytes. The
 * baseline is taken after garbage collection has settled: V8 returns a dead ArrayBuffer's memory on a later task,
 * not within gc(), so a previous run's 1 GiB Buffer could otherwise still be in it (and hide this run's own).
 */
export async function withPeakRss<T>(run: () => Promise<T>): Promise<{ result: T; peakGrowth: number }> {
  for (let i = 0; i < 2; i++) {
    globalThis.gc?.()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const before = process.memoryUsage.rss()
  let peak = before
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 10)
  try {
    const result = await run()
    peak = Math.max(peak, process.memoryUsage.rss())
    return { result, peakGrowth: peak - before }
  } finally {
    clearInterval(timer)
  }
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export const spread = (values: number[]) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`

/**
 * Runs every side once per round, `rounds` times, starting each round one side further along, so drift on a shared
 * machine (another process waking up, the CPU clocking down) falls on all sides alike. Returns each side's results.
 */
export async function interleaved<K extends string, T>(sides: Record<K, () => Promise<T>>, rounds: number): Promise<Record<K, T[]>> {
  const names = Object.keys(sides) as K[]
  const results = Object.fromEntries(names.map((name) => [name, [] as T[]])) as Record<K, T[]>
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!
      results[name].push(await sides[name]())
    }
  }
  return results
}

export const mb = (bytes: number) => bytes / (1024 * 1024)

export interface Row {
  benchmark: string
  ours: string
  baseline: string
  ratio: string
  target: string
  /** Undefined for an informative row without a target. */
  pass?: boolean
}

/**
 * Replaces the section `name` of BENCHMARKS.md with a table of `rows`, stamped with the date, the machine, its
 * 1-minute load average (how busy it was) and the command, leaving the other sections as they are.
 */
export async function recordSection(name: string, command: string, rows: Row[], notes = ''): Promise<void> {
  const path = new URL('../BENCHMARKS.md', import.meta.url)
  const existing = await readFile(path, 'utf8').catch(
    () => '# Benchmarks\n\nRatios are measured side by side in one run; `npm run bench` rewrites each section.\n',
  )
  const table = [
    `## ${name}`,
    '',
    `${new Date().toISOString().slice(0, 10)} · ${availableParallelism()} cores · load average ${loadavg()[0]!.toFixed(1)} · Node ${process.versions.node} · \`${command}\``,
    '',
    '| benchmark | ours | baseline | ratio | target | |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.benchmark} | ${r.ours} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.pass === undefined ? '' : r.pass ? 'pass' : 'FAIL'} |`,
    ),
    ...(notes ? ['', notes] : []),
    '',
  ].join('\n')
  const pattern = new RegExp(`## ${name}\\n[\\s\\S]*?(?=\\n## |$)`)
  const next = pattern.test(existing) ? existing.replace(pattern, table.trimEnd() + '\n') : `${existing.trimEnd()}\n\n${table}`
  await writeFile(path, next)
  console.log(table)
}
