/**
 * Opens every SQLite database of the workspace (data sets, memory, backtests, swarm outbox) the same way:
 * WAL, NORMAL sync, foreign keys, a busy timeout. Under Electron it loads a better-sqlite3 binary built for
 * Electron's ABI in development (`.electron-abi/better_sqlite3.node`, made by `npm start` where the Electron binary
 * exists; see docs/adr/0007), so the Node build in node_modules keeps serving tests and the CLI. A packaged app's
 * node_modules copy is already built for Electron (`npm run dist`, docs/adr/0011). Never imports Electron.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { appPath, runMode } from './resources';

export type SqliteDatabase = Database.Database;

/** The better-sqlite3 binary to use in this runtime, or undefined for the default (Node) build. */
export function sqliteNativeBinding(): string | undefined {
  if (!process.versions['electron']) return undefined;
  if (process.env['WARPDESK_SQLITE_BINDING']) return process.env['WARPDESK_SQLITE_BINDING'];
  // ELECTRON_RUN_AS_NODE children (backtest workers) are Electron too: same ABI as the app
  if (runMode() === 'packaged') return undefined;
  const candidate = appPath('.electron-abi', 'better_sqlite3.node');
  return fs.existsSync(candidate) ? candidate : undefined;
}

export function openDatabase(file: string, options: { readonly?: boolean } = {}): SqliteDatabase {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const nativeBinding = sqliteNativeBinding();
  const db = new Database(file, { readonly: options.readonly ?? false, ...(nativeBinding ? { nativeBinding } : {}) });
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
