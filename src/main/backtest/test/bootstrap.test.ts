import { describe, expect, it } from 'vitest';
import { hitRateStat, pairedBootstrap, rng, sharpeStat, stationaryIndices } from '../bootstrap';

function noise(n: number, seed: number, mean = 0, sd = 0.01): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + sd * (r() + r() + r() - 1.5) * 2;
  return out;
}

describe('bootstrap', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = noise(500, 1, 0.0005);
    const b = noise(500, 2);
    const x = pairedBootstrap(a, null, b, null, sharpeStat, { resamples: 300, meanBlock: 10, seed: 42 });
    const y = pairedBootstrap(a, null, b, null, sharpeStat, { resamples: 300, meanBlock: 10, seed: 42 });
    const z = pairedBootstrap(a, null, b, null, sharpeStat, { resamples: 300, meanBlock: 10, seed: 43 });
    expect(x).toEqual(y);
    expect(z.diff).toBe(x.diff);
    expect(z.p).not.toBe(x.p);
  });

  it('gives p = 1 for identical series and a small p for a large true difference', () => {
    const a = noise(800, 3);
    const same = pairedBootstrap(a, null, a, null, sharpeStat, { resamples: 200, meanBlock: 8, seed: 1 });
    expect(same.diff).toBe(0);
    expect(same.p).toBe(1);
    const better = noise(800, 4, 0.01, 0.01);
    const strong = pairedBootstrap(better, null, a, null, sharpeStat, { resamples: 400, meanBlock: 8, seed: 1 });
    expect(strong.diff!).toBeGreaterThan(0);
    expect(strong.p!).toBeLessThan(0.01);
  });

  it('stationary indices stay in range and mostly continue blocks', () => {
    const idx = new Int32Array(1000);
    stationaryIndices(1000, 20, rng(5), idx);
    let continued = 0;
    for (let i = 0; i < 1000; i++) {
      expect(idx[i]).toBeGreaterThanOrEqual(0);
      expect(idx[i]).toBeLessThan(1000);
      if (i > 0 && idx[i] === (idx[i - 1]! + 1) % 1000) continued++;
    }
    expect(continued).toBeGreaterThan(900);
  });

  it('hit-rate statistic counts exposed bars only', () => {
    const r = Float64Array.from([0.1, -0.1, 0.2, 0.3]);
    const held = Float64Array.from([1, 1, 0, -1]);
    expect(hitRateStat(r, held, Int32Array.from([0, 1, 2, 3]))).toBeCloseTo(2 / 3, 12);
  });
});

describe('flat strategies', () => {
  it('a flat strategy has Sharpe 0 in the bootstrap, so it can be compared', () => {
    const flat = new Float64Array(300);
    const other = noise(300, 9, 0.001);
    expect(sharpeStat(flat, null, Int32Array.from({ length: 300 }, (_, i) => i))).toBe(0);
    const t = pairedBootstrap(flat, null, other, null, sharpeStat, { resamples: 100, meanBlock: 5, seed: 2 });
    expect(t.diff).not.toBeNull();
    expect(t.p).not.toBeNull();
  });
});
