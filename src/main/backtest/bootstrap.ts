/**
 * Seeded statistics for honest comparisons: a deterministic PRNG and the stationary block bootstrap
 * (Politis & Romano 1994) of paired per-bar returns. The same index resample is applied to both series
 * so their dependence is kept; blocks keep the serial dependence of each.
 *
 * p-values are two-sided, from the bootstrap distribution of the statistic difference recentred on the
 * observed one: p = (1 + #{|d* - d| >= |d|}) / (B + 1). The index resample itself is src/shared/bootstrap.ts (one
 * implementation, shared with src/main/evaluation/statistics). Must never use Math.random (runs must reproduce).
 */

import { mulberry32 } from '../../shared/random';
import { defaultMeanBlock, stationaryIndices } from '../../shared/bootstrap';

export { defaultMeanBlock, stationaryIndices };

/** The project's seeded PRNG (mulberry32, src/shared/random.ts). */
export const rng = mulberry32;

/** Statistic of one series over an index resample; returns NaN when undefined. */
export type ResampledStat = (series: Float64Array, aux: Float64Array | null, idx: Int32Array) => number;

/** Mean / sample std of the resampled returns (per bar; annualized by the caller); 0 for an all-flat sample. */
export const sharpeStat: ResampledStat = (r, _aux, idx) => {
  const n = idx.length;
  if (n < 2) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += r[idx[i]!]!;
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (r[idx[i]!]! - mean) ** 2;
  const std = Math.sqrt(v / (n - 1));
  // A strategy that stayed flat (all returns exactly 0) has Sharpe 0 by convention, so it can be compared.
  if (std === 0) return mean === 0 ? 0 : Number.NaN;
  return mean / std;
};

/** Share of exposed bars (aux = |position| > 0) with a positive return. */
export const hitRateStat: ResampledStat = (r, held, idx) => {
  let exposed = 0;
  let wins = 0;
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i]!;
    if (held && held[j]! !== 0) {
      exposed++;
      if (r[j]! > 0) wins++;
    }
  }
  return exposed > 0 ? wins / exposed : Number.NaN;
};

export interface PairedTest {
  /** stat(A) - stat(B) on the original sample (null when undefined). */
  diff: number | null;
  p: number | null;
  /** Resamples where both statistics were defined. */
  used: number;
}

export interface BootstrapOptions {
  resamples: number;
  meanBlock: number;
  seed: number;
}


/** Paired stationary block bootstrap of stat(A) - stat(B) over the same bars. */
export function pairedBootstrap(
  a: Float64Array,
  auxA: Float64Array | null,
  b: Float64Array,
  auxB: Float64Array | null,
  stat: ResampledStat,
  opts: BootstrapOptions,
): PairedTest {
  const n = a.length;
  const identity = new Int32Array(n);
  for (let i = 0; i < n; i++) identity[i] = i;
  const d0 = stat(a, auxA, identity) - stat(b, auxB, identity);
  if (!Number.isFinite(d0)) return { diff: null, p: null, used: 0 };
  const random = rng(opts.seed);
  const idx = new Int32Array(n);
  let extreme = 0;
  let used = 0;
  for (let r = 0; r < opts.resamples; r++) {
    stationaryIndices(n, opts.meanBlock, random, idx);
    const d = stat(a, auxA, idx) - stat(b, auxB, idx);
    if (!Number.isFinite(d)) continue;
    used++;
    if (Math.abs(d - d0) >= Math.abs(d0)) extreme++;
  }
  return { diff: d0, p: used > 0 ? (1 + extreme) / (used + 1) : null, used };
}
