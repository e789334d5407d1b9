/**
 * Saved backtest sessions in `<dataDir>/backtests.sqlite` (WAL, opened through the workspace's
 * openDatabase): parameters, metrics, the full result (equity, positions, trades) and the replay state, so a
 * session reopens exactly as it was saved. Results are stored as gzipped JSON (doubles round-trip exactly
 * through JSON). Must never store anything outside the workspace folder.
 */
import path from 'node:path';
import zlib from 'node:zlib';
import type { BacktestResult, Session, SessionInfo } from '../../shared/contract/backtest';
import { WarpdeskError } from '../../shared/errors';
import { openDatabase, type SqliteDatabase } from '../platform/sqlite';

export const SESSIONS_FILE = 'backtests.sqlite';
const SCHEMA_VERSION = 1;

type ViewState = Session['view'];

interface Row {
  id: number;
  name: string;
  dataset_id: number | null;
  timeframe: string;
  created_at: number;
  params: string;
  metrics: string;
  result: Buffer;
  compare: Buffer | null;
  view: string;
}

const pack = (v: unknown): Buffer => zlib.gzipSync(Buffer.from(JSON.stringify(v)));
const unpack = <T>(b: Buffer): T => JSON.parse(zlib.gunzipSync(b).toString('utf8')) as T;

export class SessionStore {
  private constructor(private readonly db: SqliteDatabase) {}

  static open(dataDir: string): SessionStore {
    const db = openDatabase(path.join(dataDir, SESSIONS_FILE));
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new WarpdeskError('Conflict', `The backtest sessions were written by a newer Warpdesk (schema ${version}); update Warpdesk to open them.`);
    }
    db.exec(`CREATE TABLE IF NOT EXISTS sessions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      dataset_id INTEGER,
      timeframe TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      params TEXT NOT NULL,
      metrics TEXT NOT NULL,
      result BLOB NOT NULL,
      compare BLOB,
      view TEXT NOT NULL DEFAULT '{}'
    )`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return new SessionStore(db);
  }

  save(s: { name: string; datasetId: number | null; timeframe: string; result: BacktestResult; compare: BacktestResult | null; view?: ViewState; createdAt?: number }): Session {
    const createdAt = s.createdAt ?? Date.now();
    const info = this.db
      .prepare('INSERT INTO sessions (name, dataset_id, timeframe, created_at, params, metrics, result, compare, view) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(s.name, s.datasetId, s.timeframe, createdAt, JSON.stringify(s.result.params), JSON.stringify(s.result.metrics), pack(s.result), s.compare ? pack(s.compare) : null, JSON.stringify(s.view ?? {}));
    return this.open(Number(info.lastInsertRowid));
  }

  list(): SessionInfo[] {
    const rows = this.db.prepare('SELECT id, name, dataset_id, timeframe, created_at, params, metrics FROM sessions ORDER BY created_at DESC, id DESC').all() as Row[];
    return rows.map((r) => ({ id: r.id, name: r.name, datasetId: r.dataset_id, timeframe: r.timeframe, createdAt: r.created_at, params: JSON.parse(r.params), metrics: JSON.parse(r.metrics) }));
  }

  open(id: number): Session {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new WarpdeskError('NotFound', `There is no backtest session ${id}.`);
    return {
      id: r.id,
      name: r.name,
      datasetId: r.dataset_id,
      timeframe: r.timeframe,
      createdAt: r.created_at,
      params: JSON.parse(r.params),
      metrics: JSON.parse(r.metrics),
      result: unpack<BacktestResult>(r.result),
      compare: r.compare ? unpack<BacktestResult>(r.compare) : null,
      view: JSON.parse(r.view) as ViewState,
    };
  }

  saveView(id: number, view: ViewState): boolean {
    return this.db.prepare('UPDATE sessions SET view = ? WHERE id = ?').run(JSON.stringify(view), id).changes > 0;
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id).changes > 0;
  }

  close(): void {
    this.db.close();
  }
}
