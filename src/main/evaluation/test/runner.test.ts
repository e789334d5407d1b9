/**
 * The evaluation runner on small seeded series: no test bar is ever used for training or choosing (the fold
 * plan's index sets are the oracle; perturbing every bar from a fold's validation end on changes nothing the
 * fold learns or chooses from), fold jobs in worker processes give exactly the sequential report, and bad input
 * is refused as the issue asks (constant series by name, too short with the minimum, one series: no pooled
 * section, with a note).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getEngine } from '../../engine';
import { computeForecasts, parseParams } from '../../backtest';
import { randomBars, cloneBars } from '../../backtest/test/util';
import { learnable } from '../folds';
import { runFoldJob, tableKey, truncateBars, truncateTable, type FoldJob } from '../fold-run';
import { planFor, runEvaluation, variantsOf } from '../runner';
import { renderReportHtml } from '../report-html';
import { EvaluationSettingsSchema } from '../../../shared/contract/evaluation';

const engine = getEngine();
const SETTINGS = { folds: 2, horizon: 3, embargo: 2, grid: { window: [8], top: [3], threshold: [0.55, 0.7] }, samples: 100, partitions: 4 };

function job(bars: ReturnType<typeof randomBars>, foldIndex: number): FoldJob {
  const s = EvaluationSettingsSchema.parse(SETTINGS);
  const plan = planFor({ name: 'x', bars, timeframe: '1D' }, s);
  const fold = plan.folds[foldIndex]!;
  const base = parseParams({ horizon: s.horizon, seed: s.seed });
  const table = computeForecasts(bars, { ...base, window: 8, top: 3 }, engine);
  return { series: 0, fold, bars: truncateBars(bars, fold.test.to), tables: { [tableKey(8, 3)]: truncateTable(table, fold.test.to) }, variants: variantsOf(s), base, timeframe: '1D' };
}

describe('runEvaluation', () => {
  it('learns only from purged training decisions and chooses from validation bars only: perturbing the test bars changes nothing it learned or chose from', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1 }), fc.double({ min: 0.5, max: 2, noNaN: true }), (seed, foldIndex, factor) => {
        const bars = randomBars(420, seed);
        const a = runFoldJob(job(bars, foldIndex));
        const fold = job(bars, foldIndex).fold;
        // perturb every bar from the validation end on (the embargo and the test range)
        const b2 = cloneBars(bars);
        for (let i = fold.validation.to; i < b2.close.length; i++) {
          for (const col of [b2.open, b2.high, b2.low, b2.close]) col[i] = col[i]! * factor * (1 + 0.01 * Math.sin(i));
        }
        const b = runFoldJob(job(b2, foldIndex));
        expect(a.runs.length).toBe(2);
        for (let r = 0; r < a.runs.length; r++) {
          const ra = a.runs[r]!;
          const rb = b.runs[r]!;
          // learned from the plan's learnable set only, and the same decisions with test bars changed
          expect(ra.learned.length).toBeGreaterThan(0);
          expect(ra.learned.every((t) => learnable(fold, t))).toBe(true);
          expect(rb.learned).toEqual(ra.learned);
          // everything the choice reads (returns over the validation bars) is unchanged
          expect(Array.from(rb.ret.subarray(fold.validation.from, fold.validation.to))).toEqual(Array.from(ra.ret.subarray(fold.validation.from, fold.validation.to)));
        }
      }),
      { numRuns: 4 },
    );
  });

  it('gives exactly the sequential report when the fold jobs run in worker processes', async () => {
    const series = [
      { name: 'a', bars: randomBars(420, 7), timeframe: '1D' },
      { name: 'b', bars: randomBars(400, 8), timeframe: '1D' },
    ];
    const sequential = await runEvaluation(series, { engine, settings: SETTINGS, workers: 0, searchWorkers: 0 });
    const parallel = await runEvaluation(series, { engine, settings: SETTINGS, workers: 2, searchWorkers: 0 });
    expect(parallel).toEqual(sequential);
    // two series: a pooled section, Holm-adjusted p-values never below the raw ones
    expect(sequential.pooled).not.toBeNull();
    expect(sequential.pooledNote).toBeNull();
    for (const s of sequential.series) for (const c of s.comparisons) if (c.p !== null) expect(c.pHolm!).toBeGreaterThanOrEqual(c.p);
    expect(sequential.series[0]!.overfitting.trials).toBe(4);
  }, 120_000);

  it('omits the pooled section with a note for one series, and the report says so', async () => {
    const r = await runEvaluation([{ name: 'only.csv', bars: randomBars(420, 3), timeframe: '1D' }], { engine, settings: SETTINGS, workers: 0, searchWorkers: 0 });
    expect(r.pooled).toBeNull();
    expect(r.pooledNote).toMatch(/at least 2 series/);
    const html = renderReportHtml(r);
    expect(html).toContain('at least 2 series');
    // self-contained: no script, no external resource
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(/i);
    for (const text of ['DSR', 'PBO', 'Holm p', 'In plain words', 'only.csv']) expect(html).toContain(text);
  }, 60_000);

  it('refuses a constant series by its name, and a series too short for K folds with the minimum length', async () => {
    const flat = randomBars(420, 5);
    flat.close.fill(42);
    await expect(
      runEvaluation(
        [
          { name: 'ok.csv', bars: randomBars(420, 4), timeframe: '1D' },
          { name: 'flat.csv', bars: flat, timeframe: '1D' },
        ],
        { engine, settings: SETTINGS },
      ),
    ).rejects.toThrow(/"flat\.csv" is constant/);
    await expect(runEvaluation([{ name: 'short.csv', bars: randomBars(120, 4), timeframe: '1D' }], { engine, settings: SETTINGS })).rejects.toThrow(/"short\.csv" has 120 bars, too few for 2 folds: .*at least \d+ bars/);
  });
});
