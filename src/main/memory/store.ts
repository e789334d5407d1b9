/**
 * The pattern memory of one workspace: `<dataDir>/memory.sqlite`. Records experiences, outcomes and
 * verdicts (each write one transaction: all of a record or nothing), keeps the audit chain, adapts the
 * thresholds, and serves retrieval from an in-memory index loaded once and kept fresh incrementally
 * (own writes, and other processes' commits seen through PRAGMA data_version). The class holds the lifecycle,
 * the write transactions and the record / outcome / judge / adapt path; retrieval (retrieval.ts), the chain
 * check (verify-chain.ts), the swarm exchange (portable.ts) and key rotation (rotate-key.ts) are functions it
 * delegates to with a private internals object (the members each declares it needs), never the class itself.
 * Runs in the Electron main process and headless alike; callers use it through ./index.ts.
 * Must never: write anything when a check fails, delete a chained record, or hold plaintext on disk.
 */
import type Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { WarpdeskError } from '../../shared/errors';
import { getEngine } from '../engine';
import {
  calibrate as calibrateState,
  calibrationBins,
  calibrationError,
  DEFAULT_ADAPT,
  emptyAdaptState,
  parseAdaptState,
  similarityThreshold,
  successRate,
  updateAdaptState,
  type AdaptConfig,
  type AdaptState,
} from './adapt';
import { learningMetrics, patternMetrics } from '../metrics';
import { canonicalJson, GENESIS_HASH, linkHash } from './canonical';
import { experienceContent, verdictContent } from './chain';
import { uuidv7, isRecordId } from './ids';
import { checkOutcome, judgeOutcome, type OutcomeInput } from './judge';
import { aadFor, generateKey, KEY_ENV, Keyring, type KeyProvider, type MemoryKey, type Sealed } from './keys';
import type { PatternIndex } from './pattern-index';
import { migrate, openDb, schemaVersion, SCHEMA_VERSION, type Db } from './schema';
import { fieldsOf, sealedOf, verdictFromRow, type ExperienceRow, type PatternRow, type SealedRow, type VerdictRow } from './rows';
import { prepare, resolveAgentId, type Statements } from './statements';
import { verifyChain, type ChainHost } from './verify-chain';
import { exportExperience, importRemoteExperience, type PortableHost } from './portable';
import { rotateKey, type RotationHost } from './rotate-key';
import { distilledStats, experienceIndex, newRetrievalCache, retrieve, type MemoryEngine, type RetrievalCache, type RetrievalHost } from './retrieval';
import { decodePattern, dequantizeInto, encodePattern, type DecodedPattern } from './pattern-codec';
import type {
  ChainCheckpoint,
  ChainReport,
  ContextValue,
  DistilledStats,
  Experience,
  ExperienceInput,
  ExperienceSummary,
  MatchInput,
  MemoryStats,
  Origin,
  Outcome,
  PortableExperience,
  PortableVerdict,
  RetrieveOptions,
  RetrieveResult,
  RotationReport,
  ThresholdInfo,
  TrajectoryPoint,
  Verdict,
} from './types';
import { checkExperience, checkFinite, checkInteger, checkText, checkUnit } from './validate';

export { decodePattern, dequantizeInto, encodePattern, type DecodedPattern } from './pattern-codec';

export { ENCRYPTED_TABLES } from './rotate-key';

export const MEMORY_FILE = 'memory.sqlite';
const KEY_CHECK = Buffer.from('warpdesk-memory-key-check-v1', 'utf8');

export type { MemoryEngine } from './retrieval';

export interface OpenMemoryOptions {
  /** The workspace folder; the database is `<dataDir>/memory.sqlite`. */
  dataDir: string;
  /** Where keys come from (default: WARPDESK_MEMORY_KEY if set, else `<dataDir>/memory.key`). */
  keyProvider?: KeyProvider;
  /** Who records experiences (default: an id made once per workspace). */
  agentId?: string;
  /** Open without writing anything (audit, inspection). */
  readonly?: boolean;
  /** 'normal' (default) survives a killed process; 'full' also a power loss, with an fsync per commit. */
  synchronous?: 'normal' | 'full';
  /** The pattern engine (default: getEngine()). */
  engine?: MemoryEngine;
  /** Threshold learning parameters. */
  adapt?: Partial<AdaptConfig>;
  /** Clock (epoch ms), for tests and simulations. */
  now?: () => number;
}

/** How many recorded experiences keep their analog returns in RAM for judging (see `recentReturns`). */
const RECENT_RETURNS = 16_384;

/** A thresholds row with its adaptive state parsed. */
interface ThresholdRowState {
  version: number;
  similarity_threshold: number;
  state: AdaptState;
  updated_at: number;
}

