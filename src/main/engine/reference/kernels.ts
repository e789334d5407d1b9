/**
 * The TypeScript reference kernels: the oracle for every native kernel and the fallback backend.
 *
 * Plain module functions: the async path runs them in a real worker thread (./worker-thread.ts, a bundle
 * entry of its own), so they import the shared numeric conventions like any other module.
 *
 * Must never: throw typed errors (validation happens in ./index.ts), import anything but src/shared, or
 * allocate anything proportional to n*m except for the warping path.
 *
 * Numeric conventions shared bit-for-bit with the native addon (native/src/kernels_generic.inc):
 *  - DTW cell: D[i][j] = cost(a_i, b_j) + min(D[i-1][j-1], D[i-1][j], D[i][j-1]); cost (x-y)*(x-y) or |x-y|;
 *    no fused multiply-add; distance = D[n-1][m-1] (no square root).
 *  - effective window = max(window, |n - m|) so that a warping path always exists.
 *  - z-normalisation (query: sequential sums; candidate at start s: running sums restarted every 64 starts),
 *    the flat rule, the envelope, LB_Keogh, the greedy exclusion selection, its pruning set and the
 *    similarity formula: src/shared/numerics, the one place they are written.
 */
import { lbKeogh, lbOrder, envelope, normalizeQuery, pairSimilarity, PruningSet, selectTopK, WindowStats, znormStats, zNormalizeWindowInto, type ZStats } from '../../../shared/numerics';

export interface ReferenceKernels {
  dtw(a: ArrayLike<number>, b: ArrayLike<number>, window: number, absolute: boolean): number;
  dtwPath(a: ArrayLike<number>, b: ArrayLike<number>, window: number, absolute: boolean): { distance: number; path: Array<[number, number]> };
  dtwMulti(a: ArrayLike<number>, b: ArrayLike<number>, channels: number, window: number, absolute: boolean): number;
  /** The engine's pair similarity (src/shared/numerics `pairSimilarity`). */
  similarity(distance: number, n: number, m: number, identical: boolean): number;
  lcss(a: ArrayLike<number>, b: ArrayLike<number>, epsilon: number, delta: number): number;
  znormStats(x: ArrayLike<number>, start: number, m: number): { mean: number; std: number; flat: boolean };
  createSearch(series: ArrayLike<number>, query: ArrayLike<number>, window: number, k: number, znormalize: boolean, exclusion: number): ReferenceSearch;
  bruteForce(series: ArrayLike<number>, query: ArrayLike<number>, window: number, k: number, znormalize: boolean, exclusion: number): Array<{ index: number; distance: number }>;
  selectTopK(cands: Array<{ index: number; distance: number }>, k: number, exclusion: number): Array<{ index: number; distance: number }>;
}

export interface ReferenceSearch {
  readonly total: number;
  readonly done: number;
  /** Processes up to `count` more candidate starts; returns true when finished. */
  step(count: number): boolean;
  result(): Array<{ index: number; distance: number }>;
}

const INF = Number.POSITIVE_INFINITY;
const PRUNE_SLACK = 1e-9;

function dtw(a: ArrayLike<number>, b: ArrayLike<number>, window: number, absolute: boolean): number {
  const n = a.length;
  const m = b.length;
  let w = window < 0 ? Math.max(n, m) : window;
  if (w < Math.abs(n - m)) w = Math.abs(n - m);
  if (w > Math.max(n, m)) w = Math.max(n, m);
  let prev = new Float64Array(m + 1).fill(INF);
  let cur = new Float64Array(m + 1).fill(INF);
  prev[0] = 0;
  for (let i = 1; i <= n; i++) {
    const jlo = Math.max(1, i - w);
    const jhi = Math.min(m, i + w);
    cur[jlo - 1] = INF;
    const ai = a[i - 1]!;
    for (let j = jlo; j <= jhi; j++) {
      const d = ai - b[j - 1]!;
      const c = absolute ? Math.abs(d) : d * d;
      let best = prev[j - 1]!;
      const up = prev[j]!;
      if (up < best) best = up;
      const left = cur[j - 1]!;
      if (left < best) best = left;
      cur[j] = c + best;
    }
    if (jhi + 1 <= m) cur[jhi + 1] = INF;
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m]!;
}

