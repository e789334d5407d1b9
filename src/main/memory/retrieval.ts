/**
 * Retrieval: the in-memory experience index (loaded once, then refreshed incrementally from the rows added
 * since, and from other processes' commits seen through PRAGMA data_version), the index of the latest
 * distillation, and `retrieve` (exact DTW over z-normalized values, scored, diversified with MMR).
 * Must never: write to the database, or serve an index older than the last committed write it was told of.
 */
import { performance } from 'node:perf_hooks';
import { WarpdeskError } from '../../shared/errors';
import { zNormalizeInto } from '../../shared/numerics';
import type { PatternEngine } from '../engine';
import { decodePattern, dequantizeInto } from './pattern-codec';
import { DEFAULT_SCORE, mmrSelect, PatternIndex, type ScoreParams } from './pattern-index';
import type { PatternRow, SealedRow } from './rows';
import type { Db } from './schema';
import type { Statements } from './statements';
import type { DistilledStats, RetrieveOptions, RetrieveResult, RetrievedItem, Signal } from './types';
import { checkFinite, checkInteger, checkSeries, checkText, checkUnit } from './validate';

/** The engine calls the memory makes (retrieval, distillation, consolidation, quantizing on record). */
export type MemoryEngine = Pick<PatternEngine, 'dtw' | 'dtwBatch' | 'quantize' | 'rowBounds' | 'refineRows'>;

/** The retrieval indexes of one open store and how far they have read. */
export interface RetrievalCache {
  index: PatternIndex | undefined;
  distilledIndex: { generation: number; index: PatternIndex } | undefined;
  /** The last rowid read of experiences, verdicts and flags. */
  marks: { experience: number; verdict: number; flag: number };
  dataVersion: number;
  /** Set by every own write that changes what retrieval sees. */
  dirty: boolean;
}

export function newRetrievalCache(): RetrievalCache {
  return { index: undefined, distilledIndex: undefined, marks: { experience: 0, verdict: 0, flag: 0 }, dataVersion: -1, dirty: false };
}

/** What retrieval needs of the store. */
export interface RetrievalHost {
  readonly db: Db;
  readonly st: Statements;
  readonly cache: RetrievalCache;
  /** Throws when the memory is closed. */
  open(): void;
  unseal(table: string, id: string, row: SealedRow, what: string): Buffer;
  now(): number;
  /** The pattern engine (resolved on first use). */
  engine(): MemoryEngine;
}

/** The experience index, loaded on first use, then refreshed incrementally. */
export function experienceIndex(host: RetrievalHost): PatternIndex {
  host.open();
  if (!host.cache.index) {
    host.cache.index = new PatternIndex();
    refreshIndex(host);
  } else if (host.cache.dirty || host.db.pragma('data_version', { simple: true }) !== host.cache.dataVersion) {
    refreshIndex(host);
  }
  return host.cache.index;
}

function refreshIndex(host: RetrievalHost): void {
  const index = host.cache.index!;
  host.db
    .transaction(() => {
      host.cache.dataVersion = host.db.pragma('data_version', { simple: true }) as number;
      const hidden = new Set<string>();
      if (host.cache.marks.experience === 0) for (const r of host.st.hiddenAll.all() as Array<{ experience_id: string }>) hidden.add(r.experience_id);
      let tmp = new Float64Array(0);
      for (const r of host.st.indexRows.iterate(host.cache.marks.experience) as IterableIterator<
        PatternRow & { rowid: number; pattern_type: string; dataset: string; timeframe: string; at: number; quality: number | null }
      >) {
        host.cache.marks.experience = r.rowid;
        if (hidden.has(r.id)) continue;
        const p = decodePattern(host.unseal('patterns', r.id, r, `pattern ${r.id}`), r.length);
        if (tmp.length !== p.length) tmp = new Float64Array(p.length);
        const values = new Float32Array(p.length);
        zNormalizeInto(dequantizeInto(p, tmp), values);
        index.add({ id: r.id, patternType: r.pattern_type, dataset: r.dataset, timeframe: r.timeframe, at: r.at, quality: r.quality, values });
      }
      for (const v of host.st.newVerdicts.iterate(host.cache.marks.verdict) as IterableIterator<{ rowid: number; experience_id: string; quality: number }>) {
        host.cache.marks.verdict = v.rowid;
        index.setQuality(v.experience_id, v.quality);
      }
      for (const f of host.st.newFlags.iterate(host.cache.marks.flag) as IterableIterator<{ rowid: number; experience_id: string; kind: string }>) {
        host.cache.marks.flag = f.rowid;
        if (f.kind !== 'contradiction') index.remove(f.experience_id);
      }
    })
    .deferred();
  host.cache.dirty = false;
}