/** The store internals the job modules take (each declares the part it needs). */
type StoreInternals = ChainHost & PortableHost & RotationHost & RetrievalHost;

export class MemoryStore {
  readonly file: string;
  readonly agentId: string;
  readonly readonly: boolean;
  private ring: Keyring;
  private readonly adaptConfig: AdaptConfig;
  /** Metric updates of the write in progress, published once its transaction commits (dropped if it rolls back). */
  private uncommitted: Array<() => void> = [];
  private readonly clock: () => number;
  private engineRef: MemoryEngine | undefined;
  /** The retrieval indexes (retrieval.ts), marked dirty by every write that changes what retrieval sees. */
  private readonly cache: RetrievalCache = newRetrievalCache();
  private closed = false;
  private writesSinceCheckpoint = 0;
  private lastWriteAt = 0;
  private checkpointAfterBatch = false;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private readonly st: Statements;
  /**
   * Write-transaction caches, set only while `batch` runs: SQLite's write lock is held for the whole batch, so
   * no other connection can change the ledger head or a threshold row; every write here goes through the
   * methods that update these caches. Dropped when the batch ends and whenever a nested write throws (its
   * savepoint rolled back), so they never outlive the state they mirror.
   */
  private tx: { head?: { seq: number; hash: string }; thresholds: Map<string, ThresholdRowState> } | undefined;
  /**
   * The analog returns of recently recorded local experiences (what judging reads from the sealed payload),
   * so a verdict soon after its record skips decrypting and parsing the payload. Values are exactly what a
   * JSON round trip of the payload gives; bounded (oldest dropped first). Experiences are immutable.
   */
  private readonly recentReturns = new Map<string, Array<number | null>>();

  constructor(
    readonly db: Db,
    file: string,
    ring: Keyring,
    readonly provider: KeyProvider,
    agentId: string,
    options: OpenMemoryOptions,
  ) {
    this.file = file;
    this.ring = ring;
    this.agentId = agentId;
    this.readonly = !!options.readonly;
    this.adaptConfig = { ...DEFAULT_ADAPT, ...options.adapt };
    this.clock = options.now ?? Date.now;
    this.engineRef = options.engine;
    this.st = prepare(db, this.readonly);
    this.runTx = db.transaction((fn: () => unknown) => fn());
    this.inner = {
      db,
      st: this.st,
      file,
      open: () => this.open(),
      readPattern: (id) => this.readPattern(id),
      readPayload: (row) => this.readPayload(row),
      readOutcome: (id) => this.readOutcome(id),
      writable: () => this.writable(),
      experienceRow: (id) => this.experienceRow(id),
      write: (fn) => this.write(fn),
      seal: (table, id, plaintext) => this.seal(table, id, plaintext),
      now: () => this.now(),
      appendLink: (kind, recordId, canonical) => this.appendLink(kind, recordId, canonical),
      insertOutcome: (id, o, recordedAt) => this.insertOutcome(id, o, recordedAt),
      judgeRow: (row, origin, given, known) => this.judgeRow(row, origin, given, known),
      queueMetric: (update) => {
        this.uncommitted.push(update);
      },
      touch: () => this.touch(),
      provider,
      unseal: (table, id, row, what) => this.unseal(table, id, row, what),
      registerKey: (key) => this.registerKey(key),
      setKeyring: (next) => {
        this.ring = next;
      },
      checkpoint: () => this.checkpoint(),
      cache: this.cache,
      engine: () => this.engine,
    };
  }

  /** What the job modules (retrieval, verify-chain, portable, rotate-key) see of the store: an explicit few members, never the class. */
  private readonly inner: StoreInternals;

  /** One transaction function for every write (better-sqlite3 builds a new wrapper per `transaction()` call). */
  private readonly runTx: Database.Transaction<(fn: () => unknown) => unknown>;

  // ---------------------------------------------------------------- plumbing

  get engine(): MemoryEngine {
    if (!this.engineRef) {
      // Resolved on first use so that opening the memory (audit, CLI) never loads the native addon.
      this.engineRef = getEngine();
    }
    return this.engineRef;
  }

  now(): number {
    return this.clock();
  }

  get keyring(): Keyring {
    return this.ring;
  }

  private open(): void {
    if (this.closed) throw new WarpdeskError('Unavailable', 'The memory is closed.');
  }

  private writable(): void {
    this.open();
    if (this.readonly) throw new WarpdeskError('Unavailable', 'The memory is open read-only.');
  }

