/**
 * Exact top-k analog search specialised for walk-forward use, where the same growing series is searched
 * thousands of times with a query that slides one step at a time.
 *
 * It returns the same answer as `engine.searchTopK(x.subarray(0, L), query, ...)` (tested): z-normalization
 * follows the engine's documented convention bit for bit (running sums restarted every 64 starts, same
 * flat rule), every distance that decides membership comes from the engine's own `dtwBatch`, and the final
 * greedy selection with the exclusion zone is the engine's. What it adds is pruning work that a one-shot
 * search cannot do:
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
import type { PatternEngine, SearchMatch } from '../engine';

const ZBLOCK = 64;
const FLAT_REL = 1e-6;
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
    this.mean = new Float64Array(starts);
    this.std = new Float64Array(starts);
    this.flat = new Uint8Array(starts);
    this.zFirst = new Float64Array(starts);
    this.zLast = new Float64Array(starts);
    let sum = 0;
    let sumsq = 0;
    for (let s = 0; s < starts; s++) {
      if (s % ZBLOCK === 0) {
        sum = 0;
        sumsq = 0;
        for (let j = 0; j < m; j++) {
          const v = x[s + j]!;
          sum += v;
          sumsq += v * v;
        }
      } else {
        const xn = x[s + m - 1]!;
        const xo = x[s - 1]!;
        sum += xn - xo;
        sumsq += xn * xn - xo * xo;
      }
      const mean = sum / m;
      const v = sumsq / m - mean * mean;
      const std = v > 0 ? Math.sqrt(v) : 0;
      const flat = !(std > FLAT_REL * Math.abs(mean)) || std === 0;
      this.mean[s] = mean;
      this.std[s] = std;
      this.flat[s] = flat ? 1 : 0;
      this.zFirst[s] = flat ? 0 : (x[s]! - mean) / std;
      this.zLast[s] = flat ? 0 : (x[s + m - 1]! - mean) / std;
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
    // Sliding max/min of x over [i - band, i + band] (monotone deques).
    const N = x.length;
    const w = Math.min(band, m);
    this.envHi = new Float64Array(N);
    this.envLo = new Float64Array(N);
    const dqHi = new Int32Array(N);
    const dqLo = new Int32Array(N);
    let hh = 0;
    let ht = 0;
    let lh = 0;
    let lt = 0;
    let next = 0;
    for (let i = 0; i < N; i++) {
      const right = Math.min(N - 1, i + w);
      while (next <= right) {
        const v = x[next]!;
        while (ht > hh && x[dqHi[ht - 1]!]! <= v) ht--;
        dqHi[ht++] = next;
        while (lt > lh && x[dqLo[lt - 1]!]! >= v) lt--;
        dqLo[lt++] = next;
        next++;
      }
      while (dqHi[hh]! < i - w) hh++;
      while (dqLo[lh]! < i - w) lh++;
      this.envHi[i] = x[dqHi[hh]!]!;
      this.envLo[i] = x[dqLo[lh]!]!;
    }
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

  private bestCount = 0;
  private bestIdxA = new Int32Array(0);
  private bestDistA = new Float64Array(0);
  private T = Number.POSITIVE_INFINITY;
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
    const idx = this.keptIdx;
    const dist = this.keptDist;
    const n = idx.length;
    if (n < k) return Number.POSITIVE_INFINITY;
    const picks: number[] = [];
    for (let o = 0; o < n; o++) {
      const index = idx[o]!;
      let ok = true;
      for (const p of picks) {
        if (Math.abs(p - index) <= exclusion) {
          ok = false;
          break;
        }
      }
      if (ok) {
        picks.push(index);
        if (picks.length === k) return dist[o]!;
      }
    }
    return Number.POSITIVE_INFINITY;
  }

  /** The engine's pruning-set update; returns the threshold T in force afterwards. */
  private offer(index: number, distance: number, k: number, zone2: number): number {
    if (this.bestIdxA.length < k) {
      this.bestIdxA = new Int32Array(k);
      this.bestDistA = new Float64Array(k);
    }
    const bi = this.bestIdxA;
    const bd = this.bestDistA;
    let count = this.bestCount;
    if (count === k && !(distance < this.T)) return this.T;
    let conflicts = 0;
    let at = -1;
    for (let t = 0; t < count; t++) {
      if (Math.abs(bi[t]! - index) <= zone2) {
        conflicts++;
        at = t;
      }
    }
    if (conflicts === 0) {
      if (count < k) {
        bi[count] = index;
        bd[count] = distance;
        count++;
        this.bestCount = count;
      } else {
        let worst = 0;
        for (let t = 1; t < count; t++) if (bd[t]! > bd[worst]!) worst = t;
        bi[worst] = index;
        bd[worst] = distance;
      }
    } else if (conflicts === 1 && distance < bd[at]!) {
      bi[at] = index;
      bd[at] = distance;
    } else return this.T;
    if (count === k) {
      let mx = Number.NEGATIVE_INFINITY;
      for (let t = 0; t < count; t++) if (bd[t]! > mx) mx = bd[t]!;
      this.T = mx;
    }
    return this.T;
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
    const m = this.m;
    const x = this.x;
    if (this.flat[s]) {
      out.fill(0, offset, offset + m);
      return;
    }
    const mean = this.mean[s]!;
    const std = this.std[s]!;
    for (let j = 0; j < m; j++) out[offset + j] = (x[s + j]! - mean) / std;
  }

  private prepareQuery(qs: number): void {
    const m = this.m;
    const x = this.x;
    let sum = 0;
    let sumsq = 0;
    for (let j = 0; j < m; j++) {
      const v = x[qs + j]!;
      sum += v;
      sumsq += v * v;
    }
    const mean = sum / m;
    const v = sumsq / m - mean * mean;
    const std = v > 0 ? Math.sqrt(v) : 0;
    const flat = !(std > FLAT_REL * Math.abs(mean)) || std === 0;
    const q = this.q;
    for (let j = 0; j < m; j++) q[j] = flat ? 0 : (x[qs + j]! - mean) / std;
    const w = Math.min(this.band, m);
    for (let i = 0; i < m; i++) {
      let hi = Number.NEGATIVE_INFINITY;
      let lo = Number.POSITIVE_INFINITY;
      const jhi = Math.min(m - 1, i + w);
      for (let j = Math.max(0, i - w); j <= jhi; j++) {
        const qj = q[j]!;
        if (qj > hi) hi = qj;
        if (qj < lo) lo = qj;
      }
      this.U[i] = hi;
      this.Lo[i] = lo;
    }
    const idx = Array.from({ length: m }, (_, i) => i).sort((a, b) => Math.abs(q[b]!) - Math.abs(q[a]!) || a - b);
    for (let i = 0; i < m; i++) this.order[i] = idx[i]!;
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
    const zone2 = 2 * this.exclusion;
    const exclusion = this.exclusion;
    const band = this.band;
    const engine = this.engine;
    const batch = this.batch;
    const batchIndex = this.batchIndex;

    // The engine's pruning set: <= k candidates pairwise more than 2 * exclusion apart; T = their max.
    this.bestCount = 0;
    this.T = Number.POSITIVE_INFINITY;
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
        const limit = this.T + this.T * SLACK;
        const d = this.dtwEA(limit, false);
        this.lbPassed++;
        if (d <= limit) {
          this.insertKept(s, d);
          this.offer(s, d, k, zone2);
        }
      }
    }

    // 2) Scan, with lower bounds against the threshold in force.
    const zFirst = this.zFirst;
    const zLast = this.zLast;
    const meanA = this.mean;
    const stdA = this.std;
    const flatA = this.flat;
    const envHi = this.envHi;
    const envLo = this.envLo;
    const Z = this.Z;
    const cb = this.cb;
    let T = this.T;
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
      let lb = 0;
      if (flatA[s]) {
        for (let t = 0; t < m && lb <= limit; t++) {
          const j = order[t]!;
          if (0 > U[j]!) lb += U[j]! * U[j]!;
          else if (0 < Lw[j]!) lb += Lw[j]! * Lw[j]!;
        }
        if (lb > limit) continue;
      } else {
        const mean = meanA[s]!;
        const std = stdA[s]!;
        // LB_Keogh, query envelope, early abandoned, largest |q| first
        if (Z) {
          const base = s * m;
          for (let t = 0; t < m && lb <= limit; t++) {
            const j = order[t]!;
            const z = Z[base + j]!;
            const u = U[j]!;
            if (z > u) lb += (z - u) * (z - u);
            else {
              const l = Lw[j]!;
              if (z < l) lb += (z - l) * (z - l);
            }
          }
        } else {
          for (let t = 0; t < m && lb <= limit; t++) {
            const j = order[t]!;
            const z = (x[s + j]! - mean) / std;
            const u = U[j]!;
            if (z > u) lb += (z - u) * (z - u);
            else {
              const l = Lw[j]!;
              if (z < l) lb += (z - l) * (z - l);
            }
          }
        }
        if (lb > limit) continue;
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
        T = this.offer(s, d, k, zone2);
        if (Dk !== Number.POSITIVE_INFINITY) {
          if (d < Dk) Dk = this.greedyKth(k, exclusion);
        }
        else if (this.keptIdx.length >= nextCheck) {
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
    this.T = T;
    const limitOf = (): number => this.T + this.T * SLACK;

    // Membership is decided on the engine's own distances: re-evaluate every candidate that can still be
    // selected (distance <= T) with engine.dtwBatch.
    const finalLimit = limitOf();
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
    const cands: number[] = [];
    for (let i = 0; i < keptIdx.length; i++) cands.push(i);
    cands.sort((i, j) => keptDist[i]! - keptDist[j]! || keptIdx[i]! - keptIdx[j]!);
    const out: SearchMatch[] = [];
    for (const c of cands) {
      if (out.length >= k) break;
      const index = keptIdx[c]!;
      let ok = true;
      for (const o of out) {
        if (Math.abs(o.index - index) <= exclusion) {
          ok = false;
          break;
        }
      }
      if (ok) out.push({ index, distance: keptDist[c]! });
    }
    this.prevBest = Array.from(this.bestIdxA.subarray(0, this.bestCount));
    for (const o of out) if (!this.prevBest.includes(o.index)) this.prevBest.push(o.index);
    return out;
  }
}
