// Loader of the Warpdesk native engine. `require('./native')` (from the repo root) gives the low-level API
// documented in README.md. The .node file is resolved from this package's own folder (never from a
// bundle's __dirname); if it can't be loaded the API is served by a plain-JS fallback (lib/fallback.js),
// `backend` is 'js' and `reason` says why (printed once to stderr unless WARPDESK_QUIET_NATIVE=1).
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const root = __dirname;
const candidates = [
  process.env.WARPDESK_NATIVE_BINARY,
  path.join(root, 'build', 'Release', 'warpdesk_native.node'),
  path.join(root, 'build', 'Debug', 'warpdesk_native.node'),
].filter(Boolean);

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
    process.stderr.write(`warpdesk-native: using the JavaScript fallback (${reason})\n`);
  }
  module.exports = Object.assign({}, require('./lib/fallback.js'), { backend: 'js', reason });
}