function dtwPath(a: ArrayLike<number>, b: ArrayLike<number>, window: number, absolute: boolean): { distance: number; path: Array<[number, number]> } {
  const n = a.length;
  const m = b.length;
  let w = window < 0 ? Math.max(n, m) : window;
  if (w < Math.abs(n - m)) w = Math.abs(n - m);
  const W = m + 1;
  const D = new Float64Array((n + 1) * W).fill(INF);
  D[0] = 0;
  for (let i = 1; i <= n; i++) {
    const jlo = Math.max(1, i - w);
    const jhi = Math.min(m, i + w);
    const ai = a[i - 1]!;
    for (let j = jlo; j <= jhi; j++) {
      const d = ai - b[j - 1]!;
      const c = absolute ? Math.abs(d) : d * d;
      let best = D[(i - 1) * W + j - 1]!;
      const up = D[(i - 1) * W + j]!;
      if (up < best) best = up;
      const left = D[i * W + j - 1]!;
      if (left < best) best = left;
      D[i * W + j] = c + best;
    }
  }
  const path: Array<[number, number]> = [];
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    path.push([i - 1, j - 1]);
    if (i === 1 && j === 1) break;
    const diag = D[(i - 1) * W + j - 1]!;
    const up = D[(i - 1) * W + j]!;
    const left = D[i * W + j - 1]!;
    // ties prefer the diagonal, then up (i-1), then left (j-1)
    if (diag <= up && diag <= left) {
      i--;
      j--;
    } else if (up <= left) {
      i--;
    } else {
      j--;
    }
  }
  path.reverse();
  return { distance: D[n * W + m]!, path };
}

function dtwMulti(a: ArrayLike<number>, b: ArrayLike<number>, channels: number, window: number, absolute: boolean): number {
  const n = a.length / channels;
  const m = b.length / channels;
  let w = window < 0 ? Math.max(n, m) : window;
  if (w < Math.abs(n - m)) w = Math.abs(n - m);
  let prev = new Float64Array(m + 1).fill(INF);
  let cur = new Float64Array(m + 1).fill(INF);
  prev[0] = 0;
  for (let i = 1; i <= n; i++) {
    const jlo = Math.max(1, i - w);
    const jhi = Math.min(m, i + w);
    cur[jlo - 1] = INF;
    const ia = (i - 1) * channels;
    for (let j = jlo; j <= jhi; j++) {
      const jb = (j - 1) * channels;
      let c = 0;
      for (let ch = 0; ch < channels; ch++) {
        const d = a[ia + ch]! - b[jb + ch]!;
        c += absolute ? Math.abs(d) : d * d;
      }
      let best = prev[j - 1]!;
      const up = prev[j]!;
      if (up < best) best = up;
      const left = cur[j - 1]!;
      if (left < best) best = left;
      cur[j] = c + best;
    }
    if (jhi + 1 <= m) cur[jhi + 1] = INF;
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m]!;
}

/** LCSS similarity in [0, 1]: matched pairs / min(n, m); a match needs |a_i - b_j| <= epsilon and |i - j| <= delta. */
function lcss(a: ArrayLike<number>, b: ArrayLike<number>, epsilon: number, delta: number): number {
  const n = a.length;
  const m = b.length;
  let prev = new Int32Array(m + 1);
  let cur = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    const ai = a[i - 1]!;
    cur[0] = 0;
    for (let j = 1; j <= m; j++) {
      if (Math.abs(i - j) <= delta && Math.abs(ai - b[j - 1]!) <= epsilon) cur[j] = prev[j - 1]! + 1;
      else cur[j] = prev[j]! > cur[j - 1]! ? prev[j]! : cur[j - 1]!;
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m]! / Math.min(n, m);
}

