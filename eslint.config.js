// ESLint with typescript-eslint for correctness, Prettier for layout (see .prettierrc.json): the well-kept pair, and
// light enough for the install budget (Biome's binary alone is ~96 MB). `npm run lint` checks both.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const SEAM =
  'The isomorphic core runs in browsers and workers: Node-only code goes under src/node/ and reaches users through the "node" export condition or a Node-only subpath.'

export default tseslint.config(
  { ignores: ['dist/', 'docs/', 'coverage/', '**/node_modules/', 'src/testing/fixtures/results.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // The isomorphic seam: no Node built-in, `process` or `Buffer` outside src/node/ (the fake API's Node server lives
    // there too).
    files: ['src/**/*.ts'],
    ignores: ['src/node/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: SEAM }] }],
      'no-restricted-globals': ['error', { name: 'process', message: SEAM }, { name: 'Buffer', message: SEAM }],
    },
  },
  {
    // Plain JavaScript: browser pages, runtime smokes and configs, which run in Node or a browser.
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
)
