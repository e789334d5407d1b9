/**
 * Opens every SQLite database of the workspace (data sets, memory, backtests, swarm outbox) the same way:
 * WAL, NORMAL sync, foreign keys, a busy timeout. Under Electron it loads a better-sqlite3 binary built for
 * Electron's ABI (`.electron-abi/better_sqlite3.node`, made by `npm start` where the Electron binary exists;
 * see docs/adr/0007), so the Node build in node_modules keeps serving tests and the CLI. Never imports Electron.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { appRoot } from './workspace';

export type SqliteDatabase = Database.Database;

/** The better-sqlite3 binary to use in this runtime, or undefined for the default (Node) build. */
export function sqliteNativeBinding(): string | undefined {
  if (!process.versions['electron']) return undefined;
  const candidate = process.env['WARPDESK_SQLITE_BINDING'] ?? path.join(appRoot(), '.electron-abi', 'better_sqlite3.node');
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
