/**
 * Exact top-k analog search specialised for walk-forward use, where the same growing series is searched
 * thousands of times with a query that slides one step at a time.
 *
 * It returns the same answer as `engine.searchTopK(x.subarray(0, L), query, ...)` (tested): z-normalization,
 * the envelopes, LB_Keogh, the pruning set and the final greedy selection with the exclusion zone are the
 * engine's own (src/shared/numerics), and every distance that decides membership comes from the engine's
 * `dtwBatch`. What it adds is pruning work that a one-shot search cannot do:
 *  - per-start z-normalization statistics computed once per run instead of once per search;
 *  - a tight pruning bound from the first candidate on, by first evaluating the previous decision's best
 *    analogs shifted by the step (an analog that matched yesterday's window usually matches today's);
 *  - LB_Kim (first/last point) then LB_Keogh with early abandoning, both valid lower bounds of the banded
 *    squared-cost DTW, against the engine's pruning threshold T (the largest distance of k seen
 *    candidates pairwise more than 2 * exclusion apart; any candidate above T cannot be selected).
 * With a bounded history window (maxHistory > 0) the z-normalization blocks stay anchored at absolute
 * index 0, so distances can differ from a search over the sliced series in the last bits (same ranking
 * except exact near-ties). Memory is O(series length). Must never evaluate a candidate outside [lo, L - W] (the caller's
 * no-look-ahead boundary) and never decide membership on its own bounds alone.
 */
import { WarpdeskError } from '../../shared/errors';
import { envelope, greedyPositions, lbKeogh, lbOrder, PruningSet, selectTopK, windowStatsAll, zNormalizeInto, zNormalizeWindowInto, zValue, type ZStats } from '../../shared/numerics';
import type { PatternEngine, SearchMatch } from '../engine';

const SLACK = 1e-9;
const BATCH = 32;
/** Largest precomputed z-normalized window matrix (values); beyond it windows are normalized on the fly. */
const MAX_Z_VALUES = 4_000_000;

export class AnalogIndex {
  private readonly n: number;
  readonly mean: Float64Array;
  readonly std: Float64Array;
  readonly flat: Uint8Array;
  /** z-normalized first and last value of each start (LB_Kim). */
  private readonly zFirst: Float64Array;
  private readonly zLast: Float64Array;
  private readonly q: Float64Array;
  private readonly U: Float64Array;
  private readonly Lo: Float64Array;
  private readonly order: Int32Array;
  private readonly batch: Float64Array;
  private readonly batchIndex: Int32Array;
  /** Raw series max/min over [i - band, i + band] (a wider, still valid envelope for every candidate). */
  private readonly envHi: Float64Array;
  private readonly envLo: Float64Array;
  private readonly c: Float64Array;
  private prevRow: Float64Array;
  private curRow: Float64Array;
  /** Candidates that passed the lower bounds (early-abandoning DTW started). */
  lbPassed = 0;
  /** cb[j]: lower bound of the cost of query rows j..m-1 (suffix sums of LB_Keogh_EC terms), cb[m] = 0. */
  private readonly cb: Float64Array;
  /** starts x m z-normalized windows (engine convention), when small enough; else null. */
  private readonly Z: Float64Array | null;
  private prevBest: number[] = [];
  /** Candidates whose DTW was computed (work statistics). */
  dtwCount = 0;

  constructor(
    private readonly x: Float64Array,
    private readonly m: number,
    private readonly band: number,
    private readonly exclusion: number,
    private readonly engine: PatternEngine,
  ) {
    const starts = Math.max(0, x.length - m + 1);
    this.n = starts;
    const stats = windowStatsAll(x, m);
    this.mean = stats.mean;
    this.std = stats.std;
    this.flat = stats.flat;
    this.zFirst = new Float64Array(starts);
    this.zLast = new Float64Array(starts);
    for (let s = 0; s < starts; s++) {
      const st = this.statsAt(s);
      this.zFirst[s] = zValue(x[s]!, st);
      this.zLast[s] = zValue(x[s + m - 1]!, st);
    }
    this.Z = starts * m <= MAX_Z_VALUES ? new Float64Array(starts * m) : null;
    if (this.Z) for (let s = 0; s < starts; s++) this.znormInto(s, this.Z, s * m);
    this.q = new Float64Array(m);
    this.U = new Float64Array(m);
    this.Lo = new Float64Array(m);
    this.order = new Int32Array(m);
    this.batch = new Float64Array(BATCH * m);
    this.batchIndex = new Int32Array(BATCH);
    this.c = new Float64Array(m);
    this.cb = new Float64Array(m + 1);
    this.prevRow = new Float64Array(m + 1);
    this.curRow = new Float64Array(m + 1);
    // The raw series' envelope: max/min of x over [i - band, i + band].
    const env = envelope(x, Math.min(band, m));
    this.envHi = env.upper;
    this.envLo = env.lower;
  }

