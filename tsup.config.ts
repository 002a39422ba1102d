import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    browser: 'src/browser.ts',
    'node/index': 'src/node/index.ts',
    'compose/index': 'src/node/compose/index.ts',
    'node/cli': 'src/node/cli.ts',
    'node/proxy': 'src/node/proxy.ts',
    'node/batch': 'src/node/batch/index.ts',
    redis: 'src/redis/index.ts',
    proxy: 'src/proxy.ts',
    webhooks: 'src/webhooks.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/node': 'src/testing/node.ts',
    'testing/msw': 'src/testing/msw.ts',
  },
  format: ['esm', 'cjs'],
  // Internals (marked @internal, e.g. the platform a client is built with) stay out of the published types.
  dts: { compilerOptions: { stripInternal: true } },
  splitting: true,
  treeshake: true,
  clean: true,
  // Errors still print; the file-by-file size list is noise in a passing `npm test` (size-limit checks the sizes).
  silent: true,
  target: 'es2022',
  // zod is a devDependency, so it is bundled: only the few schema kinds the SDK uses remain, users install nothing
  // for it, and Node does not import zod's ~90 locale modules (about 80 ms) at startup.
})
