import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReferenceEngine } from '../../engine';
import { computeForecasts } from '../forecast';
import { parseParams, runStrategy } from '../run';
import type { BacktestParamsInput } from '../../../shared/contract/backtest';
import { cloneBars, randomBars } from './util';

const engine = createReferenceEngine();
const FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

/**
 * The no-look-ahead property: changing any bar j (any field, any amount) changes no decision taken at a
 * bar before j: neither the analogs found, nor the target position, nor the learning loop's threshold.
 */
describe('no look-ahead', () => {
  const N = 260;
  const base = randomBars(N, 99);
  // today's loop, then each variant of the loop on its own (issue 13 item 4), with fewer runs each
  const cases: Array<{ name: string; learning: boolean; extra: BacktestParamsInput; runs: number }> = [
    { name: 'baseline', learning: false, extra: {}, runs: 40 },
    { name: 'learning', learning: true, extra: {}, runs: 40 },
    { name: 'baseline, volEdge', learning: false, extra: { volEdge: 0.3 }, runs: 10 },
    { name: 'learning, volEdge', learning: true, extra: { volEdge: 0.3 }, runs: 10 },
    { name: 'learning, gateSmoothing', learning: true, extra: { gateSmoothing: 0.3 }, runs: 10 },
    { name: 'learning, credible gate', learning: true, extra: { gateRule: 'credible' }, runs: 10 },
    { name: 'learning, regimes', learning: true, extra: { regimes: 'volatility' }, runs: 10 },
  ];
  for (const { name, learning, extra, runs } of cases) {
    it(`changing a future bar changes no earlier decision (${name})`, { timeout: 300_000 }, () => {
      const p = parseParams({ window: 10, top: 4, horizon: 4, minHistory: 40, threshold: 0.5, learning, learningRate: 0.2, sizing: 'confidence', ...extra });
      const t0 = computeForecasts(base, p, engine);
      const r0 = runStrategy(base, t0, p);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: N - 1 }), fc.constantFrom(...FIELDS), fc.double({ min: 0.5, max: 2, noNaN: true }), (j, field, factor) => {
          const bars = cloneBars(base);
          bars[field][j] = bars[field][j]! * factor + (field === 'volume' ? 1 : 0);
          const t1 = computeForecasts(bars, p, engine);
          const r1 = runStrategy(bars, t1, p);
          for (let d = 0; d < t0.decisions.length; d++) {
            const t = t0.decisions[d]!;
            if (t >= j) break;
            for (let i = d * p.top; i < (d + 1) * p.top; i++) {
              expect(t1.matchEnd[i]).toBe(t0.matchEnd[i]);
              expect(Object.is(t1.forward[i], t0.forward[i])).toBe(true);
            }
            expect(r1.policy.target[t]).toBe(r0.policy.target[t]);
            if (learning) expect(r1.policy.thresholdPath![d]).toBe(r0.policy.thresholdPath![d]);
          }
        }),
        { numRuns: runs, seed: 3 },
      );
    });
  }
});
