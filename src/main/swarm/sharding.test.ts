import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getEngine } from '../engine';
import { mergeTopK, planShards, shardSlice } from './sharding';

function walk(n: number, seed: number): Float64Array {
  let a = seed >>> 0;
  const out = new Float64Array(n);
  let x = 0;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    x += a / 2 ** 32 - 0.5;
    out[i] = x;
  }
  return out;
}

describe('sharding', () => {
  it('covers every candidate start exactly once, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 64 }), (n, m, count) => {
        const plans = planShards(n, m, count);
        const candidates = Math.max(0, n - m + 1);
        if (candidates === 0) return plans.length === 0;
        let next = 0;
        for (const p of plans) {
          if (p.start !== next || p.end <= p.start) return false;
          next = p.end;
        }
        return next === candidates && plans.length <= count;
      }),
    );
  });

  it('merging per-shard top-k answers gives the single-node answer', () => {
    const engine = getEngine();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 }), (seed, shards, k) => {
        const series = walk(1200, seed);
        const m = 32;
        const query = series.slice(300, 300 + m);
        const opts = { window: 4, k, exclusionZone: 16 };
        const whole = engine.searchTopK(series, query, opts);
        const lists = planShards(series.length, m, shards).map((p) =>
          engine.searchTopK(shardSlice(series, p, m), query, opts).map((x) => ({ index: x.index + p.start, distance: x.distance })),
        );
        const merged = mergeTopK(lists, k, 16);
        // Same matches; distances equal up to rounding (z-normalization sums run over different slices).
        expect(merged.map((x) => x.index)).toEqual(whole.map((x) => x.index));
        merged.forEach((x, i) => expect(x.distance).toBeCloseTo(whole[i]!.distance, 9));
      }),
      { numRuns: 25, seed: 20261126 },
    );
  });
});
