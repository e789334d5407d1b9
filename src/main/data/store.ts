/**
 * The data-set store: one SQLite database (`<dataDir>/data.sqlite`, WAL) holding each imported data set's
 * metadata and its bars as columnar Float64 blobs (one row per data set; see docs/adr/0001). An import is a
 * single transaction: a bad file leaves nothing behind. Never imports Electron.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { WarpdeskError } from '../../shared/errors';
import type { DatasetInfo } from '../../shared/contract';
import type { Bars, Timeframe } from '../../shared/market';
import { parseCsv, type CsvOptions } from './csv';
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
  // 2: the content hash of each data set's bars, so importing the same series again is detected.
  `ALTER TABLE datasets ADD COLUMN content_hash TEXT;
   CREATE INDEX datasets_content_hash ON datasets(content_hash);`,
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
  content_hash: string | null;
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
  /** Column mapping, date order, delimiter and decimal mark when the file cannot tell (see CsvOptions). */
  csv?: CsvOptions;
  /** Store the series even when the workspace holds it already (benchmarks); the app never sets it. */
  allowDuplicate?: boolean;
}

/** A new data set and what the import adjusted (skipped rows, reversal). */
export interface ImportResult extends DatasetInfo {
  skippedRows: number;
  reversed: boolean;
  notes: string[];
}

/**
 * SHA-256 of a series' bars (time and OHLCV as little-endian Float64), so the same series is recognised
 * whatever file format or column it was read from.
 */
export function barsContentHash(bars: Bars): string {
  const h = createHash('sha256');
  for (const a of [bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
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
    if (current > 0 && current < 2) this.backfillHashes();
  }

  /** Data sets imported before content hashes existed get theirs, so re-importing them is detected too. */
  private backfillHashes(): void {
    const ids = (this.db.prepare('SELECT id FROM datasets WHERE content_hash IS NULL').all() as Array<{ id: number }>).map((r) => r.id);
    const set = this.db.prepare('UPDATE datasets SET content_hash = ? WHERE id = ?');
    for (const id of ids) set.run(barsContentHash(this.bars(id)), id);
  }

  /**
   * Parses and stores a CSV as one data set, atomically. The same series imported again (same bars, from
   * any file format) is refused with Conflict naming the existing data set (`details.datasetId`).
   */
  importCsv(csv: string, options: ImportOptions): ImportResult {
    const parsed = parseCsv(csv, options.csv);
    const info = this.insert(parsed.bars, { ...options, format: parsed.format, closeOnly: parsed.closeOnly, hasVolume: parsed.hasVolume });
    return { ...info, skippedRows: parsed.skippedRows, reversed: parsed.reversed, notes: parsed.notes };
  }

  /** The data set holding exactly these bars, if any. */
  findDuplicate(bars: Bars): DatasetInfo | undefined {
    const row = this.db.prepare('SELECT * FROM datasets WHERE content_hash = ? ORDER BY id LIMIT 1').get(barsContentHash(bars)) as DatasetRow | undefined;
    return row ? rowToInfo(row) : undefined;
  }

  insert(bars: Bars, meta: ImportOptions & { format: string; closeOnly: boolean; hasVolume: boolean }): DatasetInfo {
    const n = bars.time.length;
    if (n === 0) throw new WarpdeskError('InvalidInput', 'A data set needs at least one bar.');
    const timeframe = detectTimeframe(bars.time);
    const hash = barsContentHash(bars);
    const tx = this.db.transaction((): number => {
      const existing = this.db.prepare('SELECT * FROM datasets WHERE content_hash = ? ORDER BY id LIMIT 1').get(hash) as DatasetRow | undefined;
      if (existing && !meta.allowDuplicate) {
        throw new WarpdeskError('Conflict', `This series is already in the workspace as "${existing.name}" (imported ${new Date(existing.imported_at).toISOString().slice(0, 10)}); open that data set instead.`, {
          datasetId: existing.id,
          name: existing.name,
        });
      }
      const info = this.db
        .prepare(
          `INSERT INTO datasets (name, source, format, timeframe, bar_count, first_time, last_time, has_volume, close_only, time_zone, imported_at, content_hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(meta.name, meta.source, meta.format, timeframe, n, bars.time[0]!, bars.time[n - 1]!, meta.hasVolume ? 1 : 0, meta.closeOnly ? 1 : 0, meta.timeZone ?? 'UTC', Date.now(), hash);
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
