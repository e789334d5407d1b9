/**
 * Durable swarm state in SQLite (better-sqlite3, WAL), one database per role in `<data>/swarm/`:
 *  - coordinator.db: members (allowlist with role, not-after, revocation), one-time enrollment tokens (only
 *    their SHA-256), every shared record with a global sequence number, and a change log that lets the
 *    `warpdesk swarm allow|revoke` commands (another process) reach a running coordinator at once.
 *  - agent.db: the outbox (records waiting for the coordinator's ack), ids already received (dedup), the
 *    catch-up cursor and the last membership record.
 * Statements are prepared once per database and reused (an agent reads its cursor on every heartbeat).
 * Must never store a token or a private key in clear, and never hold a transaction across an await.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { openDatabase, type SqliteDatabase } from '../platform/sqlite';
import type { SharedRecord } from './protocol';
import type { SwarmRole } from './membership';
import { swarmDir } from './identity';

const open = (file: string): SqliteDatabase => openDatabase(file);

export function coordinatorDbPath(dataDir: string): string {
  return path.join(swarmDir(dataDir), 'coordinator.db');
}
export function agentDbPath(dataDir: string): string {
  return path.join(swarmDir(dataDir), 'agent.db');
}

export interface MemberRow {
  peerId: string;
  role: SwarmRole;
  status: 'allowed' | 'revoked';
  notAfter: number;
  addedAt: number;
  revokedAt: number | null;
  lastSeen: number | null;
  agentType: string | null;
  transport: string | null;
  rttMs: number | null;
  note: string | null;
}

export type GateDecision = { allow: true; enrolled: boolean } | { allow: false; reason: 'revoked' | 'expired' | 'not-allowed' };

export interface ChangeEvent {
  rev: number;
  kind: 'allow' | 'revoke';
  peerId: string;
}

export interface StoredShared {
  seq: number;
  origin: string;
  record: SharedRecord;
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** A prepared statement taking positional parameters. */
type Statement = ReturnType<SqliteDatabase['prepare']> & {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
};

/** `db.prepare` with a per-database cache: each SQL text is compiled once. */
function statementCache(db: SqliteDatabase): (sql: string) => Statement {
  const cache = new Map<string, Statement>();
  return (sql) => {
    let st = cache.get(sql);
    if (!st) {
      st = db.prepare(sql) as Statement;
      cache.set(sql, st);
    }
    return st;
  };
}

export class CoordinatorStore {
  readonly db: SqliteDatabase;
  private readonly sql: (sql: string) => Statement;

