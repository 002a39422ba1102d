import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

export default defineConfig({
  resolve: {
    // The package's own name resolves to the sources, as in tsconfig's paths (examples import it like users do).
    alias: [
      { find: /^@videobgremover\/sdk$/, replacement: src('node/index.ts') },
      { find: /^@videobgremover\/sdk\/testing$/, replacement: src('testing/node.ts') },
      { find: /^@videobgremover\/sdk\/testing\/msw$/, replacement: src('testing/msw.ts') },
      { find: /^@videobgremover\/sdk\/webhooks$/, replacement: src('webhooks.ts') },
      { find: /^@videobgremover\/sdk\/compose$/, replacement: src('node/compose/index.ts') },
      { find: /^@videobgremover\/sdk\/proxy$/, replacement: src('node/proxy.ts') },
      { find: /^@videobgremover\/sdk\/batch$/, replacement: src('node/batch/index.ts') },
      { find: /^@videobgremover\/sdk\/redis$/, replacement: src('redis/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/build-cli.ts'],
    // A hang detector, not a budget: generous, so that a machine busy with other work does not fail the suite.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
