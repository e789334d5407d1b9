/**
 * One-sided stationary-bootstrap p-value for "the mean of `diffs` is ≤ 0" (e.g. per-bar return of learning
 * minus the baseline's over the same bars). The resample is the project's one stationary bootstrap
 * (src/shared/bootstrap.ts, Politis & Romano 1994) with the seeded PRNG; the bootstrap distribution is centred on
 * the observed mean (so it imitates the null's spread, not its location):
 *
 *   p = (1 + #{ mean* − mean ≥ mean }) / (B + 1)
 *
 * Small p = evidence that the mean is positive. Pure and reproducible for a seed.
 */
import { stationaryIndices } from '../../../shared/bootstrap';
import { mulberry32 } from '../../../shared/random';

export interface StationaryBootstrapOptions {
  /** Number of bootstrap resamples B. */
  samples: number;
  /** Mean block length of the stationary bootstrap (bars); 1 = i.i.d. bootstrap. */
  meanBlock: number;
  seed: number;
}

export function stationaryBootstrapPValue(diffs: readonly number[] | Float64Array, opts: StationaryBootstrapOptions): number {
  const n = diffs.length;
  if (n === 0) throw new RangeError('stationaryBootstrapPValue: no observations.');
  if (!(opts.samples >= 1)) throw new RangeError('stationaryBootstrapPValue: samples must be at least 1.');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += diffs[i]!;
  const mean = sum / n;
  const random = mulberry32(opts.seed);
  const idx = new Int32Array(n);
  let extreme = 0;
  for (let b = 0; b < opts.samples; b++) {
    stationaryIndices(n, opts.meanBlock, random, idx);
    let s = 0;
    for (let i = 0; i < n; i++) s += diffs[idx[i]!]!;
    if (s / n - mean >= mean) extreme++;
  }
  return (1 + extreme) / (opts.samples + 1);
}
