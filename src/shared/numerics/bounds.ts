/**
 * Lower bounds of the engine's banded squared-cost DTW: the Sakoe-Chiba envelope and LB_Keogh.
 *  - envelope(x, w): upper[i] = max and lower[i] = min of x over [i - w, i + w] clipped to the series
 *    (w >= 0). Exact (max/min do not round), O(n) with monotone deques; among equal values the first one
 *    wins, as a left-to-right scan would.
 *  - lbKeogh: sum over positions of the squared distance from a candidate value to [lower, upper]; a lower
 *    bound of DTW(query, candidate) when the envelope is the query's (or any wider one) with the same w.
 *  - lbOrder: the UCR-Suite visiting order (largest |q| first, ties lower position), so the sum grows
 *    fastest and abandoning comes sooner.
 * Pure (no Node or DOM imports). Must never: return less than the partial sum it abandoned at.
 */
import type { ZStats } from './znorm';

export interface Envelope {
  upper: Float64Array;
  lower: Float64Array;
}

/** Sakoe-Chiba envelope of x with half-width w; written into `upper`/`lower` when given (length >= x.length). */
export function envelope(x: ArrayLike<number>, w: number, upper?: Float64Array, lower?: Float64Array): Envelope {
  const n = x.length;
  const U = upper ?? new Float64Array(n);
  const L = lower ?? new Float64Array(n);
  const hiQ = new Int32Array(n);
  const loQ = new Int32Array(n);
  let hh = 0;
  let ht = 0;
  let lh = 0;
  let lt = 0;
  let next = 0;
  for (let i = 0; i < n; i++) {
    const right = i + w < n - 1 ? i + w : n - 1;
    while (next <= right) {
      const v = x[next]!;
      while (ht > hh && x[hiQ[ht - 1]!]! < v) ht--;
      hiQ[ht++] = next;
      while (lt > lh && x[loQ[lt - 1]!]! > v) lt--;
      loQ[lt++] = next;
      next++;
    }
    while (hiQ[hh]! < i - w) hh++;
    while (loQ[lh]! < i - w) lh++;
    U[i] = x[hiQ[hh]!]!;
    L[i] = x[loQ[lh]!]!;
  }
  return { upper: U, lower: L };
}

/** Positions of q by decreasing |q| (ties: lower position first). */
export function lbOrder(q: ArrayLike<number>, out: Int32Array = new Int32Array(q.length)): Int32Array {
  const idx = Array.from({ length: q.length }, (_, i) => i).sort((a, b) => Math.abs(q[b]!) - Math.abs(q[a]!) || a - b);
  for (let i = 0; i < idx.length; i++) out[i] = idx[i]!;
  return out;
}

/**
 * LB_Keogh of the candidate c[base .. base + n) (n = upper.length) against an envelope, visiting positions
 * in `order` (default 0..n-1) and abandoning as soon as the sum exceeds `limit` (the partial sum, > limit,
 * is returned). With `z`, each value is z-normalised on the fly (`zValue`: 0 for a flat window), so a raw
 * series window can be bounded without first writing its normalised copy.
 */
export function lbKeogh(c: ArrayLike<number>, base: number, upper: ArrayLike<number>, lower: ArrayLike<number>, limit = Number.POSITIVE_INFINITY, order?: ArrayLike<number>, z?: ZStats): number {
  const n = upper.length;
  const raw = z === undefined;
  const flat = !raw && z.flat;
  const mean = raw ? 0 : z.mean;
  const std = raw ? 1 : z.std;
  let lb = 0;
  for (let t = 0; t < n && lb <= limit; t++) {
    const j = order === undefined ? t : order[t]!;
    const x = raw ? c[base + j]! : flat ? 0 : (c[base + j]! - mean) / std;
    const u = upper[j]!;
    if (x > u) lb += (x - u) * (x - u);
    else {
      const l = lower[j]!;
      if (x < l) lb += (x - l) * (x - l);
    }
  }
  return lb;
}
