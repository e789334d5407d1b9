/**
 * The memory database: opening (WAL, foreign keys, busy timeout) and versioned migrations. Each migration
 * has one version and runs in its own transaction together with its row in `schema_version`, so a crash
 * leaves the schema at the previous version, never half-migrated. A database newer than this build is
 * refused rather than touched.
 * Must never: edit a released migration (add a new version instead), or drop a chained table.
 */
import { WarpdeskError } from '../../shared/errors';
import { openDatabase, type SqliteDatabase } from '../platform/sqlite';

export type Db = SqliteDatabase;

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'patterns, experiences, outcomes, verdicts, audit ledger, trajectories, thresholds, distilled patterns, flags',
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

-- Keys ever used for records still present; the check value proves a provider's key is the right one.
CREATE TABLE keys (
  key_id TEXT PRIMARY KEY,
  check_nonce BLOB NOT NULL,
  check_data BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- Pattern vectors, 8-bit quantized: AES-256-GCM(scale f64 LE, offset f64 LE, codes u8 x length) || tag.
CREATE TABLE patterns (
  id TEXT PRIMARY KEY,
  length INTEGER NOT NULL CHECK (length >= 2),
  key_id TEXT NOT NULL,
  nonce BLOB NOT NULL,
  data BLOB NOT NULL
) STRICT;

-- One per recorded search; the pattern row has the same id. data = encrypted JSON (matches, context).
CREATE TABLE experiences (
  id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('local', 'remote')),
  pattern_type TEXT NOT NULL,
  dataset TEXT NOT NULL,
  timeframe TEXT NOT NULL,
  signal TEXT NOT NULL CHECK (signal IN ('long', 'short', 'flat')),
  confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  similarity REAL NOT NULL CHECK (similarity >= 0 AND similarity <= 1),
  horizon INTEGER NOT NULL CHECK (horizon >= 1),
  at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  nonce BLOB NOT NULL,
  data BLOB NOT NULL,
  FOREIGN KEY (id) REFERENCES patterns(id)
) STRICT;
CREATE INDEX experiences_type_at ON experiences(pattern_type, at);

-- data = encrypted JSON { realizedReturn, mae, timeToTarget }.
CREATE TABLE outcomes (
  experience_id TEXT PRIMARY KEY REFERENCES experiences(id),
  recorded_at INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  nonce BLOB NOT NULL,
  data BLOB NOT NULL
) STRICT;

CREATE TABLE verdicts (
  experience_id TEXT PRIMARY KEY REFERENCES outcomes(experience_id),
  origin TEXT NOT NULL CHECK (origin IN ('local', 'remote')),
  profitability REAL NOT NULL CHECK (profitability >= 0 AND profitability <= 1),
  risk REAL NOT NULL CHECK (risk >= 0 AND risk <= 1),
  timing REAL NOT NULL CHECK (timing >= 0 AND timing <= 1),
  consistency REAL NOT NULL CHECK (consistency >= 0 AND consistency <= 1),
  quality REAL NOT NULL CHECK (quality >= 0 AND quality <= 1),
  success INTEGER NOT NULL CHECK (success IN (0, 1)),
  judged_at INTEGER NOT NULL
) STRICT;

-- The SHA-256 hash chain over experiences and verdicts, in commit order; seq has no gaps.
CREATE TABLE ledger (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('experience', 'verdict')),
  record_id TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  UNIQUE (kind, record_id)
) STRICT;

-- Experiences per pattern type, in the order they were recorded.
CREATE TABLE trajectories (
  pattern_type TEXT NOT NULL,
  step INTEGER NOT NULL,
  experience_id TEXT NOT NULL UNIQUE REFERENCES experiences(id),
  PRIMARY KEY (pattern_type, step)
) STRICT;

