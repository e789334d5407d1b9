/**
 * The TypeScript reference kernels: the oracle for every native kernel and the fallback backend.
 *
 * Everything lives inside ONE self-contained factory function, `referenceKernels`, that closes over
 * nothing outside itself (no imports, no module-level helpers). That lets the async path ship the exact
 * same code to a worker thread as a string (`referenceKernels.toString()`), whether this file runs as
 * TypeScript under vitest/tsx or bundled into `out/main/index.js` by electron-vite.
 *
 * Must never: throw typed errors (validation happens in ./index.ts), import anything, or allocate
 * anything proportional to n*m except for the warping path.
 *
 * Numeric conventions shared bit-for-bit with the native addon (native/src/kernels_generic.inc):
 *  - DTW cell: D[i][j] = cost(a_i, b_j) + min(D[i-1][j-1], D[i-1][j], D[i][j-1]); cost (x-y)*(x-y) or |x-y|;
 *    no fused multiply-add; distance = D[n-1][m-1] (no square root).
 *  - effective window = max(window, |n - m|) so that a warping path always exists.
 *  - z-normalisation of a search candidate starting at s: running sums restarted from scratch every
 *    ZBLOCK = 64 starts (s % 64 == 0), otherwise updated with sum += xn - xo; sumsq += xn*xn - xo*xo;
 *    mean = sum/m; var = sumsq/m - mean*mean; std = sqrt(var) if var > 0 else 0; a window with
 *    !(std > 1e-6*|mean|) or std == 0 is "flat" and normalises to all zeros; else z = (x - mean)/std.
 */