function distilledPatterns(host: RetrievalHost): PatternIndex {
  const gen = Number((host.st.meta.get('distill_generation') as { value: string } | undefined)?.value ?? 0);
  if (host.cache.distilledIndex?.generation === gen) return host.cache.distilledIndex.index;
  const index = new PatternIndex();
  for (const r of host.st.distilledRows.iterate(gen) as IterableIterator<PatternRow & { pattern_type: string; created_at: number; stats_key: string; stats_nonce: Buffer; stats_data: Buffer }>) {
    const p = decodePattern(host.unseal('patterns', r.id, r, `pattern ${r.id}`), r.length);
    const stats = distilledStats(host, r.id, { key_id: r.stats_key, nonce: r.stats_nonce, data: r.stats_data });
    const values = new Float32Array(p.length);
    zNormalizeInto(dequantizeInto(p, new Float64Array(p.length)), values);
    index.add({ id: r.id, patternType: r.pattern_type, dataset: '', timeframe: '', at: r.created_at, quality: stats.meanQuality, values });
  }
  host.cache.distilledIndex = { generation: gen, index };
  return index;
}

export function distilledStats(host: RetrievalHost, id: string, row: SealedRow): DistilledStats {
  return JSON.parse(host.unseal('distilled', id, row, `distilled pattern ${id}`).toString('utf8')) as DistilledStats;
}

/**
 * The top-k past experiences (or distilled patterns) for a query: exact DTW over z-normalized values,
 * ranked by score = similarity x recency x reliability, then diversified with MMR (README "Retrieving").
 */
export function retrieve(host: RetrievalHost, options: RetrieveOptions): RetrieveResult {
  host.open();
  const t0 = performance.now();
  if (!options || typeof options !== 'object') throw new WarpdeskError('InvalidInput', 'The retrieval options must be an object with a query.');
  const query = checkSeries(options.query);
  const n = query.length;
  const k = options.k === undefined ? 10 : checkInteger(options.k, 'k', 1, 100);
  const lambda = options.lambda === undefined ? 0.7 : checkUnit(options.lambda, 'lambda');
  const poolFactor = options.poolFactor === undefined ? 4 : checkInteger(options.poolFactor, 'pool factor', 1, 50);
  const window = options.window !== undefined ? checkInteger(options.window, 'window', 0, n) : Math.ceil((options.windowRatio === undefined ? 0.1 : checkUnit(options.windowRatio, 'window ratio')) * n);
  const score: ScoreParams = {
    now: options.now === undefined ? host.now() : checkFinite(options.now, 'now'),
    halfLifeMs: options.halfLifeMs === undefined ? DEFAULT_SCORE.halfLifeMs : checkFinite(options.halfLifeMs, 'half-life'),
    recencyFloor: options.recencyFloor === undefined ? DEFAULT_SCORE.recencyFloor : checkUnit(options.recencyFloor, 'recency floor'),
  };
  if (!(score.halfLifeMs > 0)) throw new WarpdeskError('InvalidInput', 'The recency half-life must be positive.');
  const source = options.source ?? 'experiences';
  if (source !== 'experiences' && source !== 'distilled') throw new WarpdeskError('InvalidInput', 'The source must be "experiences" or "distilled".');
  const filter = {
    patternType: options.patternType === undefined ? undefined : checkText(options.patternType, 'pattern type'),
    dataset: options.dataset === undefined ? undefined : checkText(options.dataset, 'data set'),
    timeframe: options.timeframe === undefined ? undefined : checkText(options.timeframe, 'timeframe'),
    exclude: options.excludeIds ? new Set(options.excludeIds) : undefined,
  };
  const index = source === 'distilled' ? distilledPatterns(host) : experienceIndex(host);
  const z = new Float32Array(n);
  zNormalizeInto(query, z);
  const pool = lambda < 1 ? k * poolFactor : k;
  const { candidates, stats } = index.search(host.engine(), z, window, pool, source === 'distilled' ? { patternType: filter.patternType } : filter, score);
  const picked = mmrSelect(host.engine(), candidates, k, lambda, window);
  const items: RetrievedItem[] = picked.map((c, i) => {
    const base = {
      id: c.id,
      rank: i + 1,
      score: c.score,
      similarity: c.similarity,
      distance: c.distance,
      recency: c.recency,
      reliability: c.reliability,
      mmr: c.mmr,
      redundancy: c.redundancy,
      at: c.at,
    };
    if (source === 'distilled') {
      const d = host.st.distilledOne.get(c.id) as SealedRow & { pattern_type: string; members: number };
      return { ...base, source: 'distilled' as const, patternType: d.pattern_type, members: d.members, stats: distilledStats(host, c.id, d) };
    }
    const e = host.st.experienceMeta.get(c.id) as { pattern_type: string; dataset: string; timeframe: string; signal: Signal; confidence: number; quality: number | null; success: number | null };
    return {
      ...base,
      source: 'experience' as const,
      patternType: e.pattern_type,
      dataset: e.dataset,
      timeframe: e.timeframe,
      signal: e.signal,
      confidence: e.confidence,
      verdict: e.quality === null ? null : { quality: e.quality, success: e.success === 1 },
      flags: (host.st.flagsOf.all(c.id) as Array<{ kind: string }>).map((f) => f.kind),
    };
  });
  return { items, stats: { ...stats, pool: candidates.length, window, elapsedMs: performance.now() - t0 } };
}