  /** The engine-convention statistics of start s (a view valid until the next call). */
  private readonly st: ZStats = { mean: 0, std: 0, flat: true };
  private statsAt(s: number): ZStats {
    const st = this.st;
    st.mean = this.mean[s]!;
    st.std = this.std[s]!;
    st.flat = this.flat[s] === 1;
    return st;
  }

  /**
   * Banded squared-cost DTW of the query against this.c with the engine's arithmetic (no FMA, cell =
   * cost + min(diag, up, left)), abandoned as soon as a whole row exceeds `limit` (a valid lower bound:
   * costs are non-negative). Returns +Infinity when abandoned.
   */
  private dtwEA(limit: number, useCb: boolean): number {
    const cb = this.cb;
    const m = this.m;
    const w = Math.min(this.band, m);
    const q = this.q;
    const c = this.c;
    let prev = this.prevRow;
    let cur = this.curRow;
    const INF = Number.POSITIVE_INFINITY;
    prev.fill(INF);
    prev[0] = 0;
    for (let i = 1; i <= m; i++) {
      const jlo = i - w > 1 ? i - w : 1;
      const jhi = i + w < m ? i + w : m;
      cur[jlo - 1] = INF;
      const qi = q[i - 1]!;
      let rowMin = INF;
      for (let j = jlo; j <= jhi; j++) {
        const d = qi - c[j - 1]!;
        let best = prev[j - 1]!;
        const up = prev[j]!;
        if (up < best) best = up;
        const left = cur[j - 1]!;
        if (left < best) best = left;
        const v = d * d + best;
        cur[j] = v;
        if (v < rowMin) rowMin = v;
      }
      if (jhi + 1 <= m) cur[jhi + 1] = INF;
      const bound = useCb ? rowMin + cb[i]! * (1 - SLACK) : rowMin;
      if (bound > limit) {
        this.lastBound = bound;
        this.prevRow = prev;
        this.curRow = cur;
        return INF;
      }
      const t = prev;
      prev = cur;
      cur = t;
    }
    this.prevRow = prev;
    this.curRow = cur;
    this.lastBound = prev[m]!;
    return prev[m]!;
  }

  private readonly keptIdx: number[] = [];
  private readonly keptDist: number[] = [];
  private readonly seeded = new Set<number>();

  private readonly abIdx: number[] = [];
  private readonly abLb: number[] = [];
  /** Lower bound that made the last dtwEA abandon. */
  private lastBound = 0;
  private readonly survIdx: number[] = [];
  private readonly survLb: number[] = [];
  private readonly orderS: number[] = [];

  /**
   * LB_Keogh of the query against candidate s's envelope (the global raw envelope: wider than the
   * window's own, so still a lower bound), abandoned above `limit`. When it runs to the end it leaves the
   * suffix sums of the per-row terms in this.cb (used by dtwEA to abandon earlier).
   */
  private lbEC(s: number, limit: number): number {
    const m = this.m;
    const q = this.q;
    const cb = this.cb;
    const envHi = this.envHi;
    const envLo = this.envLo;
    const mean = this.mean[s]!;
    const std = this.std[s]!;
    const inv2 = 1 / (std * std);
    let lb = 0;
    for (let j = m - 1; j >= 0; j--) {
      const r = q[j]! * std + mean;
      const hiv = envHi[s + j]!;
      let v = 0;
      if (r > hiv) v = (r - hiv) * (r - hiv) * inv2;
      else {
        const lov = envLo[s + j]!;
        if (r < lov) v = (r - lov) * (r - lov) * inv2;
      }
      lb += v;
      cb[j] = lb;
      if (lb > limit) return lb;
    }
    return lb;
  }

