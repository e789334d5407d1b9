/**
 * The learning-variants trial run (issue 13 item 4): every candidate variant of the learning loop, run on the
 * training and validation parts of each series only, every trial recorded for the multiple-testing statistics.
 *
 * Honesty rules: each series is cut at the end of its validation part BEFORE anything is searched (the test
 * part is never read, not even by the engine); one forecast table per series serves every variant (the variants
 * change the loop, not the search); the learning loop warms up on the training part and is measured on the
 * validation part only (split 0.6 / 0.2 as `backtest --evaluate`). A variant becomes a default only if it beats
 * today's loop on the pooled validation result (mean annualised validation Sharpe over the series).
 *
 * Trials file (JSON; `kind: "warpdesk-trials"`, `version: 1`), what `warpdesk evaluate` can feed to DSR/PBO/SPA:
 *   {
 *     kind, version, createdAt (ISO), base: BacktestParamsInput (shared by every trial), split: {train, validation},
 *     series: [{ name, file, timeframe, barCount (bars used = up to the validation end), trainEnd, validationEnd,
 *                validationFrom (first measured bar), validationFromTime, validationEndTime (epoch ms),
 *                periodsPerYear }],
 *     trials: [{ variant (unique name), params (overrides on `base`), pooledSharpe (mean annualised validation
 *                Sharpe over the series, a flat series counting 0),
 *                series: [{ name, sharpe (per bar, null when undefined), annualSharpe, totalReturn, exposure,
 *                           trades, returns (per-bar net returns over [validationFrom, validationEnd), aligned
 *                           across trials, so per series the trials form a T × N matrix) }] }],
 *     statistics: per series { best, dsr, expectedMaxSharpe, pbo, spa } over all N trials (src/main/evaluation
 *                 statistics are computed by the caller; see scripts/learning-variants.ts),
 *     chosen: { variant, reason }
 *   }
 * Must never read a bar after a series' validation end.
 */
import type { Bars } from '../../shared/market';
import type { BacktestParamsInput } from '../../shared/contract/backtest';
import type { PatternEngine } from '../engine';
import { computeForecasts } from './forecast';
import { periodsPerYear } from './metrics';
import { metricsOf, metricsStart, parseParams, runStrategy } from './run';

export interface VariantSpec {
  name: string;
  /** Overrides on the base parameters. */
  params: BacktestParamsInput;
}

/** The variants tried (every one is a trial; names are stable identifiers). */
export const LEARNING_VARIANTS: VariantSpec[] = [
  { name: 'baseline', params: { learning: false } },
  { name: 'learning', params: { learning: true } },
  { name: 'learning smooth=0.3', params: { learning: true, gateSmoothing: 0.3 } },
  { name: 'learning smooth=0.1', params: { learning: true, gateSmoothing: 0.1 } },
  { name: 'learning credible', params: { learning: true, gateRule: 'credible' } },
  { name: 'learning volEdge=0.25', params: { learning: true, volEdge: 0.25 } },
  { name: 'learning volEdge=0.5', params: { learning: true, volEdge: 0.5 } },
  { name: 'learning regimes', params: { learning: true, regimes: 'volatility' } },
  { name: 'learning regimes smooth=0.3', params: { learning: true, regimes: 'volatility', gateSmoothing: 0.3 } },
  { name: 'baseline volEdge=0.25', params: { learning: false, volEdge: 0.25 } },
  { name: 'baseline volEdge=0.5', params: { learning: false, volEdge: 0.5 } },
];

export interface VariantSeriesInput {
  name: string;
  file: string;
  timeframe: string;
  bars: Bars;
}

export interface TrialSeriesResult {
  name: string;
  sharpe: number | null;
  annualSharpe: number | null;
  totalReturn: number;
  exposure: number;
  trades: number;
  returns: number[];
}

export interface Trial {
  variant: string;
  params: BacktestParamsInput;
  pooledSharpe: number;
  series: TrialSeriesResult[];
}

