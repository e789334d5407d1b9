// Finds the Electron binary WITHOUT triggering electron's on-demand download (which fails offline and is
// slow). Returns { path } when present, or { reason } in one sentence. Used by `npm start` and the e2e tests.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function electronBinary() {
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve('electron/package.json', { paths: [path.join(__dirname, '..')] }));
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  const rel = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : undefined;
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkgDir, 'dist');
  if (!rel && !process.env.ELECTRON_OVERRIDE_DIST_PATH) return { reason: 'the Electron binary was never downloaded (offline install)' };
  const full = path.join(distDir, rel || 'electron');
  return fs.existsSync(full) ? { path: full } : { reason: `the Electron binary is missing (${full})` };
}

module.exports = { electronBinary };