  /** Inserts an evaluated candidate into keptIdx/keptDist, kept sorted by (distance, index). */
  private insertKept(index: number, distance: number): void {
    const idx = this.keptIdx;
    const dist = this.keptDist;
    let lo = 0;
    let hi = idx.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (dist[mid]! < distance || (dist[mid] === distance && idx[mid]! < index)) lo = mid + 1;
      else hi = mid;
    }
    idx.splice(lo, 0, index);
    dist.splice(lo, 0, distance);
  }

  /** k-th distance of the engine's greedy selection over the evaluated candidates (+Infinity if < k). */
  private greedyKth(k: number, exclusion: number): number {
    if (this.keptIdx.length < k) return Number.POSITIVE_INFINITY;
    const picks = greedyPositions(this.keptIdx, k, exclusion);
    return picks.length === k ? this.keptDist[picks[k - 1]!]! : Number.POSITIVE_INFINITY;
  }

  /** Writes the engine-convention z-normalized window at start s into out[offset..offset+m). */
  private znorm(s: number, out: Float64Array, offset: number): void {
    const Z = this.Z;
    if (Z) {
      const m = this.m;
      const base = s * m;
      for (let j = 0; j < m; j++) out[offset + j] = Z[base + j]!;
      return;
    }
    this.znormInto(s, out, offset);
  }

  private znormInto(s: number, out: Float64Array, offset: number): void {
    zNormalizeWindowInto(this.x, s, this.m, this.statsAt(s), out, offset);
  }

  /** The query window at qs, z-normalized as the engine does a query, its envelope and LB visiting order. */
  private prepareQuery(qs: number): void {
    const m = this.m;
    zNormalizeInto(this.x.subarray(qs, qs + m), this.q);
    envelope(this.q, Math.min(this.band, m), this.U, this.Lo);
    lbOrder(this.q, this.order);
  }

  /**
   * Top-k analogs of the window starting at `qs` among starts [lo, hi] (inclusive), sorted by distance;
   * indices are absolute starts in the series. `shift` is how far the previous query's best analogs move.
   */
  search(qs: number, lo: number, hi: number, k: number, shift: number): SearchMatch[] {
    const m = this.m;
    if (qs < 0 || qs + m > this.x.length || lo < 0 || hi + m > this.x.length) {
      throw new WarpdeskError('InvalidInput', `The analog search was asked for a window outside the series (query at ${qs}, candidates ${lo}..${hi}).`);
    }
    if (hi < lo) return [];
    this.prepareQuery(qs);
    const q = this.q;
    const U = this.U;
    const Lw = this.Lo;
    const order = this.order;
    const x = this.x;
    const q0 = q[0]!;
    const qLast = q[m - 1]!;
    const exclusion = this.exclusion;
    const band = this.band;
    const engine = this.engine;
    const batch = this.batch;
    const batchIndex = this.batchIndex;

    // The engine's pruning set: <= k candidates pairwise more than 2 * exclusion apart; T = their max.
    const pruning = new PruningSet(k, exclusion);
    const keptIdx = this.keptIdx;
    const keptDist = this.keptDist;
    keptIdx.length = 0;
    keptDist.length = 0;
    const c = this.c;

    // 1) Seeds: the previous decision's analogs, shifted (evaluated first; the scan skips them).
    const seeded = this.seeded;
    seeded.clear();
    for (const p of this.prevBest) {
      const s = p + shift;
      if (s >= lo && s <= hi && !seeded.has(s)) {
        seeded.add(s);
        this.znorm(s, c, 0);
        const limit = pruning.threshold + pruning.threshold * SLACK;
        const d = this.dtwEA(limit, false);
        this.lbPassed++;
        if (d <= limit) {
          this.insertKept(s, d);
          pruning.offer(s, d);
        }
      }
    }

    // 2) Scan, with lower bounds against the threshold in force.
    const zFirst = this.zFirst;
    const zLast = this.zLast;
    const flatA = this.flat;
    const Z = this.Z;
    let T = pruning.threshold;
    const survIdx = this.survIdx;
    const survLb = this.survLb;
    survIdx.length = 0;
    survLb.length = 0;
    for (let s = lo; s <= hi; s++) {
      const limit = T + T * SLACK;
      const a = zFirst[s]! - q0;
      const b = zLast[s]! - qLast;
      const kim = a * a + b * b;
      if (kim > limit) continue;
      let best = kim;
      // LB_Keogh, query envelope, early abandoned, largest |q| first (a flat window is all zeros)
      let lb = Z ? lbKeogh(Z, s * m, U, Lw, limit, order) : lbKeogh(x, s, U, Lw, limit, order, this.statsAt(s));
      if (lb > limit) continue;
      if (!flatA[s]) {
        if (lb > best) best = lb;
        lb = this.lbEC(s, limit);
        if (lb > limit) continue;
        if (lb > best) best = lb;
      }
      if (seeded.has(s)) continue;
      survIdx.push(s);
      survLb.push(best);
    }

    // 3) Evaluate survivors in ascending lower-bound order. Stop once the next bound exceeds the k-th
    //    distance of the greedy selection over what was evaluated: every candidate not evaluated then has
    //    distance > that, so the greedy answer over all candidates is already decided.
    const orderS = this.orderS;
    orderS.length = survIdx.length;
    for (let i = 0; i < survIdx.length; i++) orderS[i] = i;
    orderS.sort((i, j) => survLb[i]! - survLb[j]! || survIdx[i]! - survIdx[j]!);
    //    Abandoning a DTW against Dk is made exact by remembering the abandoned candidates with the bound
    //    that abandoned them: Dk can grow (a closer candidate may exclude a pick), and whenever it grows
    //    past such a bound, that candidate is evaluated again.
    let Dk = this.greedyKth(k, exclusion);
    const abIdx = this.abIdx;
    const abLb = this.abLb;
    abIdx.length = 0;
    abLb.length = 0;
    let nextCheck = k;
    const run = (s: number): void => {
      const limitT = T + T * SLACK;
      const limit = Dk < T ? Dk + Dk * SLACK : limitT;
      this.lbPassed++;
      const useCb = !flatA[s] && this.lbEC(s, Number.POSITIVE_INFINITY) >= 0;
      this.znorm(s, c, 0);
      const d = this.dtwEA(limit, useCb);
      if (d <= limit) {
        this.insertKept(s, d);
        T = pruning.offer(s, d);
        if (Dk !== Number.POSITIVE_INFINITY) {
          if (d < Dk) Dk = this.greedyKth(k, exclusion);
        } else if (this.keptIdx.length >= nextCheck) {
          // Until k picks exist, recheck geometrically often (a stale +Infinity only prunes less).
          Dk = this.greedyKth(k, exclusion);
          nextCheck = Math.ceil(this.keptIdx.length * 1.25) + 1;
        }
      } else if (this.lastBound <= limitT) {
        abIdx.push(s);
        abLb.push(this.lastBound);
      }
    };
    let r = 0;
    for (;;) {
      let progressed = false;
      while (r < orderS.length) {
        const i = orderS[r]!;
        const lbv = survLb[i]!;
        if (lbv > Dk + Dk * SLACK || lbv > T + T * SLACK) break;
        r++;
        progressed = true;
        run(survIdx[i]!);
      }
      for (let a = 0; a < abIdx.length; a++) {
        const bound = abLb[a]!;
        if (bound <= Dk + Dk * SLACK && bound <= T + T * SLACK) {
          const sIdx = abIdx[a]!;
          abIdx[a] = abIdx[abIdx.length - 1]!;
          abLb[a] = abLb[abLb.length - 1]!;
          abIdx.length--;
          abLb.length--;
          a--;
          progressed = true;
          run(sIdx);
        }
      }
      if (!progressed) break;
    }
    // Membership is decided on the engine's own distances: re-evaluate every candidate that can still be
    // selected (distance <= T) with engine.dtwBatch.
    const finalLimit = T + T * SLACK;
    const survivors: number[] = [];
    for (let i = 0; i < keptIdx.length; i++) if (keptDist[i]! <= finalLimit) survivors.push(keptIdx[i]!);
    keptIdx.length = 0;
    keptDist.length = 0;
    for (let from = 0; from < survivors.length; from += BATCH) {
      const count = Math.min(BATCH, survivors.length - from);
      for (let b = 0; b < count; b++) {
        this.znorm(survivors[from + b]!, batch, b * m);
        batchIndex[b] = survivors[from + b]!;
      }
      const dists = engine.dtwBatch(q, count === BATCH ? batch : batch.subarray(0, count * m), { window: band, cost: 'squared' });
      this.dtwCount += count;
      for (let b = 0; b < count; b++) {
        keptIdx.push(batchIndex[b]!);
        keptDist.push(dists[b]!);
      }
    }

    // 3) The engine's greedy selection over candidates at or below T.
    const out: SearchMatch[] = selectTopK(
      keptIdx.map((index, i) => ({ index, distance: keptDist[i]! })),
      k,
      exclusion,
    );
    this.prevBest = pruning.indices();
    for (const o of out) if (!this.prevBest.includes(o.index)) this.prevBest.push(o.index);
    return out;
  }
}