export interface TrialSeriesInfo {
  name: string;
  file: string;
  timeframe: string;
  barCount: number;
  trainEnd: number;
  validationEnd: number;
  validationFrom: number;
  validationFromTime: number;
  validationEndTime: number;
  periodsPerYear: number;
}

export interface TrialsFile {
  kind: 'warpdesk-trials';
  version: 1;
  createdAt: string;
  base: BacktestParamsInput;
  split: { train: number; validation: number };
  series: TrialSeriesInfo[];
  trials: Trial[];
  statistics?: unknown;
  chosen?: { variant: string; reason: string };
}

export interface VariantRunOptions {
  split?: { train: number; validation: number };
  variants?: VariantSpec[];
  onProgress?: (series: string, variant: string, done: number, total: number) => void;
}

/** Train / validation ends for n bars: floor(n · train), floor(n · (train + validation)) (as `backtest --evaluate`). */
function splitEnds(n: number, split: { train: number; validation: number }): { trainEnd: number; validationEnd: number } {
  const trainEnd = Math.max(0, Math.min(n, Math.floor(n * split.train)));
  return { trainEnd, validationEnd: Math.max(trainEnd, Math.min(n, Math.floor(n * (split.train + split.validation)))) };
}

/** The bars [0, end): what a run that must not see past `end` may read. */
export function barsUpTo(bars: Bars, end: number): Bars {
  return { time: bars.time.subarray(0, end), open: bars.open.subarray(0, end), high: bars.high.subarray(0, end), low: bars.low.subarray(0, end), close: bars.close.subarray(0, end), volume: bars.volume.subarray(0, end) };
}

export function runLearningVariants(series: VariantSeriesInput[], base: BacktestParamsInput, engine: PatternEngine, opts: VariantRunOptions = {}): TrialsFile {
  const split = opts.split ?? { train: 0.6, validation: 0.2 };
  const variants = opts.variants ?? LEARNING_VARIANTS;
  const infos: TrialSeriesInfo[] = [];
  const perVariant: TrialSeriesResult[][] = variants.map(() => []);
  let done = 0;
  const total = series.length * variants.length;
  for (const s of series) {
    const { trainEnd, validationEnd } = splitEnds(s.bars.close.length, split);
    const bars = barsUpTo(s.bars, validationEnd); // the test part is never read
    const searchParams = parseParams({ ...base, learning: false });
    const table = computeForecasts(bars, searchParams, engine);
    // periods per year from the whole file's spacing would read its dates past the cut: use the cut's own.
    const ppy = periodsPerYear(bars.time);
    const from = Math.max(trainEnd, metricsStart(table));
    infos.push({
      name: s.name,
      file: s.file,
      timeframe: s.timeframe,
      barCount: validationEnd,
      trainEnd,
      validationEnd,
      validationFrom: from,
      validationFromTime: bars.time[Math.min(from, validationEnd - 1)]!,
      validationEndTime: bars.time[validationEnd - 1]!,
      periodsPerYear: ppy,
    });
    variants.forEach((v, i) => {
      const p = parseParams({ ...base, ...v.params });
      const run = runStrategy(bars, table, p, { timeframe: s.timeframe, dataset: s.name });
      const m = metricsOf(bars, run.sim, from, validationEnd, ppy);
      const returns = Array.from(run.sim.ret.subarray(from, validationEnd));
      perVariant[i]!.push({
        name: s.name,
        sharpe: m.sharpe === null ? null : m.sharpe / Math.sqrt(ppy),
        annualSharpe: m.sharpe,
        totalReturn: m.totalReturn,
        exposure: m.exposure,
        trades: m.trades,
        returns,
      });
      opts.onProgress?.(s.name, v.name, ++done, total);
    });
  }
  const trials: Trial[] = variants.map((v, i) => {
    const rows = perVariant[i]!;
    const pooledSharpe = rows.reduce((a, r) => a + (r.annualSharpe ?? 0), 0) / Math.max(1, rows.length);
    return { variant: v.name, params: v.params, pooledSharpe, series: rows };
  });
  return { kind: 'warpdesk-trials', version: 1, createdAt: new Date().toISOString(), base, split, series: infos, trials };
}
