/**
 * PBO by CSCV against a brute-force enumeration written independently here (bit masks over the blocks, the
 * rank counted by sorting), as a fast-check property; and its two defining cases: one variant best in every
 * block gives PBO = 0, variants of pure noise give PBO near 1/2. Hansen's SPA: p-values ordered
 * lower ≤ consistent ≤ upper, a strong outperformer gives p < 0.05, and under the null (no variant better than
 * the benchmark) the consistent p-value is roughly uniform over seeded data sets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../shared/random';
import { probabilityOfBacktestOverfitting, sharpeRatio, spaTest, stationaryBootstrapVariance } from '..';

function gaussianMatrix(t: number, n: number, seed: number, drift: (j: number) => number = () => 0): number[][] {
  const random = mulberry32(seed);
  return Array.from({ length: t }, () =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let i = 0; i < 6; i++) s += random();
      return (s - 3) * 0.01 + drift(j);
    }),
  );
}

/** CSCV written out plainly: every bit mask with S/2 bits is an in-sample set. */
function bruteForcePbo(m: number[][], s: number, metric: (v: number[]) => number): { pbo: number; logits: number[] } {
  const t = m.length;
  const n = m[0]!.length;
  const blockOf = (r: number): number => {
    for (let b = 0; b < s; b++) if (r >= Math.floor((b * t) / s) && r < Math.floor(((b + 1) * t) / s)) return b;
    return -1;
  };
  const logits: { mask: number; lambda: number }[] = [];
  for (let mask = 0; mask < 1 << s; mask++) {
    let bits = 0;
    for (let b = 0; b < s; b++) if (mask & (1 << b)) bits++;
    if (bits !== s / 2) continue;
    const score = (inside: boolean): number[] => Array.from({ length: n }, (_, j) => metric(m.filter((_, r) => Boolean(mask & (1 << blockOf(r))) === inside).map((row) => row[j]!)));
    const train = score(true).map((x) => (Number.isNaN(x) ? -Infinity : x));
    const best = train.indexOf(Math.max(...train));
    const test = score(false).map((x) => (Number.isNaN(x) ? -Infinity : x));
    const sorted = [...test].sort((a, b) => a - b);
    const first = sorted.indexOf(test[best]!) + 1;
    const last = sorted.lastIndexOf(test[best]!) + 1;
    const omega = (first + last) / 2 / (n + 1);
    logits.push({ mask, lambda: Math.log(omega / (1 - omega)) });
  }
  const values = logits.map((l) => l.lambda);
  return { pbo: values.filter((l) => l <= 0).length / values.length, logits: values };
}

describe('probability of backtest overfitting (CSCV)', () => {
  it('equals a brute-force enumeration of every split', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }).chain((half) =>
          fc.record({
            s: fc.constant(half * 2),
            m: fc.integer({ min: 2, max: 5 }).chain((n) => fc.array(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: n, maxLength: n }), { minLength: half * 2 + 1, maxLength: 14 })),
          }),
        ),
        fc.constantFrom<'sharpe' | 'mean'>('sharpe', 'mean'),
        ({ s, m }, which) => {
          const metric = which === 'mean' ? (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length : sharpeRatio;
          const expected = bruteForcePbo(m, s, metric);
          const got = probabilityOfBacktestOverfitting(m, { partitions: s, metric });
          expect(got.pbo).toBe(expected.pbo);
          expect([...got.logits].sort((a, b) => a - b)).toEqual([...expected.logits].sort((a, b) => a - b));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the built-in Sharpe metric agrees with the Sharpe of the gathered rows', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const m = gaussianMatrix(120, 6, seed);
      const fast = probabilityOfBacktestOverfitting(m, { partitions: 8 });
      const slow = probabilityOfBacktestOverfitting(m, { partitions: 8, metric: sharpeRatio });
      expect(fast.pbo).toBe(slow.pbo);
      fast.logits.forEach((l, i) => expect(l).toBeCloseTo(slow.logits[i]!, 12));
      expect(fast.combinations).toBe(70);
    }
  });

  it('is 0 when one variant is best in every block', () => {
    // same noise, shifted: variant j's Sharpe grows with j on any set of rows
    const base = gaussianMatrix(200, 1, 3).map((r) => r[0]!);
    const m = base.map((x) => Array.from({ length: 8 }, (_, j) => x + 0.002 * j));
    const r = probabilityOfBacktestOverfitting(m, { partitions: 10 });
    expect(r.pbo).toBe(0);
    r.logits.forEach((l) => expect(l).toBeCloseTo(Math.log(8), 12)); // rank 8 of 8: ω = 8/9
  });

  it('is near 1/2 for variants of pure noise', () => {
    const pbos = [1, 2, 3, 4, 5, 6].map((seed) => probabilityOfBacktestOverfitting(gaussianMatrix(400, 20, 100 + seed), { partitions: 10 }).pbo);
    const mean = pbos.reduce((a, b) => a + b, 0) / pbos.length;
    expect(mean).toBeGreaterThan(0.35);
    expect(mean).toBeLessThan(0.65);
  });

  it('refuses odd partitions and too few periods', () => {
    expect(() => probabilityOfBacktestOverfitting(gaussianMatrix(20, 3, 1), { partitions: 5 })).toThrow(RangeError);
    expect(() => probabilityOfBacktestOverfitting(gaussianMatrix(3, 3, 1), { partitions: 4 })).toThrow(RangeError);
  });
});

describe("Hansen's SPA test", () => {
  const opts = { samples: 500, meanBlock: 5, seed: 9 };

  it('orders lower ≤ consistent ≤ upper and finds a strong outperformer', () => {
    const m = gaussianMatrix(400, 5, 21, (j) => (j === 3 ? 0.004 : -0.001));
    const r = spaTest(m, opts);
    expect(r.best).toBe(3);
    expect(r.consistent).toBeLessThan(0.05);
    expect(r.lower).toBeLessThanOrEqual(r.consistent);
    expect(r.consistent).toBeLessThanOrEqual(r.upper);
    expect(spaTest(m, opts)).toEqual(r);
  });

  it('does not reject when every variant is worse than the benchmark', () => {
    const r = spaTest(
      gaussianMatrix(400, 4, 22, () => -0.003),
      opts,
    );
    expect(r.statistic).toBe(0);
    expect(r.consistent).toBe(1);
    expect(r.upper).toBe(1);
  });

  it('gains power over the Reality Check when many variants are poor (consistent < upper)', () => {
    const m = gaussianMatrix(400, 30, 23, (j) => (j === 0 ? 0.0012 : -0.004));
    const r = spaTest(m, opts);
    expect(r.consistent).toBeLessThan(r.upper);
  });

  it('is roughly uniform under the null (every variant exactly as good as the benchmark)', () => {
    const ps: number[] = [];
    for (let s = 0; s < 150; s++) ps.push(spaTest(gaussianMatrix(200, 3, 7000 + s), { samples: 199, meanBlock: 3, seed: s }).consistent);
    const below = (a: number): number => ps.filter((p) => p <= a).length / ps.length;
    expect(below(0.1)).toBeGreaterThan(0.03);
    expect(below(0.1)).toBeLessThan(0.2);
    expect(below(0.5)).toBeGreaterThan(0.3);
    expect(below(0.5)).toBeLessThan(0.7);
  });

  it("Hansen's variance estimator is the plain variance for i.i.d. resampling (mean block 1)", () => {
    const x = Float64Array.from(gaussianMatrix(300, 1, 4).map((r) => r[0]!));
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const v = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    expect(stationaryBootstrapVariance(x, 1)).toBeCloseTo(v, 15);
  });
});
