/**
 * Evaluation benchmark: `warpdesk evaluate` on two shipped samples (US equity composite daily, USD/CHF at 4h),
 * 3 rolling folds, W 16, k 5, three thresholds, with the fold jobs in this process and in 2 worker processes
 * (same process run, so the ratio is what to read on a shared machine), and whether the two reports are equal.
 */
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadBars, resample } from '../src/main/data';
import { getEngine } from '../src/main/engine';
import { runEvaluation, type SeriesInput } from '../src/main/evaluation';
import type { Bars } from '../src/shared/market';
import type { BenchContext, BenchSection } from './lib';

const root = path.resolve(__dirname, '..');

export default async function run(ctx: BenchContext): Promise<BenchSection> {
  const cut = (b: Bars, n: number): Bars => ({ time: b.time.slice(0, n), open: b.open.slice(0, n), high: b.high.slice(0, n), low: b.low.slice(0, n), close: b.close.slice(0, n), volume: b.volume.slice(0, n) });
  const daily = loadBars(path.join(root, 'resources/data/ttrc_daily.csv'));
  const fx = resample(loadBars(path.join(root, 'resources/data/usdchf_30min_1996_2001.csv')), '4h');
  const series: SeriesInput[] = [
    { name: 'US equity composite (1D)', bars: ctx.quick ? cut(daily, 1500) : daily, timeframe: '1D' },
    { name: 'USD/CHF (4h)', bars: ctx.quick ? cut(fx, 1500) : fx, timeframe: '4h' },
  ];
  const settings = { folds: 3, grid: { window: [16], top: [5], threshold: [0.55, 0.6, 0.7] }, samples: 1000 };
  const engine = getEngine();
  const rows: BenchSection['rows'] = [];
  const reports = [];
  for (const workers of [0, 2]) {
    const t0 = performance.now();
    reports.push(await runEvaluation(series, { engine, settings, workers, searchWorkers: 0 }));
    rows.push({
      run: workers === 0 ? 'fold jobs in process' : 'fold jobs in 2 workers',
      bars: series.reduce((a, s) => a + s.bars.close.length, 0),
      'fold jobs': series.length * settings.folds,
      seconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
    });
  }
  const ratio = (rows[0]!['seconds'] as number) / (rows[1]!['seconds'] as number);
  return {
    name: 'evaluate',
    rows,
    notes: [`speed-up with 2 workers: ${ratio.toFixed(2)}x (same process run)`, `reports identical: ${isDeepStrictEqual(reports[0], reports[1])}`, `engine ${engine.backend}`],
  };
}
