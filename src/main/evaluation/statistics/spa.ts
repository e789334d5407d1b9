/**
 * Hansen's test for Superior Predictive Ability (SPA; Hansen 2005, "A Test for Superior Predictive Ability",
 * JBES 23(4)), of the best of K variants against a benchmark. Input: the T × K matrix d of per-period relative
 * performance d[t][k] = performance of variant k − performance of the benchmark (e.g. return minus the
 * baseline's return; for losses pass benchmark loss − variant loss). Null: no variant beats the benchmark
 * (E d_k ≤ 0 for all k).
 *  - statistic T = max(0, max_k √T d̄_k / ω̂_k), ω̂²_k Hansen's stationary-bootstrap variance estimator
 *    γ̂0 + 2 Σ_{i≥1} κ(T, i) γ̂_i with κ(T, i) = (1 − i/T)(1 − q)^i + (i/T)(1 − q)^{T−i}, q = 1 / meanBlock;
 *  - B stationary-bootstrap resamples (one index resample shared by all columns, src/shared/bootstrap.ts);
 *    Z*_k = d̄*_k − d̄_k + μ̂_k with three recentrings:
 *      lower      μ̂_k = min(d̄_k, 0),
 *      consistent μ̂_k = d̄_k when √T d̄_k / ω̂_k ≤ −√(2 ln ln T), else 0 (Hansen's SPA p-value),
 *      upper      μ̂_k = 0 (the studentised form of White's 2000 Reality Check);
 *  - p = #{ max(0, max_k √T Z*_k / ω̂_k) ≥ T } / B, so lower ≤ consistent ≤ upper (≥ rather than Hansen's >, so
 *    that T = 0, no variant ahead of the benchmark even in sample, gives p = 1 instead of counting ties at 0).
 * A column with ω̂ = 0 (constant relative performance) takes no part. Pure, reproducible for a seed.
 */
import { stationaryIndices } from '../../../shared/bootstrap';
import { mulberry32 } from '../../../shared/random';

export interface SpaOptions {
  samples: number;
  meanBlock: number;
  seed: number;
}

export interface SpaResult {
  /** Hansen's SPA p-value (consistent recentring). */
  consistent: number;
  lower: number;
  /** Equals the studentised Reality Check. */
  upper: number;
  /** The observed statistic T. */
  statistic: number;
  /** Column of the variant with the largest studentised mean (the "best" tested), −1 when none takes part. */
  best: number;
}

/** Hansen's kernel estimate of the long-run variance of √T times the mean, for the stationary bootstrap. */
export function stationaryBootstrapVariance(x: Float64Array, meanBlock: number): number {
  const t = x.length;
  let mean = 0;
  for (let i = 0; i < t; i++) mean += x[i]!;
  mean /= t;
  const dm = new Float64Array(t);
  for (let i = 0; i < t; i++) dm[i] = x[i]! - mean;
  const q = 1 / Math.max(1, meanBlock);
  let v = 0;
  for (let i = 0; i < t; i++) v += dm[i]! * dm[i]!;
  v /= t;
  for (let lag = 1; lag < t; lag++) {
    const kappa = (1 - lag / t) * (1 - q) ** lag + (lag / t) * (1 - q) ** (t - lag);
    if (kappa < 1e-16) continue;
    let g = 0;
    for (let i = 0; i + lag < t; i++) g += dm[i]! * dm[i + lag]!;
    v += 2 * kappa * (g / t);
  }
  return v;
}

export function spaTest(relative: readonly (readonly number[])[], opts: SpaOptions): SpaResult {
  const t = relative.length;
  if (t < 2) throw new RangeError('spaTest: needs at least 2 periods.');
  const k = relative[0]!.length;
  if (k < 1) throw new RangeError('spaTest: needs at least one variant.');
  const cols: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const c = new Float64Array(t);
    for (let i = 0; i < t; i++) {
      const row = relative[i]!;
      if (row.length !== k) throw new RangeError('spaTest: every period needs one value per variant.');
      c[i] = row[j]!;
    }
    cols.push(c);
  }
  const sqrtT = Math.sqrt(t);
  const mean = cols.map((c) => c.reduce((a, b) => a + b, 0) / t);
  const omega = cols.map((c) => Math.sqrt(Math.max(0, stationaryBootstrapVariance(c, opts.meanBlock))));
  const active = omega.map((w) => w > 0);
  let statistic = 0;
  let best = -1;
  let bestZ = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < k; j++) {
    if (!active[j]) continue;
    const z = (sqrtT * mean[j]!) / omega[j]!;
    if (z > bestZ) {
      bestZ = z;
      best = j;
    }
  }
  statistic = Math.max(0, bestZ);
  const threshold = -Math.sqrt(2 * Math.log(Math.log(t)));
  const muLower = mean.map((m) => Math.min(m, 0));
  const muConsistent = mean.map((m, j) => (active[j] && (sqrtT * m) / omega[j]! <= threshold ? m : 0));
  const random = mulberry32(opts.seed);
  const idx = new Int32Array(t);
  let cl = 0;
  let cc = 0;
  let cu = 0;
  for (let b = 0; b < opts.samples; b++) {
    stationaryIndices(t, opts.meanBlock, random, idx);
    let tl = 0;
    let tc = 0;
    let tu = 0;
    for (let j = 0; j < k; j++) {
      if (!active[j]) continue;
      const c = cols[j]!;
      let s = 0;
      for (let i = 0; i < t; i++) s += c[idx[i]!]!;
      const centred = s / t - mean[j]!;
      const scale = sqrtT / omega[j]!;
      tl = Math.max(tl, scale * (centred + muLower[j]!));
      tc = Math.max(tc, scale * (centred + muConsistent[j]!));
      tu = Math.max(tu, scale * centred);
    }
    if (tl >= statistic) cl++;
    if (tc >= statistic) cc++;
    if (tu >= statistic) cu++;
  }
  const B = opts.samples;
  return { consistent: cc / B, lower: cl / B, upper: cu / B, statistic, best };
}
