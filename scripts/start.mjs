// `npm start`: builds the app, then opens the Electron desktop app when its binary is present; otherwise
// says so in one line and serves the same workstation to a browser (the browser host) on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const { electronBinary } = require('./electron-binary.cjs');
const { ensureElectronSqlite } = require('./electron-abi.cjs');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run(process.execPath, [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
const electron = electronBinary();
const passthrough = process.argv.slice(2);
let child;
const sqlite = electron.path && !process.env.WARPDESK_BROWSER ? ensureElectronSqlite(root) : { ok: false };
if (electron.path && !sqlite.ok) console.log(`Cannot prepare SQLite for Electron (${sqlite.reason}); using the browser host.`);
if (electron.path && sqlite.ok && !process.env.WARPDESK_BROWSER) {
  child = spawn(electron.path, ['.', ...passthrough], { cwd: root, stdio: 'inherit' });
} else {
  console.log(`Electron binary not available (${electron.reason ?? 'WARPDESK_BROWSER is set'}); serving the workstation for a browser instead.`);
  child = spawn(process.execPath, [path.join(root, 'bin', 'warpdesk.cjs'), 'serve', ...passthrough], { cwd: root, stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
