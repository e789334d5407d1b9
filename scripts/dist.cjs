// `npm run dist [-- electron-builder flags]`: builds the installers for this machine's platform and architecture
// (Linux: AppImage + deb, macOS: dmg, Windows: nsis; electron-builder.yml). Steps: check that the packaging tools
// can run here, generate the icons from resources/icons/icon.png, build (electron-vite), package with
// electron-builder (which rebuilds better-sqlite3 for Electron's ABI through @electron/rebuild), then rebuild
// better-sqlite3 for Node again so the CLI and the tests keep working in this checkout.
// Where Electron can't be downloaded (or Node is too old for electron-builder) it says so in one line and exits 1.
// Auto-update publishing stays off unless `--publish always` is passed. See docs/adr/0011-packaging.md.
'use strict';
const { spawnSync } = require('node:child_process');
const https = require('node:https');
const path = require('node:path');

const root = path.join(__dirname, '..');
/** electron-builder 26's @electron/get and @electron/rebuild declare this in their engines. */
const NODE_FOR_DIST = [22, 12];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  return r.status ?? 1;
}

function npx(bin, args) {
  return run(process.execPath, [require.resolve(bin, { paths: [root] }), ...args]);
}

/** Resolves when `url` answers (any HTTP status), rejects with the network error otherwise. */
function reachable(url) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'HEAD', timeout: 8000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function blocker(electronVersion) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < NODE_FOR_DIST[0] || (major === NODE_FOR_DIST[0] && minor < NODE_FOR_DIST[1]))
    return `npm run dist needs Node >= ${NODE_FOR_DIST.join('.')} (electron-builder's @electron/get and @electron/rebuild require it); this is Node ${process.versions.node}, so no installers were built`;
  if (process.env.WARPDESK_ELECTRON_DIST) return undefined; // an unpacked Electron given by hand
  const mirror = process.env.ELECTRON_MIRROR || 'https://github.com/electron/electron/releases/download/';
  const url = `${mirror.replace(/\/?$/, '/')}v${electronVersion}/SHASUMS256.txt`;
  try {
    await reachable(url);
    return undefined;
  } catch (err) {
    return `Electron ${electronVersion} cannot be downloaded here (${new URL(url).host}: ${err.code || err.message}), so no installers were built; run npm run dist on a machine that can reach it (or set ELECTRON_MIRROR / WARPDESK_ELECTRON_DIST)`;
  }
}

async function main() {
  const electronVersion = require(require.resolve('electron/package.json', { paths: [root] })).version;
  const why = await blocker(electronVersion);
  if (why) {
    console.log(why);
    return 1;
  }
  const { generateIcons } = require('./icons.cjs');
  generateIcons(root);
  if (npx('electron-vite/bin/electron-vite.js', ['build']) !== 0) return 1;
  const args = process.argv.slice(2);
  if (!args.some((a) => /^--(x64|arm64|ia32|armv7l|universal)$/.test(a))) args.push(`--${process.arch}`);
  if (!args.some((a) => a.startsWith('--publish') || a === '-p')) args.push('--publish', 'never');
  if (process.env.WARPDESK_ELECTRON_DIST) args.push(`-c.electronDist=${process.env.WARPDESK_ELECTRON_DIST}`);
  let status;
  try {
    status = npx('electron-builder/cli.js', args);
  } finally {
    // electron-builder rebuilt node_modules/better-sqlite3 for Electron; the CLI and tests need the Node build
    console.log('Rebuilding better-sqlite3 for Node (the CLI and the tests use it)...');
    run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['rebuild', 'better-sqlite3']);
  }
  if (status === 0) console.log(`Installers are in ${path.join(root, 'dist')}.`);
  return status;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`npm run dist failed: ${err && err.message ? err.message : String(err)}`);
    process.exit(1);
  },
);