  /** One write transaction (a savepoint inside a batch); a failure drops the batch caches with the rolled-back writes. */
  /**
   * Runs fn in a write transaction (a savepoint when one is open). Metric updates fn queues (`uncommitted`) are
   * published once the outermost transaction commits, and dropped with whatever rolls back.
   */
  private write<T>(fn: () => T): T {
    const outermost = !this.db.inTransaction;
    const mark = this.uncommitted.length;
    try {
      const r = this.runTx.immediate(fn) as T;
      if (outermost) this.publishCommitted();
      return r;
    } catch (err) {
      if (this.tx) this.tx = { thresholds: new Map() };
      this.uncommitted.length = mark;
      throw err;
    }
  }

  /** Publishes the metric updates of a committed transaction; a scratch memory (a backtest's, in RAM) is not the user's memory and stays out of them. */
  private publishCommitted(): void {
    const updates = this.uncommitted;
    this.uncommitted = [];
    if (this.file !== ':memory:') for (const f of updates) f();
  }

  seal(table: string, id: string, plaintext: Buffer): Sealed {
    return this.ring.seal(plaintext, aadFor(table, id));
  }

  unseal(table: string, id: string, row: SealedRow, what: string): Buffer {
    return this.ring.open(sealedOf(row), aadFor(table, id), what);
  }

  readPattern(id: string): DecodedPattern {
    const row = this.st.pattern.get(id) as PatternRow | undefined;
    if (!row) throw new WarpdeskError('NotFound', `No stored pattern has id ${id}.`, { id });
    return decodePattern(this.unseal('patterns', id, row, `pattern ${id}`), row.length);
  }

  private readPayload(row: ExperienceRow): { matches: MatchInput[]; context: Record<string, ContextValue> } {
    return JSON.parse(this.unseal('experiences', row.id, row, `experience ${row.id}`).toString('utf8')) as { matches: MatchInput[]; context: Record<string, ContextValue> };
  }

  readOutcome(experienceId: string): OutcomeInput | undefined {
    const row = this.st.outcome.get(experienceId) as (SealedRow & { recorded_at: number }) | undefined;
    if (!row) return undefined;
    return JSON.parse(this.unseal('outcomes', experienceId, row, `outcome of ${experienceId}`).toString('utf8')) as OutcomeInput;
  }

  private appendLink(kind: 'experience' | 'verdict', recordId: string, canonical: string): { seq: number; hash: string } {
    const head = this.tx?.head ?? (this.st.ledgerHead.get() as { seq: number; hash: string } | undefined);
    const seq = (head?.seq ?? 0) + 1;
    const prev = head?.hash ?? GENESIS_HASH;
    const hash = linkHash(prev, canonical);
    this.st.insertLedger.run(seq, kind, recordId, prev, hash);
    if (this.tx) this.tx.head = { seq, hash };
    return { seq, hash };
  }

  /**
   * After every committed write. SQLite's automatic checkpoint would copy the WAL into the database (and
   * fsync) inside whichever commit crosses 1,000 pages, a multi-millisecond stall on the record path; here
   * a PASSIVE checkpoint runs from an idle timer once a second has passed without writes (a timer armed at a
   * burst's first write re-arms itself while writes go on), and inline only when the WAL passes 64 MB (a long
   * burst with no idle time, e.g. a backtest or a learn walk).
   */
  private noteWrite(): void {
    this.lastWriteAt = performance.now();
    if (++this.writesSinceCheckpoint % 256 === 0) {
      let wal = 0;
      try {
        wal = fs.statSync(`${this.file}-wal`).size;
      } catch {
        /* no WAL yet */
      }
      // inside a batch the checkpoint can't run (the open transaction holds the tables): the batch runs it at its end
      if (wal > 64 * 1024 * 1024) {
        if (this.db.inTransaction) this.checkpointAfterBatch = true;
        else this.checkpoint();
      }
    }
    if (!this.checkpointTimer) this.armCheckpoint(1000);
  }

