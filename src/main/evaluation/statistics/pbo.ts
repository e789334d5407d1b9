/**
 * Probability of Backtest Overfitting by combinatorially symmetric cross-validation (CSCV; Bailey, Borwein,
 * López de Prado & Zhu 2016). The T × N matrix holds the per-period performance (e.g. returns) of N variants:
 *  1. the rows are cut into S contiguous blocks of (nearly) equal size, S even;
 *  2. for each of the C(S, S/2) ways to pick S/2 blocks as the in-sample set J (the rest, J̄, out of sample):
 *     the variant n* with the best in-sample metric is chosen, its out-of-sample relative rank
 *     ω = rank(n* in J̄) / (N + 1) is taken (ranks 1..N ascending, ties averaged) and its logit λ = ln(ω / (1 − ω));
 *  3. PBO = share of the splits with λ ≤ 0: how often the in-sample winner lands at or below the out-of-sample
 *     median.
 * The metric of a column over a set of rows is the Sharpe ratio (mean / sample std, per row) by default, or
 * 'mean', or any function of the rows (given in time order). The in-sample winner is the first of equal maxima;
 * an undefined (NaN) metric ranks below every defined one. Pure.
 */

export type PboMetric = 'sharpe' | 'mean' | ((values: number[]) => number);

export interface PboOptions {
  /** S: the number of blocks (even, 2 ≤ S ≤ T). */
  partitions: number;
  metric?: PboMetric;
}

export interface PboResult {
  pbo: number;
  /** λ of every split, in the enumeration order (lexicographic in-sample block sets). */
  logits: number[];
  /** C(S, S/2). */
  combinations: number;
}

/** All k-subsets of 0..n-1 in lexicographic order. */
export function combinations(n: number, k: number): number[][] {
  const out: number[][] = [];
  const pick: number[] = [];
  const rec = (from: number): void => {
    if (pick.length === k) {
      out.push(pick.slice());
      return;
    }
    for (let i = from; i <= n - (k - pick.length); i++) {
      pick.push(i);
      rec(i + 1);
      pick.pop();
    }
  };
  rec(0);
  return out;
}

/** Average ranks (1..n, ascending; NaN lowest, ties averaged). */
function rankOf(values: number[], which: number): number {
  const v = values[which]!;
  const key = (x: number): number => (Number.isNaN(x) ? Number.NEGATIVE_INFINITY : x);
  const kv = key(v);
  let below = 0;
  let equal = 0;
  for (const x of values) {
    const kx = key(x);
    if (kx < kv) below++;
    else if (kx === kv) equal++;
  }
  return below + (equal + 1) / 2;
}

function argmax(values: number[]): number {
  let best = -1;
  let bestV = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = Number.isNaN(values[i]!) ? Number.NEGATIVE_INFINITY : values[i]!;
    if (best < 0 || v > bestV) {
      best = i;
      bestV = v;
    }
  }
  return best;
}

export function probabilityOfBacktestOverfitting(performance: readonly (readonly number[])[], opts: PboOptions): PboResult {
  const t = performance.length;
  const s = opts.partitions;
  if (!(Number.isInteger(s) && s >= 2 && s % 2 === 0)) throw new RangeError(`PBO: partitions must be an even integer ≥ 2 (got ${s}).`);
  if (t < s) throw new RangeError(`PBO: ${t} periods cannot be cut into ${s} blocks.`);
  const n = performance[0]!.length;
  if (n < 2) throw new RangeError('PBO: needs at least 2 variants.');
  for (const row of performance) if (row.length !== n) throw new RangeError('PBO: every period needs one value per variant.');
  const bounds = Array.from({ length: s + 1 }, (_, i) => Math.floor((i * t) / s));
  const metric = opts.metric ?? 'sharpe';

  // Metric of every column over a set of blocks.
  let evaluate: (blocks: number[]) => number[];
  if (typeof metric === 'function') {
    evaluate = (blocks) => {
      const out = new Array<number>(n);
      for (let j = 0; j < n; j++) {
        const col: number[] = [];
        for (const b of blocks) for (let r = bounds[b]!; r < bounds[b + 1]!; r++) col.push(performance[r]![j]!);
        out[j] = metric(col);
      }
      return out;
    };
  } else {
    // Per block and column: count, sum and sum of squared deviations from the block mean (merged exactly
    // with Chan et al.'s pairwise formula, so the Sharpe equals a two-pass computation to rounding).
    const cnt = new Float64Array(s);
    const sum = new Float64Array(s * n);
    const m2 = new Float64Array(s * n);
    for (let b = 0; b < s; b++) {
      cnt[b] = bounds[b + 1]! - bounds[b]!;
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let r = bounds[b]!; r < bounds[b + 1]!; r++) acc += performance[r]![j]!;
        const mean = acc / cnt[b]!;
        let dev = 0;
        for (let r = bounds[b]!; r < bounds[b + 1]!; r++) dev += (performance[r]![j]! - mean) ** 2;
        sum[b * n + j] = acc;
        m2[b * n + j] = dev;
      }
    }
    evaluate = (blocks) => {
      const out = new Array<number>(n);
      for (let j = 0; j < n; j++) {
        let c = 0;
        let sm = 0;
        let mm = 0;
        for (const b of blocks) {
          const cb = cnt[b]!;
          if (cb === 0) continue;
          const sb = sum[b * n + j]!;
          if (c > 0) {
            const delta = sb / cb - sm / c;
            mm += m2[b * n + j]! + (delta * delta * c * cb) / (c + cb);
          } else mm = m2[b * n + j]!;
          c += cb;
          sm += sb;
        }
        const mean = c > 0 ? sm / c : Number.NaN;
        if (metric === 'mean') out[j] = mean;
        else {
          const sd = c > 1 ? Math.sqrt(mm / (c - 1)) : Number.NaN;
          out[j] = sd === 0 ? (mean === 0 ? 0 : Number.NaN) : mean / sd;
        }
      }
      return out;
    };
  }

  const splits = combinations(s, s / 2);
  const logits: number[] = [];
  let overfit = 0;
  for (const inSample of splits) {
    const outSample: number[] = [];
    for (let b = 0, k = 0; b < s; b++) {
      if (inSample[k] === b) k++;
      else outSample.push(b);
    }
    const chosen = argmax(evaluate(inSample));
    const omega = rankOf(evaluate(outSample), chosen) / (n + 1);
    const lambda = Math.log(omega / (1 - omega));
    logits.push(lambda);
    if (lambda <= 0) overfit++;
  }
  return { pbo: overfit / splits.length, logits, combinations: splits.length };
}
