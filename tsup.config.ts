import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    browser: 'src/browser.ts',
    'node/index': 'src/node/index.ts',
    'compose/index': 'src/node/compose/index.ts',
    'node/cli': 'src/node/cli.ts',
    'node/proxy': 'src/node/proxy.ts',
    proxy: 'src/proxy.ts',
    webhooks: 'src/webhooks.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/node': 'src/testing/node.ts',
    'testing/msw': 'src/testing/msw.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  splitting: true,
  treeshake: true,
  clean: true,
  target: 'es2022',
  // zod's ESM entry re-exports every locale, about 90 modules that cost Node ~80 ms to import; bundled, only
  // the few schema kinds the SDK uses remain.
  noExternal: ['zod'],
})
