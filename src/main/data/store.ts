/**
 * The data-set store: one SQLite database (`<dataDir>/data.sqlite`, WAL) holding each imported data set's
 * metadata and its bars as columnar Float64 blobs (one row per data set; see docs/adr/0001). An import is a
 * single transaction: a bad file leaves nothing behind. Never imports Electron.
 */
import path from 'node:path';
import { WarpdeskError } from '../../shared/errors';
import type { DatasetInfo } from '../../shared/contract';
import type { Bars, Timeframe } from '../../shared/market';
import { parseCsv } from './csv';
import { detectTimeframe, resample } from './resample';
import { openDatabase, type SqliteDatabase } from '../platform/sqlite';

const MIGRATIONS: string[] = [
  `CREATE TABLE datasets (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL,
     source TEXT NOT NULL,
     format TEXT NOT NULL,
     timeframe TEXT NOT NULL,
     bar_count INTEGER NOT NULL,
     first_time REAL NOT NULL,
     last_time REAL NOT NULL,
     has_volume INTEGER NOT NULL,
     close_only INTEGER NOT NULL,
     time_zone TEXT NOT NULL,
     imported_at REAL NOT NULL
   );
   CREATE TABLE dataset_bars (
     dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
     time BLOB NOT NULL, open BLOB NOT NULL, high BLOB NOT NULL, low BLOB NOT NULL, close BLOB NOT NULL, volume BLOB NOT NULL
   );`,
];

interface DatasetRow {
  id: number;
  name: string;
  source: string;
  format: string;
  timeframe: string;
  bar_count: number;
  first_time: number;
  last_time: number;
  has_volume: number;
  close_only: number;
  time_zone: string;
  imported_at: number;
}

interface BarsRow {
  time: Buffer;
  open: Buffer;
  high: Buffer;
  low: Buffer;
  close: Buffer;
  volume: Buffer;
}

function toBlob(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function fromBlob(b: Buffer): Float64Array {
  // Copy into an aligned buffer: SQLite blobs are not guaranteed to be 8-byte aligned.
  const out = new Float64Array(b.byteLength / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}

function rowToInfo(r: DatasetRow): DatasetInfo {
  return {
    id: r.id,
    name: r.name,
    source: r.source,
    format: r.format,
    timeframe: r.timeframe as Timeframe,
    barCount: r.bar_count,
    firstTime: r.first_time,
    lastTime: r.last_time,
    hasVolume: r.has_volume === 1,
    closeOnly: r.close_only === 1,
    timeZone: r.time_zone,
    importedAt: r.imported_at,
  };
}

export interface ImportOptions {
  name: string;
  /** Where the data came from (file name, "sample: ..."), shown in the UI. */
  source: string;
  timeZone?: string;
}

export class DataStore {
  private readonly db: SqliteDatabase;

  constructor(file: string) {
    this.db = openDatabase(file);
    this.migrate();
  }

  static open(dataDir: string): DataStore {
    return new DataStore(path.join(dataDir, 'data.sqlite'));
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = this.db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
    const current = row?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new WarpdeskError('Conflict', `The data store was written by a newer Warpdesk (schema ${current}); update Warpdesk to open it.`);
    }
    const apply = this.db.transaction(() => {
      for (let v = current; v < MIGRATIONS.length; v++) this.db.exec(MIGRATIONS[v]!);
      if (row) this.db.prepare('UPDATE schema_version SET version = ?').run(MIGRATIONS.length);
      else this.db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(MIGRATIONS.length);
    });
    if (current < MIGRATIONS.length) apply();
  }

  /** Parses and stores a CSV as one data set, atomically. */
  importCsv(csv: string, options: ImportOptions): DatasetInfo {
    const parsed = parseCsv(csv);
    return this.insert(parsed.bars, { ...options, format: parsed.format, closeOnly: parsed.closeOnly, hasVolume: parsed.hasVolume });
  }

  insert(bars: Bars, meta: ImportOptions & { format: string; closeOnly: boolean; hasVolume: boolean }): DatasetInfo {
    const n = bars.time.length;
    if (n === 0) throw new WarpdeskError('InvalidInput', 'A data set needs at least one bar.');
    const timeframe = detectTimeframe(bars.time);
    const tx = this.db.transaction((): number => {
      const info = this.db
        .prepare(
          `INSERT INTO datasets (name, source, format, timeframe, bar_count, first_time, last_time, has_volume, close_only, time_zone, imported_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(meta.name, meta.source, meta.format, timeframe, n, bars.time[0]!, bars.time[n - 1]!, meta.hasVolume ? 1 : 0, meta.closeOnly ? 1 : 0, meta.timeZone ?? 'UTC', Date.now());
      const id = Number(info.lastInsertRowid);
      this.db
        .prepare('INSERT INTO dataset_bars (dataset_id, time, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, toBlob(bars.time), toBlob(bars.open), toBlob(bars.high), toBlob(bars.low), toBlob(bars.close), toBlob(bars.volume));
      return id;
    });
    return this.get(tx());
  }

  list(): DatasetInfo[] {
    return (this.db.prepare('SELECT * FROM datasets ORDER BY id').all() as DatasetRow[]).map(rowToInfo);
  }

  get(id: number): DatasetInfo {
    const row = this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
    if (!row) throw new WarpdeskError('NotFound', `There is no data set with id ${id}.`);
    return rowToInfo(row);
  }

  findByName(name: string): DatasetInfo | undefined {
    const row = this.db.prepare('SELECT * FROM datasets WHERE name = ? ORDER BY id LIMIT 1').get(name) as DatasetRow | undefined;
    return row ? rowToInfo(row) : undefined;
  }

  /** The data set's bars at its native timeframe, or resampled to a coarser one. */
  bars(id: number, timeframe?: Timeframe): Bars {
    const info = this.get(id);
    const row = this.db.prepare('SELECT time, open, high, low, close, volume FROM dataset_bars WHERE dataset_id = ?').get(id) as BarsRow | undefined;
    if (!row) throw new WarpdeskError('NotFound', `The bars of data set ${id} are missing.`);
    const bars: Bars = { time: fromBlob(row.time), open: fromBlob(row.open), high: fromBlob(row.high), low: fromBlob(row.low), close: fromBlob(row.close), volume: fromBlob(row.volume) };
    return timeframe ? resample(bars, timeframe, info.timeframe) : bars;
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes > 0;
  }

  close(): void {
    this.db.close();
  }
}
