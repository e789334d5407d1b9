// npm install hook: builds the addon with node-gyp (npm's own, which is given Node's installed headers, so
// this works offline). A failed build never fails `npm install`: the loader then reports backend 'js'
// and the app uses the TypeScript reference engine.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

if (process.env.WARPDESK_SKIP_NATIVE === '1') {
  console.log('warpdesk-native: WARPDESK_SKIP_NATIVE=1, not building; the JS engine will be used');
  process.exit(0);
}
const npmNodeGyp = process.env.npm_config_node_gyp;
const cmd = npmNodeGyp ? process.execPath : 'node-gyp';
const args = npmNodeGyp ? [npmNodeGyp, 'rebuild'] : ['rebuild'];
const r = spawnSync(cmd, args, { cwd: path.join(__dirname, '..'), stdio: 'inherit', shell: !npmNodeGyp });
if (r.status !== 0) {
  console.warn(`warpdesk-native: native build failed (${r.error ? r.error.message : 'exit ' + r.status}); the TypeScript engine will be used`);
}
process.exit(0);
