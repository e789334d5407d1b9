/**
 * Holm against the textbook example (four tests at α = 0.05: p = 0.01, 0.04, 0.03, 0.005, adjusted 0.03, 0.06,
 * 0.06, 0.02 as R's p.adjust(.., "holm") gives) and against the step-down procedure itself (fast-check: for any
 * p-values and α, {i : adjusted p_i ≤ α} is exactly what Holm's sequential rejection rejects). The stationary
 * bootstrap p-value: reproducible, small for a clear positive mean, near uniform under the null.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../shared/random';
import { holmAdjust, stationaryBootstrapPValue } from '..';

/** Holm's step-down procedure as written: reject p(1), p(2), ... while p(j) ≤ α / (m − j + 1) (α < 1). */
function holmRejects(p: number[], alpha: number): boolean[] {
  const m = p.length;
  const order = p.map((_, i) => i).sort((a, b) => p[a]! - p[b]! || a - b);
  const out = new Array<boolean>(m).fill(false);
  for (let j = 0; j < m; j++) {
    if ((m - j) * p[order[j]!]! <= alpha) out[order[j]!] = true;
    else break;
  }
  return out;
}

describe('holmAdjust', () => {
  it('reproduces the textbook example', () => {
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((x, i) => expect(adj[i]).toBeCloseTo(x, 15));
    expect(holmAdjust([])).toEqual([]);
    expect(holmAdjust([0.4, 0.6])).toEqual([0.8, 0.8]);
    expect(holmAdjust([0.9, 0.8])).toEqual([1, 1]);
  });

  it('rejects exactly what the step-down procedure rejects, is monotone and ≥ p', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (p, alpha) => {
        const adj = holmAdjust(p);
        const rejected = holmRejects(p, alpha);
        adj.forEach((a, i) => {
          expect(a <= alpha).toBe(rejected[i]);
          expect(a).toBeGreaterThanOrEqual(p[i]!);
          expect(a).toBeLessThanOrEqual(1);
        });
        for (let i = 0; i < p.length; i++) for (let j = 0; j < p.length; j++) if (p[i]! < p[j]!) expect(adj[i]!).toBeLessThanOrEqual(adj[j]!);
      }),
    );
  });

  it('refuses a p-value outside [0, 1]', () => {
    expect(() => holmAdjust([0.1, Number.NaN])).toThrow(RangeError);
  });
});

function noise(n: number, seed: number, mean: number, ar = 0): number[] {
  const random = mulberry32(seed);
  const out: number[] = [];
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const e = (random() + random() + random() - 1.5) * 0.02;
    prev = ar * prev + e;
    out.push(mean + prev);
  }
  return out;
}

describe('stationaryBootstrapPValue', () => {
  it('is reproducible for a seed, small for a clear positive mean, large for a negative one', () => {
    const opts = { samples: 999, meanBlock: 5, seed: 11 };
    const good = noise(500, 1, 0.004);
    expect(stationaryBootstrapPValue(good, opts)).toBe(stationaryBootstrapPValue(good, opts));
    expect(stationaryBootstrapPValue(good, opts)).toBeLessThan(0.01);
    expect(stationaryBootstrapPValue(noise(500, 2, -0.004), opts)).toBeGreaterThan(0.99);
    expect(stationaryBootstrapPValue(new Array(50).fill(0), opts)).toBe(1);
  });

  it('is roughly uniform under the null (zero-mean, autocorrelated differences)', () => {
    const raw: number[] = [];
    for (let s = 0; s < 200; s++) raw.push(stationaryBootstrapPValue(noise(300, 5000 + s, 0, 0.3), { samples: 199, meanBlock: 6, seed: s }));
    const below = (a: number): number => raw.filter((p) => p <= a).length / raw.length;
    expect(below(0.1)).toBeGreaterThan(0.03);
    expect(below(0.1)).toBeLessThan(0.2);
    expect(below(0.5)).toBeGreaterThan(0.35);
    expect(below(0.5)).toBeLessThan(0.65);
  });
});
