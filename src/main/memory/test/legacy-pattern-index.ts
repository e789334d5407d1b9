/**
 * TEST ORACLE: the index search as it was before issue 14 item 4 (two JS passes, then JS LB_Keogh and
 * engine dtwBatch), kept verbatim so the property test can check the native rowBounds/refineRows path
 * returns the same answers. Not used by the app.
 *
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
import { distanceForSimilarity, envelope, lbKeogh, similarityFromDistance } from '../../../shared/numerics';
import type { NumericArray, PatternEngine } from '../../engine';

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
const UB_BUCKETS = 4096;

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
  search(engine: Pick<PatternEngine, 'dtwBatch'>, query: Float32Array, window: number, pool: number, filter: SearchFilter, score: ScoreParams, pure = false): { candidates: Candidate[]; stats: SearchStats } {
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
    const { weight, ub, key, order } = this.scratch;
    if (!pure) refreshDecay(b, score.halfLifeMs);
    const bounds: BoundParams = { segCount: seg.count, segOrder, segU, segL, segLen, n };

    // The top set, best first, and exact DTW for a batch of rows.
    const top: Array<{ row: number; distance: number; similarity: number; recency: number; reliability: number; score: number }> = [];
    let thr = -1; // the score a row must beat once the top set is full
    const batchSize = Math.max(16, pool);
    const pending: number[] = [];
    let buf = new Float32Array(batchSize * n);
    const flush = (): void => {
      const m = pending.length;
      if (m === 0) return;
      if (buf.length < m * n) buf = new Float32Array(m * n);
      for (let i = 0; i < m; i++) buf.set(values.subarray(pending[i]! * n, (pending[i]! + 1) * n), i * n);
      const d = engine.dtwBatch(query, buf.subarray(0, m * n), { window });
      stats.dtwComputed += m;
      for (let i = 0; i < m; i++) {
        const row = pending[i]!;
        const similarity = similarityFromDistance(d[i]!, n);
        const w = weight[row]!;
        const sc = similarity * w;
        if (top.length >= pool && sc <= thr) continue;
        const rec = pure ? 1 : recencyFast(b, row, score);
        const item = { row, distance: d[i]!, similarity, recency: rec, reliability: w / rec, score: sc };
        let pos = top.length;
        while (pos > 0 && top[pos - 1]!.score < sc) pos--;
        top.splice(pos, 0, item);
        if (top.length > pool) top.pop();
        if (top.length >= pool) thr = top[top.length - 1]!.score;
      }
      pending.length = 0;
    };

    // Pass 0: the weight (recency x reliability) of every eligible row, counting-sorted descending.
    const c = pure ? 0 : decayNow(b, score);
    const direct = !Number.isFinite(c);
    const W_BUCKETS = 1024;
    const wStarts = new Int32Array(W_BUCKETS + 1);
    for (let r = 0; r < count; r++) {
      key[r] = -1;
      if (!b.active[r]) continue;
      if ((ft >= 0 && b.type[r] !== ft) || (fd >= 0 && b.dataset[r] !== fd) || (ff >= 0 && b.timeframe[r] !== ff)) continue;
      if (filter.exclude?.has(b.ids[r]!)) continue;
      stats.rows++;
      let w = 1;
      if (!pure) {
        let rec: number;
        if (direct) rec = recencyOf(b.at[r]!, score);
        else {
          let f = c * b.decay[r]!;
          if (!(f <= 1)) f = 1; // rows after `now` (and 0 x Infinity) count as brand new
          rec = score.recencyFloor + (1 - score.recencyFloor) * f;
        }
        const q = b.quality[r]!;
        w = rec * (0.5 + 0.5 * (q === q ? q : typeMean[b.type[r]!]!));
      }
      weight[r] = w;
      const k = Math.min(W_BUCKETS - 1, Math.floor(w * W_BUCKETS));
      key[r] = k;
      wStarts[k + 1]!++;
    }
    for (let k = 0; k < W_BUCKETS; k++) wStarts[k + 1]! += wStarts[k]!;
    const byWeight = order; // rows ascending by weight bucket; read from the end
    {
      const fillW = wStarts.slice(0, W_BUCKETS);
      for (let r = 0; r < count; r++) {
        const k = key[r]!;
        if (k >= 0) byWeight[fillW[k]!++] = r;
      }
    }
    const eligibleCount = stats.rows;

    // Seed: exact DTW for the best-bounded of the 1,024 heaviest rows, so pass 1 starts with a real threshold.
    const done = new Uint8Array(count);
    if (eligibleCount > 8 * pool) {
      const sample = Array.from(byWeight.subarray(Math.max(0, eligibleCount - 1024), eligibleCount));
      for (const r of sample) ub[r] = rowBound(b, r, bounds, -1, weight[r]!);
      sample.sort((a, c2) => ub[c2]! - ub[a]!);
      for (const r of sample.slice(0, 2 * pool)) {
        pending.push(r);
        done[r] = 1;
      }
      flush();
    }

    // Pass 1, heaviest rows first, until the weight alone cannot beat the threshold: LB_PAA score bound
    // (early-abandoned against the threshold); survivors counting-sorted by bound for pass 2.
    const survivors: number[] = [];
    const starts = new Int32Array(UB_BUCKETS + 1);
    for (let o = eligibleCount - 1; o >= 0; o--) {
      const r = byWeight[o]!;
      const w = weight[r]!;
      // Rows are in descending weight buckets: once a bucket's upper edge is at most thr, no row left can enter.
      if ((Math.min(W_BUCKETS - 1, Math.floor(w * W_BUCKETS)) + 1) / W_BUCKETS <= thr) break;
      if (w <= thr || done[r]) continue;
      const bound = rowBound(b, r, bounds, thr, w);
      if (bound <= thr) continue;
      ub[r] = bound;
      const k = Math.min(UB_BUCKETS - 1, Math.floor(bound * UB_BUCKETS));
      key[r] = k;
      starts[k + 1]!++;
      survivors.push(r);
    }
    for (let k = 0; k < UB_BUCKETS; k++) starts[k + 1]! += starts[k]!;
    {
      const fill = starts.slice(0, UB_BUCKETS);
      for (const r of survivors) order[fill[key[r]!]!++] = r;
    }

    // Pass 2: best first, full LB_Keogh then exact DTW in small batches; stop when bounds fall to thr.
    for (let k = UB_BUCKETS - 1; k >= 0; k--) {
      if (top.length >= pool && (k + 1) / UB_BUCKETS <= thr) {
        flush();
        if ((k + 1) / UB_BUCKETS <= thr) break;
      }
      for (let o = starts[k]!; o < starts[k + 1]!; o++) {
        const r = order[o]!;
        if (top.length >= pool) {
          if (ub[r]! <= thr) continue;
          const cap = distanceForSimilarity(thr / weight[r]!, n);
          stats.lowerBounded++;
          if (lbKeogh(values, r * n, upper, lower, cap) >= cap) continue;
        }
        pending.push(r);
        if (pending.length >= batchSize) flush();
      }
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

interface Scratch {
  weight: Float64Array;
  ub: Float64Array;
  key: Int32Array;
  order: Int32Array;
}

function newScratch(n: number): Scratch {
  return { weight: new Float64Array(n), ub: new Float64Array(n), key: new Int32Array(n), order: new Int32Array(n) };
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

interface BoundParams {
  segCount: number;
  segOrder: Int32Array;
  segU: Float64Array;
  segL: Float64Array;
  segLen: Float64Array;
  n: number;
}

/**
 * Upper bound on a row's score: sim(LB_PAA) x weight w, where LB_PAA = sum over segments of
 * len x dist(segment mean, [min lower, max upper] of the query envelope over the segment)^2 <= LB_Keogh.
 * With thr >= 0 it may stop early and return thr once the bound cannot exceed it.
 */
function rowBound(b: Bucket, r: number, o: BoundParams, thr: number, w: number): number {
  const cap = thr < 0 ? Infinity : distanceForSimilarity(thr / w, o.n); // distance at which the bound falls to thr
  const paa = b.paa;
  const base = r * SEGMENTS;
  let lb = 0;
  for (let i = 0; i < o.segCount; i++) {
    const g = o.segOrder[i]!;
    const x = paa[base + g]!;
    const u = o.segU[g]!;
    if (x > u) lb += o.segLen[g]! * (x - u) * (x - u);
    else {
      const l = o.segL[g]!;
      if (x < l) lb += o.segLen[g]! * (x - l) * (x - l);
    }
    if (lb >= cap) return thr;
  }
  return similarityFromDistance(lb, o.n) * w;
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
