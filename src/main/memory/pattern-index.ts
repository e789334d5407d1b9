/**
 * The in-memory retrieval index: every active pattern, decrypted once, dequantized and z-normalized into one
 * flat Float32Array per pattern length, plus per-row metadata (time, type, verdict quality). Search returns
 * the EXACT top candidates by score = similarity x recency x reliability (README "Retrieving"), best first:
 *  1. LB_PAA for every row (16 segment means stored per row against the query envelope's segment max/min):
 *     a lower bound of LB_Keogh, hence of DTW, so ub = sim(LB_PAA) x weight bounds the row's score;
 *  2. rows visited in descending ub (counting sort into 4,096 buckets); the search stops when ub falls to
 *     the current k-th score; a visited row gets the full LB_Keogh (squared cost, Sakoe-Chiba envelope of
 *     the query) with early abandoning, and the survivors exact DTW from the engine's `dtwBatch`, in small
 *     batches so the threshold tightens as it goes.
 * Because every bound is a true lower bound of the DTW distance, pruning never changes the answer.
 * The rows and the query are z-normalized by the caller with the engine's convention (src/shared/numerics
 * `zNormalizeInto`); the envelope, LB_Keogh and the similarity formula are the shared ones too.
 * Must never: return a row whose exact score was not computed, or hold key material.
 */
import { envelope, similarityFromDistance } from '../../shared/numerics';
import type { NumericArray, PatternEngine } from '../engine';

export interface IndexEntry {
  id: string;
  patternType: string;
  dataset: string;
  timeframe: string;
  at: number;
  /** Verdict quality in [0, 1], or null while unjudged. */
  quality: number | null;
  /** z-normalized values. */
  values: Float32Array;
}

/** Segments of the per-row PAA summary used by the first pruning pass. */
const SEGMENTS = 16;

interface Bucket {
  length: number;
  count: number;
  values: Float32Array;
  /** SEGMENTS means per row (f64: the bound must not round above the true LB_PAA). */
  paa: Float64Array;
  ids: string[];
  at: Float64Array;
  quality: Float64Array;
  type: Int32Array;
  dataset: Int32Array;
  timeframe: Int32Array;
  active: Uint8Array;
  /** Recency cache: decay[r] = 2^((at[r] - ref) / halfLife) for rows < decayRows (valid for one half-life). */
  decay: Float64Array;
  decayRows: number;
  decayHalfLife: number;
  decayRef: number;
}

export interface ScoreParams {
  /** Epoch ms the recency is measured from. */
  now: number;
  /** Age at which the recency factor has fallen half way to its floor. */
  halfLifeMs: number;
  /** Recency never falls below this (in (0, 1]). */
  recencyFloor: number;
}

export const DEFAULT_SCORE: Omit<ScoreParams, 'now'> = { halfLifeMs: 90 * 86_400_000, recencyFloor: 0.5 };

export function recencyOf(at: number, p: ScoreParams): number {
  const age = Math.max(0, p.now - at);
  return p.recencyFloor + (1 - p.recencyFloor) * Math.pow(2, -age / p.halfLifeMs);
}

/** Reliability in [0.5, 1]: 0.5 + 0.5 q, q = the verdict's quality, else the pattern type's mean quality (0.5 with none). */
export function reliabilityOf(quality: number | null, typeMean: number): number {
  return 0.5 + 0.5 * (quality ?? typeMean);
}

export interface SearchFilter {
  patternType?: string;
  dataset?: string;
  timeframe?: string;
  /** Ids to leave out (e.g. the query's own experience). */
  exclude?: ReadonlySet<string>;
}

export interface Candidate {
  id: string;
  distance: number;
  similarity: number;
  recency: number;
  reliability: number;
  score: number;
  quality: number | null;
  at: number;
  /** The row's z-normalized values (a view into the index; copy before keeping). */
  values: Float32Array;
}

export interface SearchStats {
  rows: number;
  lowerBounded: number;
  dtwComputed: number;
}