export interface ReferenceKernels {
  dtw(a: ArrayLike<number>, b: ArrayLike<number>, window: number, absolute: boolean): number;
  dtwPath(a: ArrayLike<number>, b: ArrayLike<number>, window: number, absolute: boolean): { distance: number; path: Array<[number, number]> };
  dtwMulti(a: ArrayLike<number>, b: ArrayLike<number>, channels: number, window: number, absolute: boolean): number;
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

export function referenceKernels(): ReferenceKernels {
  const INF = Number.POSITIVE_INFINITY;
  const ZBLOCK = 64; // = ZNORM_BLOCK in ../types.ts (this factory imports nothing); sharded search relies on it
  const FLAT_REL = 1e-6;
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

  /** similarity = 1 / (1 + distance / max(n, m)); non-identical inputs are capped at 1 - 2^-53. */
  function similarity(distance: number, n: number, m: number, identical: boolean): number {
    if (identical) return 1;
    const s = 1 / (1 + distance / Math.max(n, m));
    return s >= 1 ? 1 - 2 ** -53 : s;
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

  function finishStats(sum: number, sumsq: number, m: number): { mean: number; std: number; flat: boolean } {
    const mean = sum / m;
    const v = sumsq / m - mean * mean;
    const std = v > 0 ? Math.sqrt(v) : 0;
    const flat = !(std > FLAT_REL * Math.abs(mean)) || std === 0;
    return { mean, std, flat };
  }

  /** From-scratch statistics of x[start .. start+m) (sequential sums, as at every ZBLOCK boundary). */
  function znormStats(x: ArrayLike<number>, start: number, m: number): { mean: number; std: number; flat: boolean } {
    let sum = 0;
    let sumsq = 0;
    for (let j = 0; j < m; j++) {
      const v = x[start + j]!;
      sum += v;
      sumsq += v * v;
    }
    return finishStats(sum, sumsq, m);
  }

  function normalizeQuery(query: ArrayLike<number>, znormalize: boolean): Float64Array {
    const m = query.length;
    const q = new Float64Array(m);
    if (!znormalize) {
      for (let i = 0; i < m; i++) q[i] = query[i]!;
      return q;
    }
    const st = znormStats(query, 0, m);
    if (!st.flat) for (let i = 0; i < m; i++) q[i] = (query[i]! - st.mean) / st.std;
    return q;
  }

  /** Greedy selection: ascending (distance, index); skip any start within `exclusion` of one already taken. */
  function selectTopK(cands: Array<{ index: number; distance: number }>, k: number, exclusion: number): Array<{ index: number; distance: number }> {
    const sorted = cands.slice().sort((x, y) => x.distance - y.distance || x.index - y.index);
    const out: Array<{ index: number; distance: number }> = [];
    for (const c of sorted) {
      if (out.length >= k) break;
      let ok = true;
      for (const o of out) {
        if (Math.abs(o.index - c.index) <= exclusion) {
          ok = false;
          break;
        }
      }
      if (ok) out.push({ index: c.index, distance: c.distance });
    }
    return out;
  }

  function bruteForce(series: ArrayLike<number>, query: ArrayLike<number>, window: number, k: number, znormalize: boolean, exclusion: number): Array<{ index: number; distance: number }> {
    const m = query.length;
    const q = normalizeQuery(query, znormalize);
    const c = new Float64Array(m);
    const cands: Array<{ index: number; distance: number }> = [];
    let sum = 0;
    let sumsq = 0;
    for (let s = 0; s + m <= series.length; s++) {
      if (s % ZBLOCK === 0) {
        sum = 0;
        sumsq = 0;
        for (let j = 0; j < m; j++) {
          const v = series[s + j]!;
          sum += v;
          sumsq += v * v;
        }
      } else {
        const xn = series[s + m - 1]!;
        const xo = series[s - 1]!;
        sum += xn - xo;
        sumsq += xn * xn - xo * xo;
      }
      const st = finishStats(sum, sumsq, m);
      for (let j = 0; j < m; j++) c[j] = !znormalize ? series[s + j]! : st.flat ? 0 : (series[s + j]! - st.mean) / st.std;
      cands.push({ index: s, distance: dtw(q, c, window, false) });
    }
    return selectTopK(cands, k, exclusion);
  }

  /**
   * Exact top-k search with pruning. The pruning threshold T comes from a set of at most k seen candidates
   * that are pairwise more than 2*exclusion apart: when it holds k of them, any candidate with distance > T
   * cannot be in the greedy answer (each of the k has a distinct selected representative no worse than it).
   */
  function createSearch(series: ArrayLike<number>, query: ArrayLike<number>, window: number, k: number, znormalize: boolean, exclusion: number): ReferenceSearch {
    const m = query.length;
    const N = series.length;
    const total = N - m + 1;
    const w = Math.min(window, m);
    const q = normalizeQuery(query, znormalize);
    // query envelope and visiting order (largest |q| first, as UCR-Suite)
    const U = new Float64Array(m);
    const L = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let hi = -INF;
      let lo = INF;
      for (let j = Math.max(0, i - w); j <= Math.min(m - 1, i + w); j++) {
        if (q[j]! > hi) hi = q[j]!;
        if (q[j]! < lo) lo = q[j]!;
      }
      U[i] = hi;
      L[i] = lo;
    }
    const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => Math.abs(q[y]!) - Math.abs(q[x]!) || x - y);
    const c = new Float64Array(m);
    let prev = new Float64Array(m + 1);
    let cur = new Float64Array(m + 1);
    const best: Array<{ index: number; distance: number }> = [];
    let T = INF;
    const kept: Array<{ index: number; distance: number }> = [];
    let done = 0;
    let sum = 0;
    let sumsq = 0;
    const zone2 = 2 * exclusion;

    function offer(index: number, distance: number): void {
      if (best.length === k && !(distance < T)) return;
      let conflicts = 0;
      let at = -1;
      for (let t = 0; t < best.length; t++) {
        if (Math.abs(best[t]!.index - index) <= zone2) {
          conflicts++;
          at = t;
        }
      }
      if (conflicts === 0) {
        if (best.length < k) best.push({ index, distance });
        else {
          let worst = 0;
          for (let t = 1; t < best.length; t++) if (best[t]!.distance > best[worst]!.distance) worst = t;
          best[worst] = { index, distance };
        }
      } else if (conflicts === 1 && distance < best[at]!.distance) {
        best[at] = { index, distance };
      } else return;
      if (best.length === k) {
        let mx = -INF;
        for (const b of best) if (b.distance > mx) mx = b.distance;
        T = mx;
      }
    }

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
        if (s % ZBLOCK === 0) {
          sum = 0;
          sumsq = 0;
          for (let j = 0; j < m; j++) {
            const v = series[s + j]!;
            sum += v;
            sumsq += v * v;
          }
        } else {
          const xn = series[s + m - 1]!;
          const xo = series[s - 1]!;
          sum += xn - xo;
          sumsq += xn * xn - xo * xo;
        }
        const st = finishStats(sum, sumsq, m);
        const limit = T + T * PRUNE_SLACK;
        // LB_Keogh (query envelope) with early abandoning, visiting the query in `order`
        let lb = 0;
        for (let t = 0; t < m && lb <= limit; t++) {
          const j = order[t]!;
          const x = !znormalize ? series[s + j]! : st.flat ? 0 : (series[s + j]! - st.mean) / st.std;
          if (x > U[j]!) lb += (x - U[j]!) * (x - U[j]!);
          else if (x < L[j]!) lb += (x - L[j]!) * (x - L[j]!);
        }
        if (lb > limit) continue;
        for (let j = 0; j < m; j++) c[j] = !znormalize ? series[s + j]! : st.flat ? 0 : (series[s + j]! - st.mean) / st.std;
        const d = dtwEA(limit);
        if (d <= T) {
          kept.push({ index: s, distance: d });
          offer(s, d);
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
        return selectTopK(kept.filter((x) => x.distance <= T), k, exclusion);
      },
    };
  }

  return { dtw, dtwPath, dtwMulti, similarity, lcss, znormStats, createSearch, bruteForce, selectTopK };
}
