/**
 * The in-memory retrieval index: every active pattern, decrypted once, dequantized and z-normalized into one
 * flat Float32Array per pattern length, plus per-row metadata (time, type, verdict quality). Search returns
 * the EXACT top candidates by score = similarity x recency x reliability (README "Retrieving"):
 * LB_Keogh (squared cost, Sakoe-Chiba envelope of the query) with early abandoning skips rows whose best
 * possible score cannot enter the current top set, and the engine's `dtwBatch` computes exact DTW for the
 * rest. Because score <= similarity bound x weight, the pruning never changes the answer.
 * Must never: return a row whose exact score was not computed, or hold key material.
 */
import type { NumericArray, PatternEngine } from '../engine/types';

/** Similarity from a squared-cost DTW distance over two z-normalized series of length n (the engine's formula). */
export function similarityFromDistance(distance: number, n: number): number {
  if (distance <= 0) return 1;
  const s = 1 / (1 + distance / n);
  return s >= 1 ? 1 - 2 ** -53 : s;
}

/** The largest distance that still reaches similarity s (s in (0, 1]). */
export function distanceForSimilarity(s: number, n: number): number {
  if (s >= 1) return 0;
  if (s <= 0) return Number.POSITIVE_INFINITY;
  return n * (1 / s - 1);
}

/** z-normalization with the engine's flat rule: !(std > 1e-6 |mean|) or std == 0 normalizes to zeros. */
export function zNormalizeInto(x: ArrayLike<number>, out: Float32Array | Float64Array, offset = 0): void {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    v += d * d;
  }
  const std = Math.sqrt(v / n);
  if (!(std > 1e-6 * Math.abs(mean)) || std === 0) {
    out.fill(0, offset, offset + n);
    return;
  }
  for (let i = 0; i < n; i++) out[offset + i] = (x[i]! - mean) / std;
}

export function zNormalize(x: ArrayLike<number>): Float32Array {
  const out = new Float32Array(x.length);
  zNormalizeInto(x, out);
  return out;
}

/** Upper and lower Sakoe-Chiba envelope of q with half-width w. */
export function envelope(q: ArrayLike<number>, w: number): { upper: Float64Array; lower: Float64Array } {
  const n = q.length;
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let hi = -Infinity;
    let lo = Infinity;
    const a = Math.max(0, i - w);
    const b = Math.min(n - 1, i + w);
    for (let j = a; j <= b; j++) {
      const v = q[j]!;
      if (v > hi) hi = v;
      if (v < lo) lo = v;
    }
    upper[i] = hi;
    lower[i] = lo;
  }
  return { upper, lower };
}

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

interface Bucket {
  length: number;
  count: number;
  values: Float32Array;
  ids: string[];
  at: Float64Array;
  quality: Float32Array;
  type: Int32Array;
  dataset: Int32Array;
  timeframe: Int32Array;
  active: Uint8Array;
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
    g.ids = b.ids;
    g.at.set(b.at);
    g.quality.set(b.quality);
    g.type.set(b.type);
    g.dataset.set(b.dataset);
    g.timeframe.set(b.timeframe);
    g.active.set(b.active);
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
    engine: Pick<PatternEngine, 'dtwBatch'>,
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
    const typeMean = new Map<number, number>();
    for (const [t, q] of this.typeQuality) typeMean.set(t, q.n > 0 ? q.sum / q.n : 0.5);

