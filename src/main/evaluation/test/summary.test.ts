/**
 * The plain-words paragraph follows the numbers: it claims an improvement only when the Holm-corrected p is
 * below alpha while learning traded, and says "standing aside" when learning held no position.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EvaluationSettingsSchema, type EvaluationReport, type SeriesReport } from '../../../shared/contract/evaluation';
import { summarize } from '../summary';

function series(name: string, pHolm: number, diff: number, exposure: number): SeriesReport {
  const m = (sharpe: number, e: number) => ({ sharpe, totalReturn: 0, maxDrawdown: 0, exposure: e, bars: 100 });
  const none = { trials: 2, best: null, bestSharpe: null, dsr: null, expectedMaxSharpe: null, pbo: null, logits: [], spaP: null, note: 'x' };
  return {
    name,
    timeframe: '1D',
    barCount: 500,
    from: 0,
    to: 1,
    folds: [],
    metrics: { learning: m(0.1, exposure), baseline: m(0, 0.5), 'buy-and-hold': m(0.2, 1), random: m(0, exposure) },
    comparisons: [
      { against: 'learning vs baseline', meanDiffBps: diff, p: pHolm, pHolm },
      { against: 'baseline vs buy-and-hold', meanDiffBps: -1, p: 0.9, pHolm: 0.9 },
    ],
    overfitting: none,
  };
}

function report(s: SeriesReport[]): EvaluationReport {
  return { settings: EvaluationSettingsSchema.parse({}), embargo: 5, variants: [], series: s, pooled: null, pooledNote: 'n', summary: '', backend: 'js' };
}

describe('summarize', () => {
  it('claims that learning helps only when a corrected p is below alpha while it traded', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: -50, max: 50, noNaN: true }), fc.constantFrom(0, 0.3), (p, diff, exposure) => {
        const text = summarize(report([series('A', p, diff, exposure)]));
        const helps = p < 0.05 && diff > 0 && exposure > 0;
        expect(text.includes('there is no evidence that learning helps')).toBe(!helps);
        expect(text.includes('learning beat its own baseline significantly on A')).toBe(helps);
        expect(text.includes('only by standing aside')).toBe(p < 0.05 && diff > 0 && exposure === 0);
      }),
    );
  });
});
