/**
 * The prepared statements of a memory connection (every SQL the store runs on its hot paths, prepared once
 * per open) and the workspace's agent id.
 * Must never: prepare a write statement on a read-only connection (those entries stay undefined), or
 * change SQL without a migration in schema.ts when it needs one.
 */
import type Database from 'better-sqlite3';
import { uuidv7 } from './ids';
import type { Db } from './schema';
import { checkText } from './validate';

/** The statements `prepare` builds, by name. */
export type Statements = ReturnType<typeof prepare>;

export function prepare(db: Db, readonly: boolean) {
  const w = (sql: string) => (readonly ? (undefined as unknown as Database.Statement) : db.prepare(sql));
  return {
    meta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    setMeta: w('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    deleteMeta: w('DELETE FROM meta WHERE key = ?'),
    keyIds: db.prepare('SELECT key_id FROM keys ORDER BY created_at'),
    keyCheck: db.prepare('SELECT key_id, check_nonce, check_data FROM keys WHERE key_id = ?'),
    insertKey: w('INSERT INTO keys (key_id, check_nonce, check_data, created_at) VALUES (?, ?, ?, ?)'),
    deleteKey: w('DELETE FROM keys WHERE key_id = ?'),
    pattern: db.prepare('SELECT id, length, key_id, nonce, data FROM patterns WHERE id = ?'),
    insertPattern: w('INSERT INTO patterns (id, length, key_id, nonce, data) VALUES (?, ?, ?, ?, ?)'),
    experience: db.prepare('SELECT rowid, * FROM experiences WHERE id = ?'),
    insertExperience: w(
      `INSERT INTO experiences (id, agent_id, origin, pattern_type, dataset, timeframe, signal, confidence, similarity, horizon, at, recorded_at, key_id, nonce, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertTrajectory: w('INSERT INTO trajectories (pattern_type, step, experience_id) VALUES (?, (SELECT COALESCE(MAX(step), 0) + 1 FROM trajectories WHERE pattern_type = ?), ?)'),
    outcome: db.prepare('SELECT key_id, nonce, data, recorded_at FROM outcomes WHERE experience_id = ?'),
    insertOutcome: w('INSERT INTO outcomes (experience_id, recorded_at, key_id, nonce, data) VALUES (?, ?, ?, ?, ?)'),
    verdict: db.prepare('SELECT * FROM verdicts WHERE experience_id = ?'),
    insertVerdict: w('INSERT INTO verdicts (experience_id, origin, profitability, risk, timing, consistency, quality, success, judged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    ledgerHead: db.prepare('SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1'),
    insertLedger: w('INSERT INTO ledger (seq, kind, record_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?)'),
    ledgerAll: db.prepare('SELECT seq, kind, record_id, prev_hash, hash FROM ledger ORDER BY seq'),
    unchained: db.prepare(
      `SELECT 'experience' AS kind, e.id AS id FROM experiences e WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.kind = 'experience' AND l.record_id = e.id)
       UNION ALL
       SELECT 'verdict' AS kind, v.experience_id AS id FROM verdicts v WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.kind = 'verdict' AND l.record_id = v.experience_id)
       LIMIT 1`,
    ),
    threshold: db.prepare('SELECT version, state FROM thresholds WHERE pattern_type = ?'),
    thresholdFull: db.prepare('SELECT version, similarity_threshold, state, updated_at FROM thresholds WHERE pattern_type = ?'),
    thresholdTypes: db.prepare('SELECT pattern_type FROM thresholds ORDER BY pattern_type'),
    upsertThreshold: w(
      `INSERT INTO thresholds (pattern_type, version, similarity_threshold, state, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(pattern_type) DO UPDATE SET version = excluded.version, similarity_threshold = excluded.similarity_threshold, state = excluded.state, updated_at = excluded.updated_at`,
    ),
    insertHistory: w('INSERT INTO threshold_history (pattern_type, version, experience_id, quality, similarity_threshold, success_rate, calibration_error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    historyAll: db.prepare('SELECT * FROM threshold_history ORDER BY pattern_type, version LIMIT ?'),
    historyType: db.prepare('SELECT * FROM threshold_history WHERE pattern_type = ? ORDER BY version LIMIT ?'),
    listAll: db.prepare(
      `SELECT e.*, v.quality, v.profitability, v.risk, v.timing, v.consistency, v.success, v.judged_at, (o.experience_id IS NOT NULL) AS has_outcome
       FROM experiences e LEFT JOIN verdicts v ON v.experience_id = e.id LEFT JOIN outcomes o ON o.experience_id = e.id
       WHERE e.at < ? ORDER BY e.at DESC, e.id DESC LIMIT ?`,
    ),
    listType: db.prepare(
      `SELECT e.*, v.quality, v.profitability, v.risk, v.timing, v.consistency, v.success, v.judged_at, (o.experience_id IS NOT NULL) AS has_outcome
       FROM experiences e LEFT JOIN verdicts v ON v.experience_id = e.id LEFT JOIN outcomes o ON o.experience_id = e.id
       WHERE e.pattern_type = ? AND e.at < ? ORDER BY e.at DESC, e.id DESC LIMIT ?`,
    ),
    pending: db.prepare(
      `SELECT e.id FROM experiences e WHERE e.origin = 'local' AND (? IS NULL OR e.dataset = ?)
       AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.experience_id = e.id) ORDER BY e.at, e.id LIMIT ?`,
    ),
    flagsOf: db.prepare('SELECT kind, related_id, detail FROM flags WHERE experience_id = ? ORDER BY created_at'),
    experienceMeta: db.prepare('SELECT e.pattern_type, e.dataset, e.timeframe, e.signal, e.confidence, v.quality, v.success FROM experiences e LEFT JOIN verdicts v ON v.experience_id = e.id WHERE e.id = ?'),
    indexRows: db.prepare(
      `SELECT e.rowid AS rowid, e.id, e.pattern_type, e.dataset, e.timeframe, e.at, p.length, p.key_id, p.nonce, p.data, v.quality
       FROM experiences e JOIN patterns p ON p.id = e.id LEFT JOIN verdicts v ON v.experience_id = e.id
       WHERE e.rowid > ? ORDER BY e.rowid`,
    ),
    hiddenAll: db.prepare("SELECT DISTINCT experience_id FROM flags WHERE kind IN ('duplicate', 'pruned')"),
    newVerdicts: db.prepare('SELECT rowid, experience_id, quality FROM verdicts WHERE rowid > ? ORDER BY rowid'),
    newFlags: db.prepare('SELECT rowid, experience_id, kind FROM flags WHERE rowid > ? ORDER BY rowid'),
    distilledRows: db.prepare(
      `SELECT d.id, d.pattern_type, d.created_at, p.length, p.key_id, p.nonce, p.data, d.key_id AS stats_key, d.nonce AS stats_nonce, d.data AS stats_data
       FROM distilled d JOIN patterns p ON p.id = d.id WHERE d.generation = ?`,
    ),
    distilledOne: db.prepare('SELECT pattern_type, members, key_id, nonce, data FROM distilled WHERE id = ?'),
    counts: db.prepare(
      `SELECT (SELECT COUNT(*) FROM experiences) AS experiences, (SELECT COUNT(*) FROM outcomes) AS outcomes, (SELECT COUNT(*) FROM verdicts) AS verdicts,
              (SELECT COUNT(*) FROM distilled) AS distilled, (SELECT COUNT(*) FROM ledger) AS chain`,
    ),
    flagCounts: db.prepare('SELECT kind, COUNT(DISTINCT experience_id) AS n FROM flags GROUP BY kind'),
    types: db.prepare('SELECT DISTINCT pattern_type FROM experiences ORDER BY pattern_type'),
  };
}

/** The agent id of a workspace: given, or made once and kept in meta. */
export function resolveAgentId(db: Db, given: string | undefined, readonly: boolean): string {
  if (given !== undefined) return checkText(given, 'agent id');
  const row = db.prepare("SELECT value FROM meta WHERE key = 'agent_id'").get() as { value: string } | undefined;
  if (row) return row.value;
  const id = `agent-${uuidv7()}`;
  if (!readonly) db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('agent_id', ?)").run(id);
  return (db.prepare("SELECT value FROM meta WHERE key = 'agent_id'").get() as { value: string } | undefined)?.value ?? id;
}
