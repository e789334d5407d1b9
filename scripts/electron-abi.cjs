// Builds better-sqlite3 for the installed Electron's ABI into .electron-abi/ (leaving the Node build in
// node_modules untouched for tests and the CLI). Run by `npm start` only where the Electron binary exists;
// needs Electron's headers (network). See docs/adr/0007-sqlite-for-two-runtimes.md.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function ensureElectronSqlite(root) {
  const electronVersion = require(require.resolve('electron/package.json', { paths: [root] })).version;
  const outDir = path.join(root, '.electron-abi');
  const stamp = path.join(outDir, 'version');
  const target = path.join(outDir, 'better_sqlite3.node');
  if (fs.existsSync(target) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === electronVersion) return { ok: true, built: false };
  const src = path.dirname(require.resolve('better-sqlite3/package.json', { paths: [root] }));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-sqlite-electron-'));
  fs.cpSync(src, work, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) && !p.endsWith(`${path.sep}build`) });
  const gyp = process.env.npm_config_node_gyp || path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  console.log(`Building better-sqlite3 for Electron ${electronVersion} (once)...`);
  const r = spawnSync(process.execPath, [gyp, 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'], { cwd: work, stdio: 'inherit' });
  if (r.status !== 0) return { ok: false, reason: 'node-gyp could not build better-sqlite3 for Electron (are Electron headers reachable?)' };
  fs.mkdirSync(outDir, { recursive: true });
  fs.copyFileSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), target);
  fs.writeFileSync(stamp, electronVersion);
  fs.rmSync(work, { recursive: true, force: true });
  return { ok: true, built: true };
}

module.exports = { ensureElectronSqlite };
