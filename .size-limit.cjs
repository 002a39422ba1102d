// Bundle budgets, checked by `npm test` (size-limit). Measured by bundling dist/ as a user's bundler would.

/**
 * esbuild warns that dist's entries import their shared chunks bare while package.json says 'sideEffects': false.
 * Those imports only fix the order chunks load in; a user's bundler, reading the package from node_modules, does
 * not warn about them, so the warning is noise here.
 */
const quiet = (config) => ({ ...config, logOverride: { ...config.logOverride, 'ignored-bare-import': 'silent' } })

// The container probe (about 4 kB of the budgets below) is reachable only from Video: removeBackground and submit
// probe the video for the credit preflight, on by default. Importing the client alone keeps it out, which the
// "alone" budget holds; that one grew by Job and Foreground (client.job(id).result()), not by the probe.
module.exports = [
  {
    name: 'browser: VideoBGRemoverClient alone',
    path: 'dist/browser.js',
    import: '{ VideoBGRemoverClient }',
    limit: '18 KB',
    gzip: true,
    modifyEsbuildConfig: quiet,
  },
  {
    name: 'browser: VideoBGRemoverClient + Video',
    path: 'dist/browser.js',
    import: '{ VideoBGRemoverClient, Video }',
    limit: '24 KB',
    gzip: true,
    modifyEsbuildConfig: quiet,
  },
  {
    name: 'browser: whole main entry',
    path: 'dist/browser.js',
    import: '*',
    limit: '25 KB',
    gzip: true,
    modifyEsbuildConfig: quiet,
  },
  {
    name: 'workers and other web runtimes: whole main entry',
    path: 'dist/index.js',
    import: '*',
    // +0.3 KB for rateLimit.store: the pacer counts in a store (a Worker can share one key's budget through its own),
    // and names the budget by a SHA-256 of the key. Browsers hold no key and no pacer: their budgets did not move.
    limit: '25.5 KB',
    gzip: true,
    modifyEsbuildConfig: quiet,
  },
  {
    name: '@videobgremover/sdk/webhooks',
    path: 'dist/webhooks.js',
    import: '*',
    limit: '3 KB',
    gzip: true,
    modifyEsbuildConfig: quiet,
  },
]