export class PatternIndex {
  private readonly buckets = new Map<number, Bucket>();
  private readonly where = new Map<string, { bucket: Bucket; row: number }>();
  private readonly codes = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly typeQuality = new Map<number, { sum: number; n: number }>();
  private scratch = newScratch(0);
  /** LB_Improved after LB_Keogh in the second pass; undefined = the engine's default (A/B benchmarks set it). */
  lbImproved: boolean | undefined = undefined;

  get size(): number {
    return this.where.size;
  }

  has(id: string): boolean {
    return this.where.has(id);
  }

  private code(s: string): number {
    let c = this.codes.get(s);
    if (c === undefined) {
      c = this.codes.size;
      this.codes.set(s, c);
      this.names.push(s);
    }
    return c;
  }

  add(e: IndexEntry): void {
    if (this.where.has(e.id)) return;
    const n = e.values.length;
    let b = this.buckets.get(n);
    if (!b) {
      b = newBucket(n, 1024);
      this.buckets.set(n, b);
    }
    if (b.count === b.at.length) b = this.grow(b);
    const r = b.count++;
    b.values.set(e.values, r * n);
    const seg = segments(n);
    for (let g = 0; g < seg.count; g++) {
      let sum = 0;
      for (let i = seg.start[g]!; i < seg.start[g + 1]!; i++) sum += e.values[i]!;
      b.paa[r * SEGMENTS + g] = sum / (seg.start[g + 1]! - seg.start[g]!);
    }
    b.ids.push(e.id);
    b.at[r] = e.at;
    b.quality[r] = e.quality ?? Number.NaN;
    b.type[r] = this.code(e.patternType);
    b.dataset[r] = this.code(e.dataset);
    b.timeframe[r] = this.code(e.timeframe);
    b.active[r] = 1;
    this.where.set(e.id, { bucket: b, row: r });
    if (e.quality !== null) this.noteQuality(b.type[r]!, e.quality, 1);
  }

  private grow(b: Bucket): Bucket {
    const g = newBucket(b.length, b.at.length * 2);
    g.count = b.count;
    g.values.set(b.values);
    g.paa.set(b.paa);
    g.ids = b.ids;
    g.at.set(b.at);
    g.quality.set(b.quality);
    g.type.set(b.type);
    g.dataset.set(b.dataset);
    g.timeframe.set(b.timeframe);
    g.active.set(b.active);
    g.decay.set(b.decay);
    g.decayRows = b.decayRows;
    g.decayHalfLife = b.decayHalfLife;
    g.decayRef = b.decayRef;
    this.buckets.set(b.length, g);
    for (let r = 0; r < g.count; r++) {
      const w = this.where.get(g.ids[r]!);
      if (w) w.bucket = g;
    }
    return g;
  }

  private noteQuality(type: number, q: number, sign: 1 | -1): void {
    const t = this.typeQuality.get(type) ?? { sum: 0, n: 0 };
    t.sum += sign * q;
    t.n += sign;
    this.typeQuality.set(type, t);
  }

  setQuality(id: string, quality: number): void {
    const w = this.where.get(id);
    if (!w) return;
    const old = w.bucket.quality[w.row]!;
    if (!Number.isNaN(old)) this.noteQuality(w.bucket.type[w.row]!, old, -1);
    w.bucket.quality[w.row] = quality;
    this.noteQuality(w.bucket.type[w.row]!, quality, 1);
  }

  /** Takes a row out of retrieval (duplicates, pruned); its slot stays but is skipped. */
  remove(id: string): void {
    const w = this.where.get(id);
    if (!w) return;
    w.bucket.active[w.row] = 0;
    const q = w.bucket.quality[w.row]!;
    if (!Number.isNaN(q)) this.noteQuality(w.bucket.type[w.row]!, q, -1);
    this.where.delete(id);
  }

  values(id: string): Float32Array | undefined {
    const w = this.where.get(id);
    if (!w) return undefined;
    const n = w.bucket.length;
    return w.bucket.values.subarray(w.row * n, (w.row + 1) * n);
  }

