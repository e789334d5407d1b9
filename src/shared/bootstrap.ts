/**
 * The stationary bootstrap's index resample (Politis & Romano 1994), once for every side: the backtest's paired
 * comparisons (src/main/backtest/bootstrap.ts) and the multiple-testing statistics (src/main/evaluation/statistics)
 * draw their resamples here. Blocks start at a uniform position and have geometric lengths with mean `meanBlock`;
 * they wrap around the end. Pure (no Node or DOM imports); the randomness is handed in (the seeded mulberry32 of
 * ./random), so runs reproduce. Must never call Math.random.
 */

/** Fills `out` with a stationary-bootstrap index resample of 0..n-1 (geometric blocks, wrap-around). */
export function stationaryIndices(n: number, meanBlock: number, random: () => number, out: Int32Array): Int32Array {
  const pNew = 1 / Math.max(1, meanBlock);
  let idx = Math.floor(random() * n);
  for (let i = 0; i < out.length; i++) {
    if (i > 0) {
      if (random() < pNew) idx = Math.floor(random() * n);
      else idx = (idx + 1) % n;
    }
    out[i] = idx;
  }
  return out;
}

/** The default mean block length for n observations: 2 n^(1/3) (at least 1). */
export function defaultMeanBlock(n: number): number {
  return Math.max(1, Math.round(Math.cbrt(Math.max(1, n)) * 2));
}
