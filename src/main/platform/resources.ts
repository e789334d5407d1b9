/**
 * The one resolver for the files Warpdesk ships next to its code (resources/ with the samples and their
 * credits, native/ with the engine addon, out/ with the compiled bundles, .electron-abi/ in development), in
 * each way it runs:
 *  - development: a checkout; the root is the repository (package.json named "warpdesk", src/ beside it);
 *  - installed: a production install (`npm ci --omit=dev` or `npm prune --omit=dev` on a built checkout, or
 *    node_modules/warpdesk); the same tree without src/ tooling;
 *  - packaged: an electron-builder package; the root is `<process.resourcesPath>/app.asar`, and the files that
 *    must be real files on disk (native binaries, what a child process reads) sit under `app.asar.unpacked`
 *    (electron-builder.yml `asarUnpack`; docs/adr/0011-packaging.md).
 * The root is found by walking up from this module's own location (source, out/main or a chunk of it), or
 * WARPDESK_APP_ROOT; never the working directory. A shipped file that is missing is an error naming its path.
 * Never imports Electron.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WarpdeskError } from '../../shared/errors';

export type RunMode = 'development' | 'installed' | 'packaged';

const PACKAGE_NAME = 'warpdesk';
let cachedRoot: string | undefined;

function isAppRoot(dir: string): boolean {
  const pkg = path.join(dir, 'package.json');
  if (!fs.existsSync(pkg)) return false;
  try {
    return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** The application root (package.json named "warpdesk"), found from `start` (default: this module's folder). */
export function appRoot(start: string = __dirname): string {
  const override = process.env['WARPDESK_APP_ROOT'];
  if (override) return path.resolve(override);
  if (start === __dirname && cachedRoot) return cachedRoot;
  let dir = path.resolve(start);
  for (let i = 0; i < 10; i++) {
    if (isAppRoot(dir)) {
      if (start === __dirname) cachedRoot = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new WarpdeskError('NotFound', `Warpdesk could not find its application folder (no package.json named "${PACKAGE_NAME}" in ${start} or above it); reinstall Warpdesk or set WARPDESK_APP_ROOT.`);
}

/** How this copy of Warpdesk runs, judged from where its root is. */
export function runMode(root: string = appRoot()): RunMode {
  if (path.basename(root) === 'app.asar' || root.includes(`${path.sep}app.asar${path.sep}`)) return 'packaged';
  return fs.existsSync(path.join(root, 'src', 'cli', 'main.ts')) ? 'development' : 'installed';
}

/** Where `file` is as a real file on disk: its app.asar.unpacked twin when that exists (packaged), else itself. */
export function unpackedPath(file: string): string {
  const marker = `${path.sep}app.asar${path.sep}`;
  const i = file.indexOf(marker);
  if (i < 0) return file;
  const twin = `${file.slice(0, i)}${path.sep}app.asar.unpacked${path.sep}${file.slice(i + marker.length)}`;
  return fs.existsSync(twin) ? twin : file;
}

/** A path inside the application root, whether or not it exists (for optional files). */
export function appPath(...segments: string[]): string {
  return path.join(appRoot(), ...segments);
}

/** A file or folder Warpdesk ships: its path, or a NotFound error naming the path when it is missing. */
export function shippedPath(...segments: string[]): string {
  const p = appPath(...segments);
  if (!fs.existsSync(p)) throw missingShipped(p);
  return p;
}

/** The error for a shipped file that is not where it should be. */
export function missingShipped(file: string): WarpdeskError {
  return new WarpdeskError('NotFound', `Warpdesk is missing a file it ships: ${file} does not exist; reinstall Warpdesk (or run "npm run build" in a checkout).`, { path: file });
}