-- Current adaptive state per pattern type (state = JSON of Beta posteriors) and its full history.
CREATE TABLE thresholds (
  pattern_type TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  similarity_threshold REAL NOT NULL,
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE threshold_history (
  pattern_type TEXT NOT NULL,
  version INTEGER NOT NULL,
  experience_id TEXT NOT NULL UNIQUE REFERENCES verdicts(experience_id),
  quality REAL NOT NULL,
  similarity_threshold REAL NOT NULL,
  success_rate REAL NOT NULL,
  calibration_error REAL NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (pattern_type, version)
) STRICT;

-- Distilled patterns (cluster barycenters) of the latest distillation; data = encrypted JSON stats.
CREATE TABLE distilled (
  id TEXT PRIMARY KEY,
  generation INTEGER NOT NULL,
  pattern_type TEXT NOT NULL,
  members INTEGER NOT NULL CHECK (members >= 1),
  created_at INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  nonce BLOB NOT NULL,
  data BLOB NOT NULL,
  FOREIGN KEY (id) REFERENCES patterns(id)
) STRICT;
CREATE TABLE distilled_members (
  distilled_id TEXT NOT NULL REFERENCES distilled(id) ON DELETE CASCADE,
  experience_id TEXT NOT NULL REFERENCES experiences(id),
  PRIMARY KEY (distilled_id, experience_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX distilled_members_experience ON distilled_members(experience_id);

-- Consolidation marks; the flagged records themselves are never deleted.
CREATE TABLE flags (
  experience_id TEXT NOT NULL REFERENCES experiences(id),
  kind TEXT NOT NULL CHECK (kind IN ('duplicate', 'contradiction', 'pruned')),
  related_id TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (experience_id, kind, related_id)
) STRICT;
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Db): number {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!has) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/** Applies pending migrations, each in its own IMMEDIATE transaction. Returns the versions applied. */
export function migrate(db: Db, migrations: Migration[] = MIGRATIONS): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
  const known = migrations[migrations.length - 1]?.version ?? 0;
  const applied: number[] = [];
  for (const m of migrations) {
    const run = db.transaction(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      const current = schemaVersion(db);
      if (current > known) throw newerSchema(current, known);
      if (current >= m.version) return false;
      if (current !== m.version - 1) throw new WarpdeskError('Internal', `Memory schema migration ${m.version} cannot follow version ${current}.`);
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)').run(m.version, m.description, Date.now());
      return true;
    });
    if (run.immediate()) applied.push(m.version);
  }
  const current = schemaVersion(db);
  if (current > known) throw newerSchema(current, known);
  return applied;
}

function newerSchema(found: number, known: number): WarpdeskError {
  return new WarpdeskError('Unavailable', `This memory database has schema version ${found}, newer than this Warpdesk understands (${known}); update Warpdesk.`, {
    found,
    known,
  });
}

export interface OpenDbOptions {
  readonly?: boolean;
  /** 'normal' (default): WAL commits survive a killed process; 'full': also a power loss, at an fsync per commit. */
  synchronous?: 'normal' | 'full';
}

/** Opens through the workspace's openDatabase (WAL, foreign keys, Electron ABI; ADR 0007), then tunes. */
export function openDb(file: string, options: OpenDbOptions = {}): Db {
  let db: Db;
  try {
    db = openDatabase(file, { readonly: !!options.readonly });
  } catch (err) {
    throw new WarpdeskError('Unavailable', `The memory database ${file} cannot be opened: ${(err as Error).message}.`);
  }
  try {
    if (!options.readonly) {
      if (options.synchronous === 'full') db.pragma('synchronous = FULL');
      // Checkpoints are run by the store off the record path (see MemoryStore.noteWrite).
      db.pragma('wal_autocheckpoint = 0');
      // After a checkpoint, a WAL file grown by a burst is truncated back to 16 MB.
      db.pragma('journal_size_limit = 16777216');
      // Every write inside a batch is a savepoint whose sub-journal would be a temporary file (a write system
      // call per journalled page on the record path); kept in memory instead (a learn walk: ~2 per decision).
      db.pragma('temp_store = MEMORY');
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
