/**
 * The workspace: one data folder per user holding databases, keys and settings, shared by the app and the
 * CLI. Resolution order: explicit `--data-dir`, then `WARPDESK_DATA_DIR`, then the same folder Electron uses
 * as `userData` for an app named "Warpdesk" on this platform. Never imports Electron.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'Warpdesk';

export function defaultDataDir(): string {
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', APP_NAME);
    case 'win32':
      return path.join(process.env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
    default:
      return path.join(process.env['XDG_CONFIG_HOME'] ?? path.join(home, '.config'), APP_NAME);
  }
}

/** Resolves (and creates, mode 0700) the workspace folder. */
export function resolveDataDir(explicit?: string): string {
  const dir = path.resolve(explicit ?? process.env['WARPDESK_DATA_DIR'] ?? defaultDataDir());
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