  private armCheckpoint(ms: number): void {
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = undefined;
      if (this.closed) return;
      const quiet = performance.now() - this.lastWriteAt;
      if (quiet < 1000) this.armCheckpoint(1000 - quiet);
      else this.checkpoint();
    }, ms);
    this.checkpointTimer.unref();
  }

  /**
   * Copies the WAL into the database file. PASSIVE (the idle timer) never waits for other connections;
   * TRUNCATE (an explicit call) waits up to the busy timeout and then empties the WAL file.
   */
  checkpoint(mode: 'PASSIVE' | 'TRUNCATE' = 'PASSIVE'): { walPages: number; checkpointed: number } {
    if (this.closed || this.readonly) return { walPages: 0, checkpointed: 0 };
    const r = (this.db.pragma(`wal_checkpoint(${mode})`) as Array<{ busy: number; log: number; checkpointed: number }>)[0]!;
    this.writesSinceCheckpoint = 0;
    return { walPages: r.log, checkpointed: r.checkpointed };
  }

  // ---------------------------------------------------------------- experiences

  /** Records one experience (a search and what it found) and returns it with its new id. */
  recordExperience(input: ExperienceInput): Experience {
    return this.recordExperiences([input])[0]!;
  }

  /** Records several experiences in one transaction (all or none). */
  recordExperiences(inputs: ExperienceInput[]): Experience[] {
    this.writable();
    if (!Array.isArray(inputs)) throw new WarpdeskError('InvalidInput', 'Expected a list of experiences.');
    const prepared = inputs.map((input) => {
      const e = checkExperience(input);
      const at = e.at ?? this.now();
      const id = uuidv7(this.now());
      const q = this.engine.quantize(e.query);
      const pattern = { length: e.query.length, scale: q.scale, offset: q.offset, codes: q.codes };
      const similarity = e.matches.length ? e.matches.reduce((s, m) => s + m.similarity, 0) / e.matches.length : 0;
      const payload = { matches: e.matches, context: e.context };
      // The sealed payload is its canonical JSON (sorted keys; parses to the same values), written once and
      // spliced into the chained content.
      const payloadJson = canonicalJson(payload);
      const canonical = experienceContent(
        {
          id,
          agentId: this.agentId,
          patternType: e.patternType,
          dataset: e.dataset,
          timeframe: e.timeframe,
          signal: e.signal,
          confidence: e.confidence,
          similarity,
          horizon: e.horizon,
          at,
          pattern: { length: pattern.length, scale: pattern.scale, offset: pattern.offset, codes: Buffer.from(pattern.codes).toString('base64') },
          payload,
        },
        payloadJson,
      );
      return { e, id, at, pattern, similarity, payload, payloadJson, canonical };
    });
    const recordedAt = this.now();
    const tx = (): void => {
      for (const p of prepared) {
        const sp = this.seal('patterns', p.id, encodePattern(p.pattern));
        this.st.insertPattern.run(p.id, p.pattern.length, sp.keyId, sp.nonce, sp.data);
        const se = this.seal('experiences', p.id, Buffer.from(p.payloadJson, 'utf8'));
        this.st.insertExperience.run(p.id, this.agentId, 'local', p.e.patternType, p.e.dataset, p.e.timeframe, p.e.signal, p.e.confidence, p.similarity, p.e.horizon, p.at, recordedAt, se.keyId, se.nonce, se.data);
        this.appendLink('experience', p.id, p.canonical);
        this.st.insertTrajectory.run(p.e.patternType, p.e.patternType, p.id);
      }
      this.uncommitted.push(() => learningMetrics.experiencesTotal.inc({ origin: 'local' }, prepared.length));
    };
    this.write(tx);
    for (const p of prepared) this.rememberReturns(p.id, p.payload.matches);
    this.cache.dirty = true;
    this.noteWrite();
    return prepared.map((p) => ({
      id: p.id,
      agentId: this.agentId,
      origin: 'local' as const,
      patternType: p.e.patternType,
      dataset: p.e.dataset,
      timeframe: p.e.timeframe,
      signal: p.e.signal,
      confidence: p.e.confidence,
      similarity: p.similarity,
      horizon: p.e.horizon,
      at: p.at,
      recordedAt,
      query: dequantizeInto(p.pattern, new Float64Array(p.pattern.length)),
      matches: p.payload.matches,
      context: p.payload.context,
    }));
  }

  private rememberReturns(id: string, matches: readonly MatchInput[]): void {
    // JSON.parse(JSON.stringify(x)) of a validated (finite or null) forward return: -0 becomes 0, absent stays absent.
    this.recentReturns.set(
      id,
      matches.map((m) => (m.forwardReturn === undefined || m.forwardReturn === null ? null : m.forwardReturn === 0 ? 0 : m.forwardReturn)),
    );
    if (this.recentReturns.size > RECENT_RETURNS) this.recentReturns.delete(this.recentReturns.keys().next().value!);
  }

  private experienceRow(id: unknown): ExperienceRow {
    if (typeof id !== 'string' || !isRecordId(id)) throw new WarpdeskError('NotFound', `There is no experience with id ${String(id).slice(0, 80)}.`, { id: String(id).slice(0, 80) });
    const row = this.st.experience.get(id) as ExperienceRow | undefined;
    if (!row) throw new WarpdeskError('NotFound', `There is no experience with id ${id}.`, { id });
    return row;
  }

  getExperience(id: string): Experience {
    this.open();
    const row = this.experienceRow(id);
    const p = this.readPattern(id);
    const payload = this.readPayload(row);
    return {
      ...fieldsOf(row),
      recordedAt: row.recorded_at,
      query: dequantizeInto(p, new Float64Array(p.length)),
      matches: payload.matches,
      context: payload.context,
    };
  }

  /** Newest first; filters are exact matches. */
  listExperiences(options: { patternType?: string; limit?: number; before?: number } = {}): ExperienceSummary[] {
    this.open();
    const limit = options.limit === undefined ? 100 : checkInteger(options.limit, 'limit', 1, 10_000);
    const before = options.before === undefined ? Number.MAX_SAFE_INTEGER : checkFinite(options.before, 'before');
    const rows = (options.patternType === undefined ? this.st.listAll.all(before, limit) : this.st.listType.all(checkText(options.patternType, 'pattern type'), before, limit)) as Array<
      ExperienceRow & Partial<VerdictRow> & { has_outcome: number }
    >;
    return rows.map((r) => ({
      ...fieldsOf(r),
      hasOutcome: r.has_outcome === 1,
      verdict:
        r.quality === null || r.quality === undefined
          ? null
          : {
              quality: r.quality,
              profitability: r.profitability!,
              risk: r.risk!,
              timing: r.timing!,
              consistency: r.consistency!,
              success: r.success === 1,
              judgedAt: r.judged_at!,
            },
      flags: (this.st.flagsOf.all(r.id) as Array<{ kind: 'duplicate' | 'contradiction' | 'pruned'; related_id: string; detail: string }>).map((f) => ({
        kind: f.kind,
        relatedId: f.related_id || null,
        detail: f.detail,
      })),
    }));
  }

  /** Ids of local experiences still waiting for an outcome, oldest first (optionally of one data set). */
  pending(options: { dataset?: string; limit?: number } = {}): string[] {
    this.open();
    const dataset = options.dataset === undefined ? null : checkText(options.dataset, 'data set');
    const limit = options.limit === undefined ? 10_000 : checkInteger(options.limit, 'limit', 1, 1_000_000);
    return (this.st.pending.all(dataset, dataset, limit) as Array<{ id: string }>).map((r) => r.id);
  }

  // ---------------------------------------------------------------- outcomes, verdicts, thresholds

  /** Stores the realized outcome of an experience (once). The verdict comes from `judge`. */
  recordOutcome(experienceId: string, outcome: OutcomeInput): Outcome {
    this.writable();
    const row = this.experienceRow(experienceId);
    const o = checkOutcome(outcome);
    const recordedAt = this.now();
    this.write(() => {
      this.insertOutcome(row.id, o, recordedAt);
    });
    this.noteWrite();
    return { experienceId: row.id, recordedAt, ...o };
  }

  private insertOutcome(id: string, o: OutcomeInput, recordedAt: number): void {
    if (this.st.outcome.get(id)) throw new WarpdeskError('Conflict', `The outcome of experience ${id} is already recorded.`, { id });
    const s = this.seal('outcomes', id, Buffer.from(JSON.stringify({ realizedReturn: o.realizedReturn, mae: o.mae, timeToTarget: o.timeToTarget }), 'utf8'));
    this.st.insertOutcome.run(id, recordedAt, s.keyId, s.nonce, s.data);
  }

  /** Judges an experience from its recorded outcome: verdict (once), chain link, threshold update. */
  judge(experienceId: string): Verdict {
    this.writable();
    const row = this.experienceRow(experienceId);
    let verdict: Verdict | undefined;
    this.write(() => {
      verdict = this.judgeRow(row, 'local');
    });
    this.cache.dirty = true;
    this.noteWrite();
    return verdict!;
  }

  /** recordOutcome + judge in one transaction. */
  settle(experienceId: string, outcome: OutcomeInput): Verdict {
    this.writable();
    const row = this.experienceRow(experienceId);
    const o = checkOutcome(outcome);
    const recordedAt = this.now();
    let verdict: Verdict | undefined;
    this.write(() => {
      this.insertOutcome(row.id, o, recordedAt);
      verdict = this.judgeRow(row, 'local', undefined, o);
    });
    this.cache.dirty = true;
    this.noteWrite();
    return verdict!;
  }

  private judgeRow(row: ExperienceRow, origin: Origin, given?: PortableVerdict, known?: OutcomeInput): Verdict {
    if (this.st.verdict.get(row.id)) throw new WarpdeskError('Conflict', `Experience ${row.id} has already been judged; a verdict is recorded once.`, { id: row.id });
    const outcome = known ?? this.readOutcome(row.id);
    if (!outcome) throw new WarpdeskError('NotFound', `Experience ${row.id} has no recorded outcome to judge yet.`, { id: row.id });
    let scores;
    let judgedAt: number;
    if (given) {
      scores = { profitability: given.profitability, risk: given.risk, timing: given.timing, consistency: given.consistency, quality: given.quality, success: given.success };
      judgedAt = given.judgedAt;
    } else {
      const cached = row.origin === 'local' ? this.recentReturns.get(row.id) : undefined;
      if (cached) this.recentReturns.delete(row.id);
      const analogReturns = cached ?? this.readPayload(row).matches.map((m) => m.forwardReturn ?? null);
      scores = judgeOutcome({ signal: row.signal, horizon: row.horizon, analogReturns }, outcome);
      judgedAt = this.now();
    }
    const v: Verdict = { experienceId: row.id, origin, judgedAt, outcome, ...scores };
    this.st.insertVerdict.run(row.id, origin, v.profitability, v.risk, v.timing, v.consistency, v.quality, v.success ? 1 : 0, judgedAt);
    this.appendLink('verdict', row.id, verdictContent(v));
    this.adapt(row, v);
    this.uncommitted.push(() => {
      learningMetrics.verdictsTotal.inc({ origin, outcome: v.success ? 'success' : 'failure' });
      learningMetrics.verdictQuality.observe({ pattern_type: row.pattern_type }, v.quality);
      patternMetrics.reasoningbankQualityScore.set(v.quality);
    });
    return v;
  }

  private adapt(row: ExperienceRow, v: Verdict): void {
    const cur = this.thresholdRow(row.pattern_type);
    const state = updateAdaptState(cur ? cur.state : emptyAdaptState(), row.similarity, row.confidence, v.success);
    const version = (cur?.version ?? 0) + 1;
    const thr = similarityThreshold(state, this.adaptConfig);
    const at = this.now();
    this.st.upsertThreshold.run(row.pattern_type, version, thr, JSON.stringify(state), at);
    this.tx?.thresholds.set(row.pattern_type, { version, similarity_threshold: thr, state, updated_at: at });
    this.st.insertHistory.run(row.pattern_type, version, row.id, v.quality, thr, successRate(state), calibrationError(state), at);
    const rate = successRate(state);
    this.uncommitted.push(() => {
      learningMetrics.similarityThreshold.set({ pattern_type: row.pattern_type }, thr);
      learningMetrics.successRate.set({ pattern_type: row.pattern_type }, rate);
    });
  }

  /** A pattern type's threshold row with its state parsed (from the batch cache when one is open). */
  private thresholdRow(patternType: string): ThresholdRowState | undefined {
    const cached = this.tx?.thresholds.get(patternType);
    if (cached) return cached;
    const row = this.st.thresholdFull.get(patternType) as { version: number; similarity_threshold: number; state: string; updated_at: number } | undefined;
    if (!row) return undefined;
    const parsed = { version: row.version, similarity_threshold: row.similarity_threshold, state: parseAdaptState(row.state), updated_at: row.updated_at };
    this.tx?.thresholds.set(patternType, parsed);
    return parsed;
  }

  getVerdict(experienceId: string): Verdict | null {
    this.open();
    const row = this.experienceRow(experienceId);
    const v = this.st.verdict.get(row.id) as VerdictRow | undefined;
    if (!v) return null;
    return { ...verdictFromRow(v), outcome: this.readOutcome(row.id)! };
  }

  /** Current thresholds of one pattern type (the initial ones before any verdict). */
  threshold(patternType: string): ThresholdInfo {
    this.open();
    checkText(patternType, 'pattern type');
    const row = this.thresholdRow(patternType);
    const state = row ? row.state : emptyAdaptState();
    return {
      patternType,
      version: row?.version ?? 0,
      similarityThreshold: row?.similarity_threshold ?? this.adaptConfig.initialThreshold,
      successRate: successRate(state),
      calibration: calibrationBins(state),
      calibrationError: calibrationError(state),
      updatedAt: row?.updated_at ?? null,
    };
  }

  /** Thresholds of every pattern type that has been judged at least once. */
  thresholds(): ThresholdInfo[] {
    this.open();
    return (this.st.thresholdTypes.all() as Array<{ pattern_type: string }>).map((r) => this.threshold(r.pattern_type));
  }

  /** The calibrated probability of success for a stated confidence, per pattern type. */
  calibrate(patternType: string, confidence: number): number {
    this.open();
    const row = this.thresholdRow(checkText(patternType, 'pattern type'));
    return calibrateState(row ? row.state : emptyAdaptState(), checkUnit(confidence, 'confidence'));
  }

  /** The learning trajectory: quality and thresholds after each verdict, per pattern type, in order. */
  trajectory(patternType?: string, options: { limit?: number } = {}): TrajectoryPoint[] {
    this.open();
    const limit = options.limit === undefined ? 100_000 : checkInteger(options.limit, 'limit', 1, 1_000_000);
    const rows = (patternType === undefined ? this.st.historyAll.all(limit) : this.st.historyType.all(checkText(patternType, 'pattern type'), limit)) as Array<{
      pattern_type: string;
      version: number;
      experience_id: string;
      quality: number;
      similarity_threshold: number;
      success_rate: number;
      calibration_error: number;
      at: number;
    }>;
    return rows.map((r) => ({
      patternType: r.pattern_type,
      version: r.version,
      experienceId: r.experience_id,
      quality: r.quality,
      similarityThreshold: r.similarity_threshold,
      successRate: r.success_rate,
      calibrationError: r.calibration_error,
      at: r.at,
    }));
  }

  // ---------------------------------------------------------------- retrieval

  /** The experience index, loaded on first use, then refreshed incrementally. */
  experienceIndex(): PatternIndex {
    return experienceIndex(this.inner);
  }

  distilledStats(id: string, row: SealedRow): DistilledStats {
    return distilledStats(this.inner, id, row);
  }

  /**
   * The top-k past experiences (or distilled patterns) for a query: exact DTW over z-normalized values,
   * ranked by score = similarity x recency x reliability, then diversified with MMR (README "Retrieving").
   */
  retrieve(options: RetrieveOptions): RetrieveResult {
    return retrieve(this.inner, options);
  }

  // ---------------------------------------------------------------- swarm exchange

  /** An experience (and its verdict, when judged) in the portable form other agents import. */
  exportExperience(id: string): PortableExperience {
    return exportExperience(this.inner, id);
  }

  /**
   * Imports an experience another agent recorded (swarm gossip). Deduplicated by id: returns false when it
   * is already here (a verdict it carries is still added if ours has none). The content hash is checked;
   * an imported verdict updates the thresholds like a local one.
   */
  importRemoteExperience(input: PortableExperience): { imported: boolean; verdictImported: boolean } {
    return importRemoteExperience(this.inner, input);
  }

  // ---------------------------------------------------------------- audit chain

  /**
   * Recomputes the whole chain from the records (decrypting them) and reports the first broken link: a
   * record edited, deleted or reordered behind the app's back, or a record that was never chained.
   */
  verifyChain(options: { receipts?: readonly ChainCheckpoint[] } = {}): ChainReport {
    return verifyChain(this.inner, options);
  }

  // ---------------------------------------------------------------- keys

  /**
   * Re-encrypts every record under a fresh key (from the provider's createKey, or the provider's current
   * key when it cannot create one, e.g. environment keys), in batches, each batch one transaction. If the
   * process dies half way, every record is readable with the keys the provider still holds, and calling
   * rotateKey again finishes the same rotation. Old keys are retired only at the end.
   */
  async rotateKey(options: { batchSize?: number; onProgress?: (done: number) => void } = {}): Promise<RotationReport> {
    return rotateKey(this.inner, options);
  }

  registerKey(key: MemoryKey): void {
    if (this.st.keyCheck.get(key.id)) return;
    const s = this.ring.seal(KEY_CHECK, aadFor('keys', key.id), key);
    this.st.insertKey.run(key.id, s.nonce, s.data, this.now());
  }

  // ---------------------------------------------------------------- misc

  stats(): MemoryStats {
    this.open();
    const c = this.st.counts.get() as Record<string, number>;
    const flags = Object.fromEntries((this.st.flagCounts.all() as Array<{ kind: string; n: number }>).map((r) => [r.kind, r.n]));
    const size = (f: string): number => {
      try {
        return fs.statSync(f).size;
      } catch {
        return 0;
      }
    };
    return {
      experiences: c['experiences']!,
      outcomes: c['outcomes']!,
      verdicts: c['verdicts']!,
      distilled: c['distilled']!,
      flagged: { duplicate: flags['duplicate'] ?? 0, contradiction: flags['contradiction'] ?? 0, pruned: flags['pruned'] ?? 0 },
      patternTypes: (this.st.types.all() as Array<{ pattern_type: string }>).map((r) => r.pattern_type),
      chainLength: c['chain']!,
      keyIds: (this.st.keyIds.all() as Array<{ key_id: string }>).map((r) => r.key_id),
      file: this.file,
      bytes: size(this.file),
      walBytes: size(`${this.file}-wal`),
    };
  }

  /** Runs fn in one transaction (nested record calls become savepoints): many records, one commit. */
  batch<T>(fn: () => T): T {
    this.writable();
    if (this.tx) return this.write(fn); // nested batch: a savepoint under the open one, same caches
    this.tx = { thresholds: new Map() };
    let r: T;
    try {
      r = this.runTx.immediate(fn) as T;
      this.publishCommitted();
    } catch (err) {
      this.uncommitted = [];
      throw err;
    } finally {
      this.tx = undefined;
    }
    if (this.checkpointAfterBatch && !this.db.inTransaction) {
      this.checkpointAfterBatch = false;
      try {
        this.checkpoint();
      } catch {
        /* committed either way; the idle timer checkpoints later */
      }
    }
    return r;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.checkpointTimer);
    this.cache.index = undefined;
    this.cache.distilledIndex = undefined;
    this.db.close();
  }

  /** Marks the in-memory indexes stale (after consolidation or distillation wrote). */
  touch(): void {
    this.cache.dirty = true;
    this.noteWrite();
  }
}

