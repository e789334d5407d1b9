/**
 * Honest evaluation of learning: one search pass, then a time split into train / validation / test.
 * The threshold of each mode (baseline, learning) is chosen on the validation period only; the test
 * period is reported once, for the chosen parameters, against buy-and-hold and a random signal with the
 * learning run's exposure, with paired stationary-block-bootstrap p-values for the differences in Sharpe
 * and in hit rate. The verdict says "no significant improvement" whenever p >= alpha.
 *
 * Everything is causal: decisions in a period only use bars before them (walk-forward), the learning loop
 * runs from the first decision on (train warms it up) and is never reset with knowledge of later periods.
 * Must never choose anything by looking at the test period.
 */
import type { Bars } from '../../shared/market';
import type { BacktestParams, BacktestParamsInput, Comparison, Evaluation, Metrics } from '../../shared/contract/backtest';
import type { PatternEngine } from '../engine';
import { defaultMeanBlock, hitRateStat, pairedBootstrap, sharpeStat } from './bootstrap';
import { computeForecasts, type ForecastTable, type ProgressOptions } from './forecast';
import { periodsPerYear } from './metrics';
import type { LoopMemory } from '../strategy';
import { buyAndHold, forecastsAsync, metricsOf, metricsStart, parseParams, randomSameExposure, runStrategy } from './run';
import type { Simulation } from './simulate';

export interface EvaluateOptions extends ProgressOptions {
  /** Fractions of the bars in train and validation (test = the rest). Default 0.6 / 0.2. */
  split?: { train: number; validation: number };
  /** Thresholds tried on validation (default 0.5, 0.55, ..., 0.8). */
  thresholds?: number[];
  resamples?: number;
  meanBlock?: number;
  alpha?: number;
  /** Factory for the learning loop of each learning run (default: in-process calibration). */
  /** The memory each learning run learns in (default: a fresh scratch memory per run). */
  learningMemory?: (p: BacktestParams) => LoopMemory;
}

export const DEFAULT_THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8];

export function splitPoints(n: number, split: { train: number; validation: number }): { trainEnd: number; validationEnd: number } {
  const trainEnd = Math.max(0, Math.min(n, Math.floor(n * split.train)));
  const validationEnd = Math.max(trainEnd, Math.min(n, Math.floor(n * (split.train + split.validation))));
  return { trainEnd, validationEnd };
}

function slice(a: Float64Array, from: number, to: number): Float64Array {
  return a.slice(from, to);
}

function verdict(name: string, sharpeDiff: number | null, p: number | null, alpha: number): string {
  if (sharpeDiff === null || p === null) return `${name}: not enough data to compare.`;
  if (p >= alpha) return `${name}: no significant difference in Sharpe (p = ${p.toFixed(3)}).`;
  return sharpeDiff > 0
    ? `${name}: significantly better Sharpe (+${sharpeDiff.toFixed(3)} per bar-scaled unit, p = ${p.toFixed(3)}).`
    : `${name}: significantly worse Sharpe (${sharpeDiff.toFixed(3)}, p = ${p.toFixed(3)}).`;
}

export function compare(
  nameA: string,
  a: Simulation,
  nameB: string,
  b: Simulation,
  from: number,
  to: number,
  opts: { resamples: number; meanBlock: number; seed: number; alpha: number; ppy: number },
): Comparison {
  const ra = slice(a.ret, from, to);
  const rb = slice(b.ret, from, to);
  const ha = slice(a.held, from, to);
  const hb = slice(b.held, from, to);
  const boot = { resamples: opts.resamples, meanBlock: opts.meanBlock, seed: opts.seed };
  const sh = pairedBootstrap(ra, null, rb, null, sharpeStat, boot);
  const hr = pairedBootstrap(ra, ha, rb, hb, hitRateStat, boot);
  const annual = Math.sqrt(opts.ppy);
  const sharpeDiff = sh.diff === null ? null : sh.diff * annual;
  return {
    against: `${nameA} vs ${nameB}`,
    sharpeDiff,
    sharpeP: sh.p,
    hitRateDiff: hr.diff,
    hitRateP: hr.p,
    verdict: verdict(`${nameA} vs ${nameB}`, sharpeDiff, sh.p, opts.alpha),
  };
}

/** The full honest evaluation (one engine pass; policies re-run cheaply per threshold). */
export function evaluate(bars: Bars, input: BacktestParamsInput, engine: PatternEngine, opts: EvaluateOptions = {}): Evaluation {
  const base = parseParams({ ...input, learning: false });
  const table = computeForecasts(bars, base, engine, opts);
  return evaluateTable(bars, table, base, opts);
}

