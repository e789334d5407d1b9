/**
 * Second run of the layering check (`npm run lint:layers`): no cycles between capability folders.
 * Separate from .dependency-cruiser.cjs because folder-level rules cannot exempt single files: here tests
 * (`*.test.ts`, `test/`, `testing/`) are left out of the cruise, since a test may drive its capability through
 * the host or the CLI, which would otherwise look like capability -> host -> capability cycles.
 * The module-level rules and their comments live in .dependency-cruiser.cjs; README.md "Layers" explains both.
 */
const { options } = require('./.dependency-cruiser.cjs');

// A capability folder: any folder directly under src/main/ except electron, host and platform (its
// subfolders count as part of it). Keep in sync with CAPABILITY in .dependency-cruiser.cjs.
const CAPABILITY_FOLDER = '^src/main/(?!(?:electron|host|platform)$)[^/]+$';

module.exports = {
  forbidden: [
    {
      name: 'no-capability-folder-cycles',
      comment: 'Capabilities form a directed acyclic graph: if capability A imports B (through B/index.ts), nothing in B imports A, even through other files than the ones A uses.',
      severity: 'error',
      scope: 'folder',
      from: { path: CAPABILITY_FOLDER },
      to: { path: CAPABILITY_FOLDER, circular: true },
    },
  ],
  options: {
    ...options,
    exclude: { path: '\\.test\\.ts$|/test/|/testing/' },
  },
};
