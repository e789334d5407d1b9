import { describe, expect, it } from 'vitest';
import { stationaryIndices } from '../../../shared/bootstrap';
import { rng } from '../bootstrap';

describe('seeded randomness', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from({ length: 50 }, rng(seed));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(43)).not.toEqual(draw(42));
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
});
