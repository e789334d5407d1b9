/**
 * What was tested is what runs: the app's live path (one decision as each bar arrives, pending experiences
 * judged from the memory) makes exactly the backtest's decisions on the same bars, and `learn` neither reads
 * past `--to` nor lets a later bar change an earlier decision.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bars } from '../../../shared/market';
import { computeForecasts, learnFromHistory, parseParams, runStrategy } from '../../backtest';
import { cloneBars, randomBars } from '../../backtest/test/util';
import { getEngine } from '../../engine';
import { openScratchMemory } from '../../memory';
import { decideLive, decisionBars, patternTypeFor } from '..';

const engine = getEngine(); // native where it loads (what the app runs), else the reference

function head(b: Bars, n: number): Bars {
  return { time: b.time.slice(0, n), open: b.open.slice(0, n), high: b.high.slice(0, n), low: b.low.slice(0, n), close: b.close.slice(0, n), volume: b.volume.slice(0, n) };
}

describe('one loop', () => {
  it("feeding bars one at a time through the live path gives the backtest's decisions", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 8, max: 14 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 6 }), async (seed, window, top, horizon) => {
        const bars = randomBars(110 + 5 * window, seed);
        const p = parseParams({ window, top, horizon, minHistory: 3 * window, learning: true, threshold: 0.55 });
        const expected: string[] = [];
        runStrategy(bars, computeForecasts(bars, p, engine), p, { onDecision: (d) => expected.push(`${d.t} ${d.signal} ${d.confidence} ${d.gate} ${d.similarityThreshold}`) });
        const memory = openScratchMemory();
        try {
          const live: string[] = [];
          for (const t of decisionBars(bars.close.length, p)) {
            const arrived = head(bars, t + 1); // the data as it stands at bar t's close
            const { decision: d } = await decideLive({ engine, memory, bars: arrived, t, params: p, patternType: patternTypeFor('native'), dataset: 'walk', timeframe: 'native', barsFor: () => arrived });
            live.push(`${d.t} ${d.signal} ${d.confidence} ${d.gate} ${d.similarityThreshold}`);
          }
          expect(live).toEqual(expected);
          expect(expected.length).toBeGreaterThan(10);
        } finally {
          memory.remove();
        }
      }),
      { numRuns: 20, seed: 9 },
    );
  }, 240_000);

  it('learn: a bar after --to is never read, and a changed bar changes no earlier decision', async () => {
    const N = 240;
    const base = randomBars(N, 5);
    const input = { window: 10, top: 4, horizon: 3, minHistory: 40 };
    const learn = async (bars: Bars, to?: number) => {
      const memory = openScratchMemory();
      try {
        return await learnFromHistory(bars, input, engine, memory, { dataset: 'walk', timeframe: 'native', to, workers: 0 });
      } finally {
        memory.remove();
      }
    };
    const r0 = await learn(base);
    expect(r0.judged).toBeGreaterThan(100);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 60, max: N - 1 }), fc.constantFrom('open', 'high', 'low', 'close'), fc.double({ min: 0.5, max: 2, noNaN: true }), async (j, field, factor) => {
        const bars = cloneBars(base);
        bars[field][j] = bars[field][j]! * factor;
        const r1 = await learn(bars);
        const before = (rows: typeof r0.rows) => rows.filter((r) => r.time < base.time[j]!);
        expect(before(r1.rows)).toEqual(before(r0.rows));
        // Cut at the bar before j: nothing at or after j is read, whatever it holds.
        const cut = await learn(bars, base.time[j - 1]!);
        const clean = await learn(base, base.time[j - 1]!);
        expect(cut.rows).toEqual(clean.rows);
      }),
      { numRuns: 12, seed: 4 },
    );
  }, 240_000);
});