  /** Active ids of one length (optionally one pattern type), in insertion order. */
  rows(length: number, patternType?: string): Array<{ id: string; patternType: string; at: number; quality: number | null; values: Float32Array }> {
    const b = this.buckets.get(length);
    if (!b) return [];
    const t = patternType === undefined ? -1 : (this.codes.get(patternType) ?? -2);
    const out = [];
    for (let r = 0; r < b.count; r++) {
      if (!b.active[r] || (t !== -1 && b.type[r] !== t)) continue;
      const q = b.quality[r]!;
      out.push({ id: b.ids[r]!, patternType: this.names[b.type[r]!]!, at: b.at[r]!, quality: Number.isNaN(q) ? null : q, values: b.values.subarray(r * length, (r + 1) * length) });
    }
    return out;
  }

  lengths(): number[] {
    return [...this.buckets.keys()];
  }

  typeMeanQuality(patternType: string): number {
    const t = this.typeQuality.get(this.codes.get(patternType) ?? -1);
    return t && t.n > 0 ? t.sum / t.n : 0.5;
  }

  /**
   * Exact top-`pool` rows by score for a z-normalized query (same length rows only).
   * `window` is the Sakoe-Chiba half-width in samples. `pure` ranks by similarity alone (weights 1).
   */
  search(
    engine: Pick<PatternEngine, 'rowBounds' | 'refineRows'>,
    query: Float32Array,
    window: number,
    pool: number,
    filter: SearchFilter,
    score: ScoreParams,
    pure = false,
  ): { candidates: Candidate[]; stats: SearchStats } {
    const n = query.length;
    const b = this.buckets.get(n);
    const stats: SearchStats = { rows: 0, lowerBounded: 0, dtwComputed: 0 };
    if (!b || b.count === 0) return { candidates: [], stats };
    const want = (s: string | undefined): number => (s === undefined ? -1 : (this.codes.get(s) ?? -2));
    const ft = want(filter.patternType);
    const fd = want(filter.dataset);
    const ff = want(filter.timeframe);
    if (ft === -2 || fd === -2 || ff === -2) return { candidates: [], stats };
    const { upper, lower } = envelope(query, window);
    const seg = segments(n);
    const segU = new Float64Array(seg.count);
    const segL = new Float64Array(seg.count);
    const segLen = new Float64Array(seg.count);
    const segMag = new Float64Array(seg.count);
    for (let g = 0; g < seg.count; g++) {
      let hi = -Infinity;
      let lo = Infinity;
      let sum = 0;
      for (let i = seg.start[g]!; i < seg.start[g + 1]!; i++) {
        if (upper[i]! > hi) hi = upper[i]!;
        if (lower[i]! < lo) lo = lower[i]!;
        sum += query[i]!;
      }
      segU[g] = hi;
      segL[g] = lo;
      segLen[g] = seg.start[g + 1]! - seg.start[g]!;
      segMag[g] = Math.abs(sum / segLen[g]!);
    }
    // Segments far from the mean first: bounds grow fastest there, so abandoning comes sooner (UCR suite).
    const segOrder = Int32Array.from(segMag.keys()).sort((a, c) => segMag[c]! - segMag[a]!);
    const typeMean = new Float64Array(this.names.length).fill(0.5);
    for (const [t, q] of this.typeQuality) typeMean[t] = q.n > 0 ? q.sum / q.n : 0.5;
    const values = b.values;
    const count = b.count;
    if (this.scratch.weight.length < count) this.scratch = newScratch(b.at.length);
    const { weight } = this.scratch;
    if (!pure) refreshDecay(b, score.halfLifeMs);

    // Pass 1 (one engine call, native when the addon loads): every eligible row's weight and LB_PAA score
    // bound; the best-bounded rows come back first. Excluded ids are switched off for the call only.
    const off: number[] = [];
    if (filter.exclude)
      for (const id of filter.exclude) {
        const w = this.where.get(id);
        if (w && w.bucket === b && b.active[w.row]) {
          b.active[w.row] = 0;
          off.push(w.row);
        }
      }
    let decay = b.decay;
    let c = pure ? 0 : decayNow(b, score);
    if (!pure && !Number.isFinite(c)) {
      // `now` is ~1,000 half-lives before the newest row: recency straight from the ages
      decay = new Float64Array(count);
      for (let r = 0; r < count; r++) decay[r] = Math.pow(2, -Math.max(0, score.now - b.at[r]!) / score.halfLifeMs);
      c = 1;
    }
    const scan = (thr: number, limit: number) =>
      engine.rowBounds({
        count,
        n,
        segments: seg.count,
        stride: SEGMENTS,
        paa: b.paa,
        segU,
        segL,
        segLen,
        segOrder,
        active: b.active,
        type: b.type,
        dataset: b.dataset,
        timeframe: b.timeframe,
        filterType: ft,
        filterDataset: fd,
        filterTimeframe: ff,
        decay,
        quality: b.quality,
        typeMean,
        types: typeMean.length,
        c,
        floor: score.recencyFloor,
        pure,
        weight,
        thr,
        limit,
      });
    const done = new Uint8Array(count);
    // Pass 2 (one engine call per list), best bound first: full LB_Keogh then exact DTW in batches, until
    // the bounds fall below the top set's threshold; the top set lives in these arrays.
    const topRows = new Int32Array(pool);
    const topScore = new Float64Array(pool);
    const topDist = new Float64Array(pool);
    let topCount = 0;
    const visit = (rows: Int32Array, bounds: Float64Array): void => {
      const r = engine.refineRows({
        count,
        n,
        values,
        query,
        upper,
        lower,
        window,
        rows,
        bounds,
        weight,
        done,
        pool,
        batch: Math.max(16, pool),
        topRows,
        topScore,
        topDist,
        topCount,
        improved: this.lbImproved,
      });
      topCount = r.topCount;
      stats.lowerBounded += r.lowerBounded;
      stats.dtwComputed += r.dtwComputed;
    };
    try {
      const limit = Math.max(256, 8 * pool);
      const first = scan(-1, limit);
      stats.rows = first.eligible;
      visit(first.rows, first.bounds);
      const m = first.rows.length;
      // Rows left out of the first call have bounds <= the last one returned: only if that can still enter, scan again.
      if (m === limit && first.eligible > m && (topCount < pool || first.bounds[m - 1]! >= topScore[pool - 1]!)) {
        const rest = scan(topCount < pool ? -1 : topScore[pool - 1]!, count);
        visit(rest.rows, rest.bounds);
      }
    } finally {
      for (const r of off) b.active[r] = 1;
    }
    const candidates: Candidate[] = [];
    for (let i = 0; i < topCount; i++) {
      const row = topRows[i]!;
      const q = b.quality[row]!;
      const recency = pure ? 1 : recencyFast(b, row, score);
      const similarity = similarityFromDistance(topDist[i]!, n);
      candidates.push({
        id: b.ids[row]!,
        distance: topDist[i]!,
        similarity,
        recency,
        reliability: weight[row]! / recency,
        score: topScore[i]!,
        quality: Number.isNaN(q) ? null : q,
        at: b.at[row]!,
        values: values.subarray(row * n, (row + 1) * n),
      });
    }
    return {
      candidates,
      stats,
    };
  }
}