    // Top set kept sorted by score descending.
    const top: Array<{ row: number; distance: number; similarity: number; recency: number; reliability: number; score: number }> = [];
    let thr = -1; // score a row must beat to enter (once the set is full)
    const values = b.values;
    const maxBatch = 512;
    let batchSize = Math.max(8, pool);
    let pending: number[] = [];
    let pendingW: number[] = [];
    let buf = new Float32Array(maxBatch * n);
    const flush = (): void => {
      if (pending.length === 0) return;
      const m = pending.length;
      if (buf.length < m * n) buf = new Float32Array(m * n);
      for (let i = 0; i < m; i++) buf.set(values.subarray(pending[i]! * n, (pending[i]! + 1) * n), i * n);
      const d = engine.dtwBatch(query, buf.subarray(0, m * n), { window });
      stats.dtwComputed += m;
      for (let i = 0; i < m; i++) {
        const row = pending[i]!;
        const similarity = similarityFromDistance(d[i]!, n);
        const wgt = pendingW[i]!;
        const sc = similarity * wgt;
        if (top.length >= pool && sc <= thr) continue;
        const rec = pure ? 1 : recencyOf(b.at[row]!, score);
        const item = { row, distance: d[i]!, similarity, recency: rec, reliability: wgt / rec, score: sc };
        let pos = top.length;
        while (pos > 0 && top[pos - 1]!.score < sc) pos--;
        top.splice(pos, 0, item);
        if (top.length > pool) top.pop();
        if (top.length >= pool) thr = top[top.length - 1]!.score;
      }
      pending = [];
      pendingW = [];
      batchSize = Math.min(maxBatch, batchSize * 2);
    };
    for (let r = 0; r < b.count; r++) {
      if (!b.active[r]) continue;
      if ((ft >= 0 && b.type[r] !== ft) || (fd >= 0 && b.dataset[r] !== fd) || (ff >= 0 && b.timeframe[r] !== ff)) continue;
      if (filter.exclude?.has(b.ids[r]!)) continue;
      stats.rows++;
      const q = b.quality[r]!;
      const wgt = pure ? 1 : recencyOf(b.at[r]!, score) * reliabilityOf(Number.isNaN(q) ? null : q, typeMean.get(b.type[r]!) ?? 0.5);
      if (top.length >= pool) {
        if (wgt <= thr) continue;
        // Similarity this row needs to beat thr, and the distance that corresponds.
        const cap = distanceForSimilarity(thr / wgt, n);
        stats.lowerBounded++;
        let lb = 0;
        const base = r * n;
        let i = 0;
        for (; i < n; i++) {
          const x = values[base + i]!;
          const u = upper[i]!;
          if (x > u) {
            const d = x - u;
            lb += d * d;
          } else {
            const l = lower[i]!;
            if (x < l) {
              const d = x - l;
              lb += d * d;
            }
          }
          if (lb >= cap) break;
        }
        if (lb >= cap) continue;
      }
      pending.push(r);
      pendingW.push(wgt);
      if (pending.length >= batchSize) flush();
    }
    flush();
    return {
      candidates: top.map((t) => {
        const q = b.quality[t.row]!;
        return {
          id: b.ids[t.row]!,
          distance: t.distance,
          similarity: t.similarity,
          recency: t.recency,
          reliability: t.reliability,
          score: t.score,
          quality: Number.isNaN(q) ? null : q,
          at: b.at[t.row]!,
          values: values.subarray(t.row * n, (t.row + 1) * n),
        };
      }),
      stats,
    };
  }
}

function newBucket(length: number, capacity: number): Bucket {
  return {
    length,
    count: 0,
    values: new Float32Array(capacity * length),
    ids: [],
    at: new Float64Array(capacity),
    quality: new Float32Array(capacity),
    type: new Int32Array(capacity),
    dataset: new Int32Array(capacity),
    timeframe: new Int32Array(capacity),
    active: new Uint8Array(capacity),
  };
}

/**
 * Maximal marginal relevance over an exact candidate pool: repeatedly picks the candidate maximizing
 * lambda * score - (1 - lambda) * max similarity (DTW) to the ones already picked.
 */
export function mmrSelect(
  engine: Pick<PatternEngine, 'dtwBatch'>,
  pool: Candidate[],
  k: number,
  lambda: number,
  window: number,
): Array<Candidate & { mmr: number; redundancy: number }> {
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
