// Loader of the Warpdesk native engine. `require('./native')` (from the repo root) gives the low-level API
// documented in README.md. The .node file is resolved from this package's own folder (never from a
// bundle's __dirname). If it can't be loaded, `backend` is 'js', `reason` says why (printed once to stderr
// unless WARPDESK_QUIET_NATIVE=1) and every API function throws an error with code 'Unavailable': the
// application's fallback is the TypeScript reference engine behind the facade in src/main/engine.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const root = __dirname;
const candidates = [process.env.WARPDESK_NATIVE_BINARY, path.join(root, 'build', 'Release', 'warpdesk_native.node'), path.join(root, 'build', 'Debug', 'warpdesk_native.node')].filter(Boolean);

let binding;
let reason;
if (process.env.WARPDESK_ENGINE === 'js') {
  reason = 'WARPDESK_ENGINE=js selects the JavaScript engine';
} else {
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    reason = `the native addon is not built (looked for ${candidates.join(', ')}); run "npm run build -w native"`;
  } else {
    try {
      binding = require(found);
    } catch (err) {
      reason = `the native addon at ${found} failed to load: ${err && err.message ? err.message : String(err)}`;
    }
  }
}

if (binding) {
  module.exports = Object.assign({}, binding, { backend: 'native', reason: undefined, binaryPath: candidates.find((p) => fs.existsSync(p)) });
} else {
  if (process.env.WARPDESK_QUIET_NATIVE !== '1' && !global.__warpdeskNativeWarned) {
    global.__warpdeskNativeWarned = true;
    process.stderr.write(`warpdesk-native: the native addon is not loaded (${reason}); the engine facade in src/main/engine uses the TypeScript reference\n`);
  }
  const unavailable = () => {
    const e = new Error(`The native engine is not loaded (${reason}); use the engine facade (getEngine() in src/main/engine), which falls back to the TypeScript reference engine.`);
    e.code = 'Unavailable';
    throw e;
  };
  const api = {};
  for (const name of [
    'simdLevel',
    'availableLevels',
    'setSimdLevel',
    'threads',
    'setThreads',
    'dtw',
    'dtwPath',
    'dtwBatch',
    'dtwBatchAsync',
    'dtwMulti',
    'searchTopK',
    'searchTopKAsync',
    'searchWalk',
    'searchWalkAsync',
    'lcss',
    'lcssMatrix',
    'lcssMatrixAsync',
    'rowBounds',
    'refineRows',
  ])
    api[name] = unavailable;
  module.exports = Object.assign(api, { backend: 'js', reason, simdNote: '' });
}
