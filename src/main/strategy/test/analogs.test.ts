/**
 * The analogs of one query are distinct episodes by default: no two share a bar (exclusion = the query length),
 * and the live path and the backtest's forecast pass pick exactly the greedy answer over every eligible window
 * (oracle: all window distances from the engine with no exclusion, then the shared greedy selection).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { greedyPositions } from '../../../shared/numerics';
import { computeForecasts, parseParams } from '../../backtest';
import { randomBars } from '../../backtest/test/util';
import { getEngine } from '../../engine';
import { analogExclusion, analogRange, findAnalogsAt } from '..';

const engine = getEngine();

describe('analogs of one query', () => {
  it('never overlap by default, and are the greedy pick over every eligible window (live and backtest alike)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 4, max: 24 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 8 }),
        fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
        async (seed, window, top, horizon, exclusionZone) => {
          const bars = randomBars(60 + 12 * window, seed);
          const p = parseParams({ window, top, horizon, exclusionZone, minHistory: 2 * window });
          const E = analogExclusion(p);
          expect(E).toBe(exclusionZone ?? window);
          const table = computeForecasts(bars, p, engine);
          const d = table.decisions.length - 1;
          const t = table.decisions[d]!;
          const { analogs } = await findAnalogsAt(engine, bars, t, p);
          // Oracle: every eligible window's distance, ranked, then the greedy exclusion.
          const { lo, L, qs } = analogRange(t, p);
          const all = engine.searchTopK(bars.close.subarray(lo, L), bars.close.subarray(qs, qs + window), {
            window: Math.ceil(p.bandRatio * window),
            k: L - lo - window + 1,
            znormalize: true,
            exclusionZone: 0,
          });
          const picks = greedyPositions(
            all.map((m) => m.index),
            top,
            E,
          ).map((o) => lo + all[o]!.index);
          expect(analogs.map((a) => a.start)).toEqual(picks);
          const starts = analogs.map((a) => a.start).sort((a, b) => a - b);
          for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThan(E);
          if (exclusionZone === undefined) for (let i = 1; i < starts.length; i++) expect(starts[i]!).toBeGreaterThan(starts[i - 1]! + window - 1);
          // The backtest's forecast pass finds the same analogs at the same bar.
          const ends = Array.from(table.matchEnd.subarray(d * table.k, (d + 1) * table.k)).filter((e) => e >= 0);
          expect(ends).toEqual(analogs.map((a) => a.end));
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  }, 240_000);
});