/** Same answer as evaluate, with the async (parallel on the native engine) search pass. */
export async function evaluateAsync(bars: Bars, input: BacktestParamsInput, engine: PatternEngine, opts: EvaluateOptions = {}): Promise<Evaluation> {
  const base = parseParams({ ...input, learning: false });
  const table = await forecastsAsync(bars, base, engine, { onProgress: opts.onProgress, signal: opts.signal });
  return evaluateTable(bars, table, base, opts);
}

export function evaluateTable(bars: Bars, table: ForecastTable, base: BacktestParams, opts: EvaluateOptions = {}): Evaluation {
  const n = bars.close.length;
  const split = opts.split ?? { train: 0.6, validation: 0.2 };
  const { trainEnd, validationEnd } = splitPoints(n, split);
  const start = metricsStart(table);
  const vFrom = Math.max(trainEnd, start);
  const tFrom = Math.max(validationEnd, start);
  const ppy = periodsPerYear(bars.time);
  const thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const alpha = opts.alpha ?? 0.05;
  const resamples = opts.resamples ?? 2000;

  const choose = (learning: boolean): { threshold: number; sim: Simulation; target: Float64Array; validation: Metrics } => {
    let best: { threshold: number; sim: Simulation; target: Float64Array; validation: Metrics; score: number } | null = null;
    for (const threshold of thresholds) {
      const p = { ...base, threshold, learning };
      const memory = learning && opts.learningMemory ? opts.learningMemory(p) : undefined;
      const run = runStrategy(bars, table, p, { memory });
      const validation = metricsOf(bars, run.sim, vFrom, validationEnd, ppy);
      const score = validation.sharpe ?? Number.NEGATIVE_INFINITY;
      if (!best || score > best.score) best = { threshold, sim: run.sim, target: run.policy.target, validation, score };
    }
    return best!;
  };
  const baseline = choose(false);
  const learning = choose(true);
  const hold = buyAndHold(bars, table, base);
  const random = randomSameExposure(bars, table, learning.target, base, base.seed);
  const randomTargets = random;

  const testMetrics = (sim: Simulation): Metrics => metricsOf(bars, sim, tFrom, n, ppy);
  const valMetrics = (sim: Simulation): Metrics => metricsOf(bars, sim, vFrom, validationEnd, ppy);
  const meanBlock = opts.meanBlock ?? defaultMeanBlock(n - tFrom);
  const cmpOpts = { resamples, meanBlock, seed: base.seed, alpha, ppy };
  const comparisons = [
    compare('learning', learning.sim, 'baseline', baseline.sim, tFrom, n, cmpOpts),
    compare('learning', learning.sim, 'buy-and-hold', hold, tFrom, n, cmpOpts),
    compare('learning', learning.sim, 'random', randomTargets, tFrom, n, cmpOpts),
    compare('baseline', baseline.sim, 'buy-and-hold', hold, tFrom, n, cmpOpts),
    compare('baseline', baseline.sim, 'random', randomTargets, tFrom, n, cmpOpts),
  ];
  const main = comparisons[0]!;
  const learnedTest = testMetrics(learning.sim);
  const summary =
    learnedTest.exposure === 0
      ? `The learning run stood aside for the whole test period (no position), so it shows no improvement; the baseline's test Sharpe was ${fmt(testMetrics(baseline.sim).sharpe)}.`
      : main.sharpeP === null
      ? 'Not enough test data to judge learning.'
      : main.sharpeP >= alpha
        ? `No significant improvement from learning on the test period (Sharpe difference ${fmt(main.sharpeDiff)}, p = ${main.sharpeP.toFixed(3)}; hit-rate difference ${fmt(main.hitRateDiff)}, p = ${fmt(main.hitRateP)}).`
        : (main.sharpeDiff ?? 0) > 0
          ? `Learning improved the test-period Sharpe by ${fmt(main.sharpeDiff)} (p = ${main.sharpeP.toFixed(3)}).`
          : `Learning made the test-period Sharpe worse by ${fmt(main.sharpeDiff)} (p = ${main.sharpeP.toFixed(3)}).`;
  return {
    split: { trainEnd, validationEnd, barCount: n },
    chosen: { baseline: baseline.threshold, learning: learning.threshold },
    validation: { baseline: valMetrics(baseline.sim), learning: valMetrics(learning.sim), 'buy-and-hold': valMetrics(hold), random: valMetrics(random) },
    test: { baseline: testMetrics(baseline.sim), learning: testMetrics(learning.sim), 'buy-and-hold': testMetrics(hold), random: testMetrics(random) },
    comparisons,
    bootstrap: { resamples, meanBlock, seed: base.seed },
    summary,
  };
}

function fmt(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(3);
}
