/**
 * The learning-variants trial run: it never reads a bar of a series' test part (changing any bar from the
 * validation end on changes no trial), every trial's validation returns line up across trials (a T × N matrix
 * per series for PBO/SPA), and the pooled score is the mean annualised validation Sharpe.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReferenceEngine } from '../../engine';
import { runLearningVariants, type VariantSpec } from '../variants';
import { cloneBars, randomBars } from './util';

const engine = createReferenceEngine();
const base = { window: 10, top: 4, horizon: 3, minHistory: 40, threshold: 0.55 };
const variants: VariantSpec[] = [
  { name: 'baseline', params: { learning: false } },
  { name: 'learning', params: { learning: true } },
  { name: 'learning volEdge', params: { learning: true, volEdge: 0.3 } },
];

describe('runLearningVariants', () => {
  const bars = randomBars(300, 5);
  const series = [{ name: 'a', file: 'a.csv', timeframe: '1d', bars }];
  const first = runLearningVariants(series, base, engine, { variants });

  it('records every trial with aligned validation returns and the pooled score', () => {
    const info = first.series[0]!;
    expect(info.validationEnd).toBe(240);
    expect(info.trainEnd).toBe(180);
    expect(first.trials.map((t) => t.variant)).toEqual(variants.map((v) => v.name));
    for (const t of first.trials) {
      expect(t.series[0]!.returns.length).toBe(info.validationEnd - info.validationFrom);
      expect(t.pooledSharpe).toBe(t.series[0]!.annualSharpe ?? 0);
    }
  });

  it('never reads the test part: changing any bar from the validation end on changes no trial', () => {
    fc.assert(
      fc.property(fc.integer({ min: 240, max: 299 }), fc.double({ min: 0.5, max: 2, noNaN: true }), (j, factor) => {
        const changed = cloneBars(bars);
        changed.close[j] = changed.close[j]! * factor;
        changed.high[j] = Math.max(changed.high[j]!, changed.close[j]!);
        changed.low[j] = Math.min(changed.low[j]!, changed.close[j]!);
        const again = runLearningVariants([{ ...series[0]!, bars: changed }], base, engine, { variants });
        expect(again.trials).toEqual(first.trials);
        expect(again.series).toEqual(first.series);
      }),
      { numRuns: 5 },
    );
  });
});