interface Scratch {
  weight: Float64Array;
}

function newScratch(n: number): Scratch {
  return { weight: new Float64Array(n) };
}

/**
 * Keeps decay[r] = 2^((at[r] - ref) / h) for every row, so a query's recency costs one multiply per row
 * (2^(-(now - at) / h) = 2^(-(now - ref) / h) x decay[r]) instead of a Math.pow. ref is the newest time
 * when the cache is (re)built, so decay <= 1 and never overflows; a newer row rebuilds it.
 */
function refreshDecay(b: Bucket, h: number): void {
  let from = b.decayRows;
  let rebuild = b.decayHalfLife !== h || from === 0;
  for (let r = from; r < b.count && !rebuild; r++) if (b.at[r]! > b.decayRef) rebuild = true;
  if (rebuild) {
    let ref = -Infinity;
    for (let r = 0; r < b.count; r++) if (b.at[r]! > ref) ref = b.at[r]!;
    b.decayRef = ref;
    b.decayHalfLife = h;
    from = 0;
  }
  for (let r = from; r < b.count; r++) b.decay[r] = Math.pow(2, (b.at[r]! - b.decayRef) / h);
  b.decayRows = b.count;
}

/** 2^(-(now - ref) / h): finite unless `now` is more than ~1,000 half-lives before the newest row. */
function decayNow(b: Bucket, p: ScoreParams): number {
  return Math.pow(2, -(p.now - b.decayRef) / p.halfLifeMs);
}

