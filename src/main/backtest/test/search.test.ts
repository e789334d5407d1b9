import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReferenceEngine } from '../../engine';
import { AnalogIndex } from '../analog-index';
import { computeForecasts } from '../forecast';
import { parseParams } from '../run';
import { randomBars } from './util';

const engine = createReferenceEngine();

describe('indexed walk-forward search', () => {
  it('returns exactly engine.searchTopK on growing prefixes (random walks, several shapes)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 6, max: 24 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 4 }), (seed, m, k, band, step) => {
        const bars = randomBars(400, seed);
        const x = bars.close;
        const exclusion = Math.floor(m / 2);
        const index = new AnalogIndex(x, m, band, exclusion, engine);
        for (let L = 3 * m; L + m + 2 <= x.length; L += step * 7) {
          const qs = L + 2;
          const got = index.search(qs, 0, L - m, k, step);
          const want = engine.searchTopK(x.subarray(0, L), x.subarray(qs, qs + m), { window: band, k, znormalize: true, exclusionZone: exclusion });
          expect(got).toEqual(want);
        }
      }),
      { numRuns: 25, seed: 7 },
    );
  });

  it('the indexed and the one-call-per-decision engine paths give identical forecast tables', () => {
    const bars = randomBars(700, 11);
    for (const representation of ['price', 'returns'] as const) {
      const a = computeForecasts(bars, parseParams({ window: 16, top: 5, horizon: 3, representation, search: 'indexed' }), engine);
      const b = computeForecasts(bars, parseParams({ window: 16, top: 5, horizon: 3, representation, search: 'engine' }), engine);
      expect(a.decisions.length).toBeGreaterThan(100);
      expect(Array.from(a.matchEnd)).toEqual(Array.from(b.matchEnd));
      expect(Array.from(a.distance)).toEqual(Array.from(b.distance));
      expect(Array.from(a.forward)).toEqual(Array.from(b.forward));
    }
  });

  it('every analog outcome closed strictly before its decision bar', () => {
    const bars = randomBars(600, 5);
    const p = parseParams({ window: 12, top: 6, horizon: 7, step: 3 });
    const t = computeForecasts(bars, p, engine);
    let checked = 0;
    for (let d = 0; d < t.decisions.length; d++) {
      for (let j = 0; j < t.k; j++) {
        const e = t.matchEnd[d * t.k + j]!;
        if (e < 0) continue;
        expect(e + p.horizon).toBeLessThan(t.decisions[d]!);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