/**
 * Opens (creating on first use) the memory of a workspace. Checks the provider's keys against the keys the
 * records use before writing anything: a missing or wrong key is a WrongKey error.
 */
export async function openMemoryStore(options: OpenMemoryOptions, defaultProvider: (dataDir: string) => KeyProvider): Promise<MemoryStore> {
  if (!options || typeof options.dataDir !== 'string' || options.dataDir.length === 0) throw new WarpdeskError('InvalidInput', 'openMemory needs the workspace folder (dataDir).');
  const dataDir = path.resolve(options.dataDir);
  const readonly = !!options.readonly;
  const file = path.join(dataDir, MEMORY_FILE);
  if (readonly) {
    if (!fs.existsSync(file)) throw new WarpdeskError('NotFound', `There is no pattern memory in ${dataDir} (no ${MEMORY_FILE}).`);
  } else {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  }
  const provider = options.keyProvider ?? defaultProvider(dataDir);
  const db = openDb(file, { readonly, synchronous: options.synchronous });
  try {
    if (readonly) {
      const v = schemaVersion(db);
      if (v !== SCHEMA_VERSION) throw new WarpdeskError('Unavailable', `The memory in ${dataDir} has schema version ${v}; this Warpdesk reads version ${SCHEMA_VERSION} (open it once read-write to migrate).`);
    } else {
      migrate(db);
    }
    const known = db.prepare('SELECT key_id, check_nonce, check_data FROM keys').all() as Array<{ key_id: string; check_nonce: Buffer; check_data: Buffer }>;
    let keys = await provider.keys();
    if (keys.length === 0) {
      if (known.length > 0) throw new WarpdeskError('WrongKey', `The memory in ${dataDir} is encrypted with key ${known.map((k) => k.key_id).join(', ')}, and the key provider (${provider.name}) has no key.`);
      if (readonly)
        keys = [generateKey()]; // nothing is encrypted yet and nothing will be written
      else if (provider.createKey) keys = [await provider.createKey()];
      else throw new WarpdeskError('WrongKey', `The key provider (${provider.name}) has no key; set ${KEY_ENV} to a base64 32-byte key.`);
    }
    return finishOpen(db, file, dataDir, readonly, provider, keys, known, options);
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * A throw-away memory held in RAM (SQLite ":memory:") with a random in-process key, opened synchronously: what a
 * backtest learns in (a user's memory holds later experiences, which would be look-ahead). Nothing touches the
 * disk; remove() closes it.
 */
export function openScratchMemoryStore(options: Omit<OpenMemoryOptions, 'dataDir' | 'keyProvider' | 'readonly'> = {}): { store: MemoryStore; remove(): void } {
  const key = generateKey();
  const provider: KeyProvider = { name: 'scratch', keys: () => [key] };
  const file = ':memory:';
  const db = openDb(file, { readonly: false, synchronous: options.synchronous });
  try {
    migrate(db);
    const store = finishOpen(db, file, file, false, provider, [key], [], { ...options, dataDir: file });
    return { store, remove: () => store.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}

function finishOpen(
  db: Db,
  file: string,
  dataDir: string,
  readonly: boolean,
  provider: KeyProvider,
  keys: MemoryKey[],
  known: Array<{ key_id: string; check_nonce: Buffer; check_data: Buffer }>,
  options: OpenMemoryOptions,
): MemoryStore {
  {
    const ring = new Keyring(keys);
    const missing = known.filter((k) => !ring.has(k.key_id)).map((k) => k.key_id);
    if (missing.length > 0)
      throw new WarpdeskError('WrongKey', `The memory in ${dataDir} is encrypted with key ${missing.join(', ')}, which the key provider (${provider.name}) does not hold.`, {
        keyId: missing[0]!,
      });
    for (const k of known) ring.open({ keyId: k.key_id, nonce: k.check_nonce, data: k.check_data }, aadFor('keys', k.key_id), `check value of key ${k.key_id}`);
    const agentId = resolveAgentId(db, options.agentId, readonly);
    const store = new MemoryStore(db, file, ring, provider, agentId, options);
    if (!readonly) store.registerKey(ring.current);
    // The learned state as it stands, so a fresh process reports it before its first verdict.
    if (file !== ':memory:')
      for (const t of store.thresholds()) {
        learningMetrics.similarityThreshold.set({ pattern_type: t.patternType }, t.similarityThreshold);
        learningMetrics.successRate.set({ pattern_type: t.patternType }, t.successRate);
      }
    return store;
  }
}