function recencyFast(b: Bucket, r: number, p: ScoreParams, c: number = decayNow(b, p)): number {
  if (!Number.isFinite(c)) return recencyOf(b.at[r]!, p);
  let f = c * b.decay[r]!;
  if (!(f <= 1)) f = 1; // rows after `now` (and 0 x Infinity) count as brand new
  return p.recencyFloor + (1 - p.recencyFloor) * f;
}

const segmentCache = new Map<number, { count: number; start: Int32Array }>();

/** Segment boundaries for length n: min(16, n) contiguous segments. */
function segments(n: number): { count: number; start: Int32Array } {
  let s = segmentCache.get(n);
  if (!s) {
    const count = Math.min(SEGMENTS, n);
    const start = new Int32Array(count + 1);
    for (let g = 0; g <= count; g++) start[g] = Math.floor((g * n) / count);
    s = { count, start };
    segmentCache.set(n, s);
  }
  return s;
}

function newBucket(length: number, capacity: number): Bucket {
  return {
    length,
    count: 0,
    values: new Float32Array(capacity * length),
    paa: new Float64Array(capacity * SEGMENTS),
    ids: [],
    at: new Float64Array(capacity),
    quality: new Float64Array(capacity),
    type: new Int32Array(capacity),
    dataset: new Int32Array(capacity),
    timeframe: new Int32Array(capacity),
    active: new Uint8Array(capacity),
    decay: new Float64Array(capacity),
    decayRows: 0,
    decayHalfLife: Number.NaN,
    decayRef: 0,
  };
}

/**
 * Maximal marginal relevance over an exact candidate pool: repeatedly picks the candidate maximizing
 * lambda * score - (1 - lambda) * max similarity (DTW) to the ones already picked.
 */
export function mmrSelect(engine: Pick<PatternEngine, 'dtwBatch'>, pool: Candidate[], k: number, lambda: number, window: number): Array<Candidate & { mmr: number; redundancy: number }> {
  if (pool.length === 0) return [];
  const n = pool[0]!.values.length;
  const flat = new Float32Array(pool.length * n);
  pool.forEach((c, i) => flat.set(c.values, i * n));
  const redundancy = new Float64Array(pool.length);
  const taken = new Uint8Array(pool.length);
  const out: Array<Candidate & { mmr: number; redundancy: number }> = [];
  while (out.length < Math.min(k, pool.length)) {
    let best = -1;
    let bestV = -Infinity;
    for (let i = 0; i < pool.length; i++) {
      if (taken[i]) continue;
      const v = lambda * pool[i]!.score - (1 - lambda) * redundancy[i]!;
      if (v > bestV) {
        bestV = v;
        best = i;
      }
    }
    taken[best] = 1;
    out.push({ ...pool[best]!, mmr: bestV, redundancy: redundancy[best]! });
    if (out.length < k && lambda < 1) {
      const d = engine.dtwBatch(pool[best]!.values as NumericArray, flat, { window });
      for (let i = 0; i < pool.length; i++) {
        const s = similarityFromDistance(d[i]!, n);
        if (s > redundancy[i]!) redundancy[i] = s;
      }
    }
  }
  return out;
}