  constructor(file: string) {
    this.db = open(file);
    this.sql = statementCache(this.db);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS members(
        peer_id TEXT PRIMARY KEY, role TEXT NOT NULL, status TEXT NOT NULL CHECK(status IN ('allowed','revoked')),
        not_after INTEGER NOT NULL, added_at INTEGER NOT NULL, revoked_at INTEGER, last_seen INTEGER,
        agent_type TEXT, transport TEXT, rtt_ms REAL, note TEXT);
      CREATE TABLE IF NOT EXISTS tokens(
        token_hash TEXT PRIMARY KEY, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_by TEXT, used_at INTEGER);
      CREATE TABLE IF NOT EXISTS shared(
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, origin TEXT NOT NULL, kind TEXT NOT NULL,
        created_at REAL NOT NULL, received_at INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS rotations(idx INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS changes(
        rev INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, peer_id TEXT NOT NULL, at INTEGER NOT NULL);
    `);
  }

  close(): void {
    this.db.close();
  }

  /** Adds or re-allows a member (clears a revocation) and logs the change for a running coordinator. */
  allow(peerId: string, role: SwarmRole, notAfter: number, note: string | null = null, now = Date.now()): void {
    this.db.transaction(() => {
      this.sql(
        `INSERT INTO members(peer_id, role, status, not_after, added_at, note) VALUES (?, ?, 'allowed', ?, ?, ?)
           ON CONFLICT(peer_id) DO UPDATE SET role = excluded.role, status = 'allowed', not_after = excluded.not_after, revoked_at = NULL, note = COALESCE(excluded.note, members.note)`,
      ).run(peerId, role, notAfter, now, note);
      this.sql(`INSERT INTO changes(kind, peer_id, at) VALUES ('allow', ?, ?)`).run(peerId, now);
    })();
  }

  /** Revokes a member (kept in the table as revoked, so the gater refuses it by name). Returns false if unknown. */
  revoke(peerId: string, now = Date.now()): boolean {
    return this.db.transaction(() => {
      const r = this.sql(
        `INSERT INTO members(peer_id, role, status, not_after, added_at, revoked_at) VALUES (?, 'agent', 'revoked', 0, ?, ?)
                  ON CONFLICT(peer_id) DO UPDATE SET status = 'revoked', revoked_at = excluded.revoked_at`,
      ).run(peerId, now, now);
      this.sql(`INSERT INTO changes(kind, peer_id, at) VALUES ('revoke', ?, ?)`).run(peerId, now);
      return r.changes > 0;
    })();
  }

  member(peerId: string): MemberRow | undefined {
    const r = this.sql(`SELECT * FROM members WHERE peer_id = ?`).get(peerId) as Record<string, unknown> | undefined;
    return r ? toMember(r) : undefined;
  }

  members(): MemberRow[] {
    return (this.sql(`SELECT * FROM members ORDER BY added_at, peer_id`).all() as Array<Record<string, unknown>>).map(toMember);
  }

  /** The gater's decision for a peer that finished the encrypted handshake. */
  gate(peerId: string, now = Date.now()): GateDecision {
    const m = this.sql(`SELECT status, not_after FROM members WHERE peer_id = ?`).get(peerId) as { status: string; not_after: number } | undefined;
    if (!m) return this.enrollmentOpen(now) ? { allow: true, enrolled: false } : { allow: false, reason: 'not-allowed' };
    if (m.status === 'revoked') return { allow: false, reason: 'revoked' };
    if (m.not_after <= now) return { allow: false, reason: 'expired' };
    return { allow: true, enrolled: true };
  }

  /** Extends a membership that is still valid; an expired one is not revived by a renewal (issue 12, attack 9). */
  extendMembership(peerId: string, notAfter: number, now = Date.now()): void {
    this.sql(`UPDATE members SET not_after = MAX(not_after, ?) WHERE peer_id = ? AND status = 'allowed' AND not_after > ?`).run(notAfter, peerId, now);
  }

  touch(peerId: string, fields: { agentType?: string; transport?: string; rttMs?: number }, now = Date.now()): void {
    this.sql(`UPDATE members SET last_seen = ?, agent_type = COALESCE(?, agent_type), transport = COALESCE(?, transport), rtt_ms = COALESCE(?, rtt_ms) WHERE peer_id = ?`).run(
      now,
      fields.agentType ?? null,
      fields.transport ?? null,
      fields.rttMs ?? null,
      peerId,
    );
  }

  /** Creates a one-time enrollment token (returned once, stored hashed). */
  createToken(ttlMs: number, now = Date.now()): string {
    const token = crypto.randomBytes(18).toString('base64url');
    this.sql(`INSERT INTO tokens(token_hash, created_at, expires_at) VALUES (?, ?, ?)`).run(hashToken(token), now, now + ttlMs);
    return token;
  }

  enrollmentOpen(now = Date.now()): boolean {
    return this.sql(`SELECT 1 FROM tokens WHERE used_by IS NULL AND expires_at > ? LIMIT 1`).get(now) !== undefined;
  }

  /** Whether this token is still open: known, unused and not expired (the app shows it until then). */
  tokenOpen(token: string, now = Date.now()): boolean {
    return this.sql(`SELECT 1 FROM tokens WHERE token_hash = ? AND used_by IS NULL AND expires_at > ?`).get(hashToken(token), now) !== undefined;
  }

  /** Spends a token for `peerId` and allows the peer, atomically. False when unknown, used or expired. */
  redeemToken(token: string, peerId: string, role: SwarmRole, notAfter: number, now = Date.now()): boolean {
    return this.db.transaction(() => {
      const r = this.sql(`UPDATE tokens SET used_by = ?, used_at = ? WHERE token_hash = ? AND used_by IS NULL AND expires_at > ?`).run(peerId, now, hashToken(token), now);
      if (r.changes !== 1) return false;
      const m = this.member(peerId);
      if (m?.status === 'revoked') return false;
      this.allow(peerId, role, notAfter, 'enrolled with a token', now);
      return true;
    })();
  }

  /** Stores a shared record once (dedup by id). Returns its sequence number and whether it is new. */
  putShared(origin: string, record: SharedRecord, now = Date.now()): { seq: number; inserted: boolean } {
    // Look first: a conflicting INSERT would still consume an AUTOINCREMENT value and leave a gap in `seq`,
    // which agents use as a contiguous catch-up cursor.
    return this.db.transaction(() => {
      const row = this.sql(`SELECT seq FROM shared WHERE id = ?`).get(record.id) as { seq: number } | undefined;
      if (row) return { seq: row.seq, inserted: false };
      const r = this.sql(`INSERT INTO shared(id, origin, kind, created_at, received_at, body) VALUES (?, ?, ?, ?, ?, ?)`).run(record.id, origin, record.kind, record.createdAt, now, JSON.stringify(record));
      return { seq: Number(r.lastInsertRowid), inserted: true };
    })();
  }

  sharedAfter(seq: number, limit: number): StoredShared[] {
    return (this.sql(`SELECT seq, origin, body FROM shared WHERE seq > ? ORDER BY seq LIMIT ?`).all(seq, limit) as Array<{ seq: number; origin: string; body: string }>).map((r) => ({
      seq: r.seq,
      origin: r.origin,
      record: JSON.parse(r.body) as SharedRecord,
    }));
  }

  maxSeq(): number {
    return (this.sql(`SELECT COALESCE(MAX(seq), 0) AS s FROM shared`).get() as { s: number }).s;
  }

  sharedCount(): number {
    return (this.sql(`SELECT COUNT(*) AS n FROM shared`).get() as { n: number }).n;
  }

  /** The coordinator's own key rotations (signed statements), oldest first. */
  addRotation(statement: unknown): void {
    this.sql(`INSERT INTO rotations(body) VALUES (?)`).run(JSON.stringify(statement));
  }
  rotations(): unknown[] {
    return (this.sql(`SELECT body FROM rotations ORDER BY idx`).all() as Array<{ body: string }>).map((r) => JSON.parse(r.body) as unknown);
  }

  lastChange(): number {
    return (this.sql(`SELECT COALESCE(MAX(rev), 0) AS r FROM changes`).get() as { r: number }).r;
  }

  changesAfter(rev: number): ChangeEvent[] {
    return (this.sql(`SELECT rev, kind, peer_id FROM changes WHERE rev > ? ORDER BY rev`).all(rev) as Array<{ rev: number; kind: 'allow' | 'revoke'; peer_id: string }>).map((r) => ({
      rev: r.rev,
      kind: r.kind,
      peerId: r.peer_id,
    }));
  }
}

function toMember(r: Record<string, unknown>): MemberRow {
  return {
    peerId: r['peer_id'] as string,
    role: r['role'] as SwarmRole,
    status: r['status'] as 'allowed' | 'revoked',
    notAfter: r['not_after'] as number,
    addedAt: r['added_at'] as number,
    revokedAt: (r['revoked_at'] as number | null) ?? null,
    lastSeen: (r['last_seen'] as number | null) ?? null,
    agentType: (r['agent_type'] as string | null) ?? null,
    transport: (r['transport'] as string | null) ?? null,
    rttMs: (r['rtt_ms'] as number | null) ?? null,
    note: (r['note'] as string | null) ?? null,
  };
}

export class AgentStore {
  readonly db: SqliteDatabase;
  private readonly sql: (sql: string) => Statement;

  constructor(file: string) {
    this.db = open(file);
    this.sql = statementCache(this.db);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS outbox(id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS received(
        id TEXT PRIMARY KEY, seq INTEGER, origin TEXT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL, received_at INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS revoked(peer_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
    `);
  }

  close(): void {
    this.db.close();
  }

  getMeta(key: string): string | undefined {
    return (this.sql(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined)?.value;
  }
  setMeta(key: string, value: string): void {
    this.sql(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(key, value);
  }

  /** Durably queues a record for the coordinator; a second enqueue of the same id is a no-op. */
  enqueue(record: SharedRecord, now = Date.now()): boolean {
    return this.sql(`INSERT INTO outbox(id, body, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING`).run(record.id, JSON.stringify(record), now).changes === 1;
  }
  pending(limit: number): SharedRecord[] {
    return (this.sql(`SELECT body FROM outbox ORDER BY created_at, id LIMIT ?`).all(limit) as Array<{ body: string }>).map((r) => JSON.parse(r.body) as SharedRecord);
  }
  pendingCount(): number {
    return (this.sql(`SELECT COUNT(*) AS n FROM outbox`).get() as { n: number }).n;
  }
  acked(ids: string[]): void {
    const del = this.sql(`DELETE FROM outbox WHERE id = ?`);
    this.db.transaction(() => {
      for (const id of ids) del.run(id);
    })();
  }

  cursor(): number {
    return Number(this.getMeta('cursor') ?? '0');
  }
  advanceCursor(seq: number): void {
    this.sql(`INSERT INTO meta(key, value) VALUES ('cursor', ?) ON CONFLICT(key) DO UPDATE SET value = CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)`).run(String(seq));
  }

  /** Records a received id; false when it was already received (dedup). */
  markReceived(id: string, seq: number | null, origin: string, record: SharedRecord, pathName: string, now = Date.now()): boolean {
    return (
      this.sql(`INSERT INTO received(id, seq, origin, kind, path, received_at, body) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`).run(id, seq, origin, record.kind, pathName, now, JSON.stringify(record))
        .changes === 1
    );
  }
  receivedCount(): number {
    return (this.sql(`SELECT COUNT(*) AS n FROM received`).get() as { n: number }).n;
  }
  receivedIds(): string[] {
    return (this.sql(`SELECT id FROM received ORDER BY received_at, id`).all() as Array<{ id: string }>).map((r) => r.id);
  }
  markRevoked(peerId: string, now = Date.now()): void {
    this.sql(`INSERT INTO revoked(peer_id, at) VALUES (?, ?) ON CONFLICT(peer_id) DO NOTHING`).run(peerId, now);
  }
  isRevoked(peerId: string): boolean {
    return this.sql(`SELECT 1 FROM revoked WHERE peer_id = ?`).get(peerId) !== undefined;
  }
}
