/**
 * The layering check (`npm run lint:layers`, part of `npm test`). Rules in words: README.md "Layers" and
 * docs/adr/0009-layers.md. Imports point down only:
 *
 *   transports    src/main/electron  src/web  src/cli     thin adapters over the host
 *   host          src/main/host                            composition root (capabilities.ts)
 *   capabilities  src/main/<any other folder>              data engine strategy memory backtest swarm metrics search ...
 *   platform      src/main/platform                        SQLite opening, workspace paths, Capability/Handler types
 *   shared        src/shared                               contract, errors, numerics (the renderer imports it too)
 *   renderer      src/renderer   preload  src/preload      separate bundles: src/shared only (+ electron in the preload)
 *
 * Every folder under src/main/ other than electron, host and platform is a capability, so a new capability
 * folder is covered without editing this file. A capability's declared interface is its `index.ts`.
 * Type-only imports count (tsPreCompilationDeps): a type import is still a dependency on that layer.
 * Tests (`*.test.ts`, `test/` and `testing/` folders) are exempt from the capability rules only.
 * Folder-level cycles between capabilities are checked by .dependency-cruiser.folders.cjs (second run).
 */

// Path patterns (regular expressions over paths relative to the repo root).
const CAPABILITY = '^src/main/(?!(?:electron|host|platform)/)([^/]+)/'; // group 1: the capability's folder name
const CAPABILITY_INDEX = '^src/main/[^/]+/index\\.ts$';
const TRANSPORT = '^src/(?:main/electron|web|cli)/';
const TESTS = '\\.test\\.ts$|/test/|/testing/';
const ELECTRON = '^(?:node_modules/)?(?:electron|@electron/[^/]+)(?:/|$)';

module.exports = {
  forbidden: [
    {
      name: 'not-in-a-layer',
      comment: 'Every source file belongs to a layer: put it under src/main/<layer or capability>/, src/shared, src/renderer, src/preload, src/cli or src/web.',
      severity: 'error',
      from: { path: '^src/(?!(?:main|shared|renderer|preload|cli|web)/)|^src/main/[^/]+$' },
      to: {},
    },
    {
      name: 'no-electron-outside-electron-transport',
      comment: 'Only the Electron transport (src/main/electron) and the preload import electron, so the core runs headless (CLI, browser host, tests). Applies to tests too.',
      severity: 'error',
      from: { pathNot: '^src/(?:main/electron|preload)/' },
      to: { path: ELECTRON },
    },
    {
      name: 'shared-imports-only-shared',
      comment: 'src/shared is the bottom layer, bundled into the renderer as well: it imports nothing else from the repo.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^(?!src/shared/)(?:src|bench)/' },
    },
    {
      name: 'shared-no-node-builtins',
      comment: 'src/shared runs in the renderer (a browser): no node: builtins.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'platform-imports-only-shared',
      comment: 'The platform layer (SQLite opening, workspace paths, Capability/Handler types) sits below the capabilities: it imports src/shared, npm packages and node builtins only.',
      severity: 'error',
      from: { path: '^src/main/platform/' },
      to: { path: '^(?!src/(?:shared|main/platform)/)(?:src|bench)/' },
    },
    {
      name: 'capability-not-upward',
      comment: 'A capability never imports the host, a transport, the renderer or the preload (it is handed what it needs). Tests may drive their capability through the host or the CLI.',
      severity: 'error',
      from: { path: CAPABILITY, pathNot: TESTS },
      to: { path: '^src/(?:main/(?:electron|host)|web|cli|renderer|preload)/' },
    },
    {
      name: 'host-not-upward',
      comment: 'The host (composition root) never imports a transport, the renderer or the preload: transports depend on the host, not the reverse.',
      severity: 'error',
      from: { path: '^src/main/host/' },
      to: { path: '^src/(?:main/electron|web|cli|renderer|preload)/' },
    },
    {
      name: 'capability-through-index',
      comment: "A capability reaches another capability only through that capability's index.ts (its declared interface), never into its files. Engine and metrics included. Tests are exempt.",
      severity: 'error',
      from: { path: CAPABILITY, pathNot: TESTS },
      to: { path: '^src/main/(?!(?:electron|host|platform)/)[^/]+/', pathNot: ['^src/main/$1/', CAPABILITY_INDEX] },
    },
    {
      name: 'host-through-index-or-capability',
      comment: 'The host reaches a capability through its index.ts, or its capability.ts (the handler map the host registers), never into its other files.',
      severity: 'error',
      from: { path: '^src/main/host/', pathNot: TESTS },
      to: { path: CAPABILITY, pathNot: ['^src/main/[^/]+/(?:index|capability)\\.ts$'] },
    },
    {
      name: 'transport-through-index',
      comment: 'A transport (electron, web, cli) reaches a capability only through its index.ts. Host and platform files it may import directly.',
      severity: 'error',
      from: { path: TRANSPORT, pathNot: TESTS },
      to: { path: CAPABILITY, pathNot: CAPABILITY_INDEX },
    },
    {
      name: 'renderer-imports-only-shared',
      comment: 'The renderer is a browser bundle: it imports src/shared and npm packages, never main-side code or node builtins (it talks to main through the preload bridge or the WebSocket).',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { path: '^(?!src/(?:renderer|shared)/)(?:src|bench)/' },
    },
    {
      name: 'renderer-no-node-builtins',
      comment: 'The renderer runs in a sandboxed browser context: no node builtins.',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'preload-imports-only-shared-and-electron',
      comment: 'The preload (sandboxed, bundled) imports src/shared and electron only.',
      severity: 'error',
      from: { path: '^src/preload/' },
      to: { pathNot: [`^src/(?:preload|shared)/`, ELECTRON] },
    },
    {
      name: 'nothing-imports-renderer-or-preload',
      comment: 'The renderer and the preload are entry points of their own bundles; no other code imports them.',
      severity: 'error',
      from: { pathNot: '^src/(?:renderer|preload)/' },
      to: { path: '^src/(?:renderer|preload)/' },
    },
    {
      name: 'no-bench-in-src',
      comment: 'bench/ is a consumer of the core, never part of it: nothing in src/ imports it (warpdesk bench runs bench/run.ts in a child process). Applies to tests too.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^bench/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles between modules (a cycle makes load order matter and hides a missing layer).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
  },
};
