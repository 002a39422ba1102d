// Installs the runtime matrix's engines (Node 22 and 24, Bun, Deno, workerd, playwright-core) into
// test/runtimes/node_modules on first use, and again whenever test/runtimes/package-lock.json changes, so that the
// root `npm ci` stays light.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'

const here = new URL('.', import.meta.url)
const lockHash = createHash('sha256')
  .update(readFileSync(new URL('package-lock.json', here)))
  .digest('hex')
const stamp = new URL('node_modules/.installed-from-lock', here)
let installed
try {
  installed = readFileSync(stamp, 'utf8')
} catch {}
if (installed !== lockHash) {
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: here, stdio: 'inherit' })
  writeFileSync(stamp, lockHash)
}