function bruteForce(series: ArrayLike<number>, query: ArrayLike<number>, window: number, k: number, znormalize: boolean, exclusion: number): Array<{ index: number; distance: number }> {
  const m = query.length;
  const q = normalizeQuery(query, znormalize);
  const c = new Float64Array(m);
  const cands: Array<{ index: number; distance: number }> = [];
  const st = new WindowStats(series, m);
  for (let s = 0; s + m <= series.length; s++) {
    candidateInto(series, s, m, znormalize, st.seek(s), c);
    cands.push({ index: s, distance: dtw(q, c, window, false) });
  }
  return selectTopK(cands, k, exclusion);
}

/** The candidate window at start s as the search sees it: z-normalised under `st`, or raw. */
function candidateInto(series: ArrayLike<number>, s: number, m: number, znormalize: boolean, st: ZStats, c: Float64Array): void {
  if (znormalize) zNormalizeWindowInto(series, s, m, st, c, 0);
  else for (let j = 0; j < m; j++) c[j] = series[s + j]!;
}

/**
 * Exact top-k search with pruning. The pruning threshold T comes from the engine's pruning set (at most k
 * seen candidates pairwise more than 2*exclusion apart): when it holds k of them, any candidate with
 * distance > T cannot be in the greedy answer.
 */
function createSearch(series: ArrayLike<number>, query: ArrayLike<number>, window: number, k: number, znormalize: boolean, exclusion: number): ReferenceSearch {
  const m = query.length;
  const N = series.length;
  const total = N - m + 1;
  const w = Math.min(window, m);
  const q = normalizeQuery(query, znormalize);
  // query envelope and visiting order (largest |q| first, as UCR-Suite)
  const { upper: U, lower: L } = envelope(q, w);
  const order = lbOrder(q);
  const c = new Float64Array(m);
  let prev = new Float64Array(m + 1);
  let cur = new Float64Array(m + 1);
  const pruning = new PruningSet(k, exclusion);
  let T = INF;
  const kept: Array<{ index: number; distance: number }> = [];
  let done = 0;
  const stats = new WindowStats(series, m);

  function dtwEA(limit: number): number {
    prev.fill(INF);
    prev[0] = 0;
    for (let i = 1; i <= m; i++) {
      const jlo = Math.max(1, i - w);
      const jhi = Math.min(m, i + w);
      cur[jlo - 1] = INF;
      const qi = q[i - 1]!;
      let rowMin = INF;
      for (let j = jlo; j <= jhi; j++) {
        const d = qi - c[j - 1]!;
        let bst = prev[j - 1]!;
        const up = prev[j]!;
        if (up < bst) bst = up;
        const left = cur[j - 1]!;
        if (left < bst) bst = left;
        const v = d * d + bst;
        cur[j] = v;
        if (v < rowMin) rowMin = v;
      }
      if (jhi + 1 <= m) cur[jhi + 1] = INF;
      if (rowMin > limit) return INF;
      const t = prev;
      prev = cur;
      cur = t;
    }
    return prev[m]!;
  }

  function step(count: number): boolean {
    const end = Math.min(total, done + count);
    for (let s = done; s < end; s++) {
      const st = stats.seek(s);
      const limit = T + T * PRUNE_SLACK;
      // LB_Keogh (query envelope) with early abandoning, visiting the query in `order`
      const lb = znormalize ? lbKeogh(series, s, U, L, limit, order, st) : lbKeogh(series, s, U, L, limit, order);
      if (lb > limit) continue;
      candidateInto(series, s, m, znormalize, st, c);
      const d = dtwEA(limit);
      if (d <= T) {
        kept.push({ index: s, distance: d });
        T = pruning.offer(s, d);
      }
    }
    done = end;
    return done >= total;
  }

  return {
    get total() {
      return total;
    },
    get done() {
      return done;
    },
    step,
    result() {
      return selectTopK(
        kept.filter((x) => x.distance <= T),
        k,
        exclusion,
      );
    },
  };
}

/** The reference kernels as one object (the engine, the worker and the tests call them through it). */
export const K: ReferenceKernels = { dtw, dtwPath, dtwMulti, similarity: pairSimilarity, lcss, znormStats, createSearch, bruteForce, selectTopK };
