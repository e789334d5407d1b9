/**
 * The walk-forward evaluation end to end: for each series, one causal search pass per (window, top) of the
 * grid, the baseline variants over the whole series (the loop without a memory is stateless, so one run
 * serves every fold), the learning variants per fold (fold-run.ts: a fresh memory learning only from the
 * fold's purged training decisions), parameters chosen per fold on validation only, the test ranges of all
 * folds concatenated as the out-of-sample record; then per series and pooled: learning vs baseline vs
 * buy-and-hold vs random-with-same-exposure with one-sided stationary-bootstrap p-values, Holm across series,
 * and the DSR / PBO / SPA of the variants tried (statistics/). Fold jobs run here or in worker processes with
 * identical results. Must never choose anything from a test range.
 */
import type { Bars } from '../../shared/market';
import type { BacktestParams } from '../../shared/contract/backtest';
import {
  EvaluationSettingsSchema,
  type ComparisonRow,
  type EvaluationReport,
  type EvaluationSettings,
  type EvaluationSettingsInput,
  type FoldReport,
  type OosMetrics,
  type Overfitting,
  type SeriesReport,
  type StrategyName,
  type Variant,
} from '../../shared/contract/evaluation';
import { WarpdeskError } from '../../shared/errors';
import type { PatternEngine } from '../engine';
import { buyAndHold, forecastsAsync, parseParams, periodsPerYear, randomSameExposure, runStrategy, type ForecastTable, type Simulation } from '../backtest';
import { barsNeeded } from '../strategy';
import { planFolds, type FoldPlan } from './folds';
import { runFoldJob, tableKey, truncateBars, truncateTable, variantParams, type FoldJob, type FoldJobResult, type VariantRun } from './fold-run';
import { runFoldJobsInWorkers } from './fold-workers';
import { defaultMeanBlock, deflatedSharpeRatio, holmAdjust, probabilityOfBacktestOverfitting, returnMoments, sharpeRatio, spaTest, stationaryBootstrapPValue } from './statistics';
import { summarize } from './summary';

export interface SeriesInput {
  name: string;
  bars: Bars;
  timeframe: string;
}

export interface RunEvaluationOptions {
  settings?: EvaluationSettingsInput;
  engine: PatternEngine;
  /** Fold jobs in this many worker processes (0 or 1: in this process). */
  workers?: number;
  /** The search pass: worker processes as forecastsAsync ('auto' by default; the app passes 0). */
  searchWorkers?: number | 'auto';
  onProgress?: (fraction: number, phase: string) => void;
  signal?: AbortSignal;
}

/** The comparisons of every section, in this order. */
export const COMPARISONS: ReadonlyArray<[StrategyName, StrategyName]> = [
  ['learning', 'baseline'],
  ['learning', 'buy-and-hold'],
  ['learning', 'random'],
  ['baseline', 'buy-and-hold'],
];

export function variantsOf(s: EvaluationSettings): Variant[] {
  const out: Variant[] = [];
  for (const learning of [false, true])
    for (const window of s.grid.window)
      for (const top of s.grid.top) for (const threshold of s.grid.threshold) out.push({ id: `${learning ? 'learning' : 'baseline'} W${window} k${top} t${threshold}`, learning, window, top, threshold });
  return out;
}

/** A constant series has nothing to evaluate (and z-normalized windows of it are undefined): refused by name. */
export function refuseConstant(name: string, close: Float64Array): void {
  if (close.length === 0) throw new WarpdeskError('InvalidInput', `The series "${name}" has no bars.`);
  const c0 = close[0]!;
  for (let i = 1; i < close.length; i++) if (close[i] !== c0) return;
  throw new WarpdeskError('InvalidInput', `The series "${name}" is constant (every close is ${c0}): there is nothing to evaluate, so it was refused.`, { series: name });
}

function baseParams(s: EvaluationSettings): BacktestParams {
  return parseParams({ horizon: s.horizon, seed: s.seed, commissionBps: s.commissionBps, slippageBps: s.slippageBps });
}

/** The fold plan of a series under these settings (the first decision of the grid's largest needs). */
export function planFor(input: SeriesInput, s: EvaluationSettings): FoldPlan {
  const base = baseParams(s);
  let start = 0;
  for (const window of s.grid.window) for (const top of s.grid.top) start = Math.max(start, barsNeeded({ ...base, window, top }) - 2);
  return planFolds(input.bars.close.length, { folds: s.folds, mode: s.mode, embargo: s.embargo ?? s.horizon, horizon: s.horizon, start, name: `"${input.name}"` });
}

function cancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new WarpdeskError('Cancelled', 'The evaluation was cancelled.');
}

const sliceOf = (a: Float64Array, from: number, to: number): Float64Array => a.subarray(from, to);

function concat(parts: Float64Array[]): Float64Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Float64Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function score(ret: Float64Array): number {
  const s = sharpeRatio(ret);
  return Number.isFinite(s) ? s : Number.NEGATIVE_INFINITY;
}

function oosMetrics(ret: Float64Array, held: Float64Array, ppy: number): OosMetrics {
  let eq = 1;
  let peak = 1;
  let dd = 0;
  let exposure = 0;
  for (let i = 0; i < ret.length; i++) {
    eq *= 1 + ret[i]!;
    if (eq > peak) peak = eq;
    else dd = Math.min(dd, eq / peak - 1);
    exposure += Math.abs(held[i]!);
  }
  const s = sharpeRatio(ret);
  return { sharpe: Number.isFinite(s) ? s * Math.sqrt(ppy) : null, totalReturn: eq - 1, maxDrawdown: dd, exposure: ret.length > 0 ? exposure / ret.length : 0, bars: ret.length };
}

function thin(values: Float64Array, points: number): number[] {
  const n = values.length;
  if (n <= points) return Array.from(values);
  const out: number[] = [];
  for (let i = 0; i < points; i++) out.push(values[Math.round((i * (n - 1)) / (points - 1))]!);
  return out;
}

function equityOf(ret: Float64Array): Float64Array {
  const out = new Float64Array(ret.length);
  let eq = 1;
  for (let i = 0; i < ret.length; i++) {
    eq *= 1 + ret[i]!;
    out[i] = eq;
  }
  return out;
}

interface OosRecord {
  ret: Record<StrategyName, Float64Array>;
  held: Record<StrategyName, Float64Array>;
  /** Out-of-sample returns of every variant at fixed parameters (columns of the PBO matrix). */
  variants: Float64Array[];
}

function comparisons(rec: OosRecord, s: EvaluationSettings): ComparisonRow[] {
  return COMPARISONS.map(([a, b]) => {
    const ra = rec.ret[a];
    const rb = rec.ret[b];
    const diffs = new Float64Array(ra.length);
    let sum = 0;
    for (let i = 0; i < ra.length; i++) {
      diffs[i] = ra[i]! - rb[i]!;
      sum += diffs[i]!;
    }
    const p = diffs.length > 1 ? stationaryBootstrapPValue(diffs, { samples: s.samples, meanBlock: s.meanBlock ?? defaultMeanBlock(diffs.length), seed: s.seed }) : null;
    return { against: `${a} vs ${b}`, meanDiffBps: diffs.length > 0 ? (sum / diffs.length) * 10_000 : 0, p, pHolm: p };
  });
}

function overfitting(rec: OosRecord, variants: Variant[], s: EvaluationSettings): Overfitting {
  const N = variants.length;
  const T = rec.variants[0]?.length ?? 0;
  const notes: string[] = [];
  const sharpes = rec.variants.map((r) => sharpeRatio(r));
  let best = -1;
  for (let j = 0; j < N; j++) if (Number.isFinite(sharpes[j]!) && (best < 0 || sharpes[j]! > sharpes[best]!)) best = j;
  let dsr: number | null = null;
  let expectedMax: number | null = null;
  if (best >= 0 && T > 1) {
    const finite = sharpes.filter((x) => Number.isFinite(x));
    const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
    const variance = finite.length > 1 ? finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (finite.length - 1) : 0;
    const m = returnMoments(rec.variants[best]!);
    const r = deflatedSharpeRatio({ sharpe: sharpes[best]!, trials: N + s.extraTrials, trialSharpeVariance: variance, observations: T, skewness: m.skewness, kurtosis: m.kurtosis });
    dsr = Number.isFinite(r.dsr) ? r.dsr : null;
    expectedMax = r.expectedMaxSharpe;
  } else notes.push('no variant has a defined Sharpe ratio, so there is no DSR');
  let pbo: number | null = null;
  let logits: number[] = [];
  if (N < 2) notes.push('PBO needs at least 2 variants');
  else if (T < 2 * s.partitions) notes.push(`PBO needs at least ${2 * s.partitions} out-of-sample bars for ${s.partitions} partitions`);
  else {
    const perf: number[][] = [];
    for (let t = 0; t < T; t++) perf.push(rec.variants.map((r) => r[t]!));
    const r = probabilityOfBacktestOverfitting(perf, { partitions: s.partitions });
    pbo = r.pbo;
    logits = r.logits.filter((x) => Number.isFinite(x));
  }
  let spaP: number | null = null;
  const learningCols = variants.map((v, j) => (v.learning ? j : -1)).filter((j) => j >= 0);
  if (T > 1 && learningCols.length > 0) {
    const bench = rec.ret.baseline;
    const relative: number[][] = [];
    for (let t = 0; t < T; t++) relative.push(learningCols.map((j) => rec.variants[j]![t]! - bench[t]!));
    spaP = spaTest(relative, { samples: s.samples, meanBlock: s.meanBlock ?? defaultMeanBlock(T), seed: s.seed }).consistent;
  }
  if (s.extraTrials > 0) notes.push(`the DSR counts ${N} grid variants and ${s.extraTrials} trials run before (a trials file); the PBO and SPA use the grid variants`);
  return {
    trials: N + s.extraTrials,
    best: best >= 0 ? variants[best]!.id : null,
    bestSharpe: best >= 0 ? sharpes[best]! : null,
    dsr,
    expectedMaxSharpe: expectedMax,
    pbo,
    logits,
    spaP,
    note: notes.length > 0 ? notes.join('; ') + '.' : null,
  };
}

interface SeriesWork {
  input: SeriesInput;
  plan: FoldPlan;
  tables: Map<string, ForecastTable>;
  baseline: Map<string, Simulation>;
  hold: Simulation;
}

/** Runs the evaluation over one or more series; see the module header. */
export async function runEvaluation(series: SeriesInput[], o: RunEvaluationOptions): Promise<EvaluationReport> {
  const s = EvaluationSettingsSchema.parse(o.settings ?? {});
  if (series.length === 0) throw new WarpdeskError('InvalidInput', 'An evaluation needs at least one series.');
  const base = baseParams(s);
  const variants = variantsOf(s);
  const embargo = s.embargo ?? s.horizon;
  // Bad input first, before any work: constant series by name, then series too short for the folds.
  for (const x of series) refuseConstant(x.name, x.bars.close);
  const plans = series.map((x) => planFor(x, s));

  const keys: Array<{ window: number; top: number }> = [];
  for (const window of s.grid.window) for (const top of s.grid.top) keys.push({ window, top });
  const searchUnits = series.length * keys.length;
  const foldUnits = series.length * s.folds;
  const totalUnits = searchUnits * 3 + foldUnits + 1; // the search pass weighs about three fold jobs
  let doneUnits = 0;
  const report = (phase: string, partial = 0): void => o.onProgress?.(Math.min(1, (doneUnits + partial) / totalUnits), phase);

  const work: SeriesWork[] = [];
  let backend = 'unknown';
  for (let i = 0; i < series.length; i++) {
    const x = series[i]!;
    const tables = new Map<string, ForecastTable>();
    for (const { window, top } of keys) {
      cancelled(o.signal);
      const p = { ...base, window, top };
      const table = await forecastsAsync(x.bars, p, o.engine, { signal: o.signal, workers: o.searchWorkers ?? 'auto', onProgress: (f) => report('search', f * 3) });
      backend = table.backend;
      tables.set(tableKey(window, top), table);
      doneUnits += 3;
      report('search');
    }
    const baseline = new Map<string, Simulation>();
    for (const v of variants) if (!v.learning) baseline.set(v.id, runStrategy(x.bars, tables.get(tableKey(v.window, v.top))!, variantParams(base, v)).sim);
    const hold = buyAndHold(x.bars, tables.values().next().value!, base);
    work.push({ input: x, plan: plans[i]!, tables, baseline, hold });
  }

  // Fold jobs: every learning variant of every fold of every series.
  const jobs: FoldJob[] = [];
  for (let i = 0; i < work.length; i++) {
    const w = work[i]!;
    for (const fold of w.plan.folds) {
      const end = fold.test.to;
      const tables: Record<string, ForecastTable> = {};
      for (const [k, t] of w.tables) tables[k] = truncateTable(t, end);
      jobs.push({ series: i, fold, bars: truncateBars(w.input.bars, end), tables, variants, base, timeframe: w.input.timeframe });
    }
  }
  const onJob = (): void => {
    doneUnits++;
    report('folds');
  };
  let results: FoldJobResult[];
  if ((o.workers ?? 0) > 1 && jobs.length > 1) {
    results = await runFoldJobsInWorkers(jobs, { workers: o.workers!, signal: o.signal, onResult: onJob });
  } else {
    results = [];
    for (const job of jobs) {
      cancelled(o.signal);
      results.push(runFoldJob(job));
      onJob();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  const resultOf = new Map(results.map((r) => [`${r.series}:${r.fold}`, r]));

  // Per series: choose on validation, record the test ranges.
  const reports: SeriesReport[] = [];
  const records: OosRecord[] = [];
  for (let i = 0; i < work.length; i++) {
    const w = work[i]!;
    const { bars } = w.input;
    const ppy = periodsPerYear(bars.time);
    const parts: Record<StrategyName, Float64Array[]> = { learning: [], baseline: [], 'buy-and-hold': [], random: [] };
    const heldParts: Record<StrategyName, Float64Array[]> = { learning: [], baseline: [], 'buy-and-hold': [], random: [] };
    const variantParts: Float64Array[][] = variants.map(() => []);
    const folds: FoldReport[] = [];
    for (const fold of w.plan.folds) {
      const r = resultOf.get(`${i}:${fold.index}`)!;
      const runs = new Map<string, VariantRun>(r.runs.map((x) => [x.id, x]));
      const { validation: va, test: te } = fold;
      let bestB: { id: string; score: number } | null = null;
      let bestL: { id: string; score: number } | null = null;
      variants.forEach((v, j) => {
        const ret = v.learning ? runs.get(v.id)!.ret : w.baseline.get(v.id)!.ret;
        const sc = score(sliceOf(ret, va.from, va.to)); // chosen on validation only
        if (v.learning) {
          if (!bestL || sc > bestL.score) bestL = { id: v.id, score: sc };
        } else if (!bestB || sc > bestB.score) bestB = { id: v.id, score: sc };
        variantParts[j]!.push(sliceOf(ret, te.from, te.to));
      });
      const chosenB = (bestB as { id: string } | null)!.id;
      const chosenL = (bestL as { id: string } | null)!.id;
      const lrun = runs.get(chosenL)!;
      const lv = variants.find((v) => v.id === chosenL)!;
      const bsim = w.baseline.get(chosenB)!;
      const end = te.to;
      const random = randomSameExposure(truncateBars(bars, end), truncateTable(w.tables.get(tableKey(lv.window, lv.top))!, end), lrun.target, base, (s.seed + 7919 * (fold.index + 1) + 104_729 * i) >>> 0);
      const pick: Record<StrategyName, { ret: Float64Array; held: Float64Array }> = {
        learning: { ret: lrun.ret, held: lrun.held },
        baseline: { ret: bsim.ret, held: bsim.held },
        'buy-and-hold': { ret: w.hold.ret, held: w.hold.held },
        random: { ret: random.ret, held: random.held },
      };
      const eq: Record<string, number[]> = {};
      for (const k of Object.keys(pick) as StrategyName[]) {
        const ret = sliceOf(pick[k].ret, te.from, te.to);
        parts[k].push(ret);
        heldParts[k].push(sliceOf(pick[k].held, te.from, te.to));
        eq[k] = thin(equityOf(ret), 200);
      }
      const range = (x: { from: number; to: number }): { from: number; to: number; fromTime: number; toTime: number } => ({ ...x, fromTime: bars.time[x.from]!, toTime: bars.time[x.to - 1]! });
      folds.push({
        index: fold.index,
        train: range(fold.train),
        validation: range(va),
        test: range(te),
        learnedFrom: lrun.learned.length,
        chosen: { baseline: chosenB, learning: chosenL },
        equity: { time: thin(sliceOf(bars.time, te.from, te.to), 200), learning: eq.learning!, baseline: eq.baseline!, 'buy-and-hold': eq['buy-and-hold']!, random: eq.random! },
      });
    }
    const rec: OosRecord = {
      ret: { learning: concat(parts.learning), baseline: concat(parts.baseline), 'buy-and-hold': concat(parts['buy-and-hold']), random: concat(parts.random) },
      held: { learning: concat(heldParts.learning), baseline: concat(heldParts.baseline), 'buy-and-hold': concat(heldParts['buy-and-hold']), random: concat(heldParts.random) },
      variants: variantParts.map(concat),
    };
    records.push(rec);
    const metrics: Record<string, OosMetrics> = {};
    for (const k of Object.keys(rec.ret) as StrategyName[]) metrics[k] = oosMetrics(rec.ret[k], rec.held[k], ppy);
    reports.push({
      name: w.input.name,
      timeframe: w.input.timeframe,
      barCount: bars.close.length,
      from: bars.time[0]!,
      to: bars.time[bars.time.length - 1]!,
      folds,
      metrics,
      comparisons: comparisons(rec, s),
      overfitting: overfitting(rec, variants, s),
    });
  }
  // Holm across series, per comparison.
  for (let c = 0; c < COMPARISONS.length; c++) {
    const idx = reports.map((r, i) => (r.comparisons[c]!.p === null ? -1 : i)).filter((i) => i >= 0);
    const adjusted = holmAdjust(idx.map((i) => reports[i]!.comparisons[c]!.p!));
    idx.forEach((i, j) => (reports[i]!.comparisons[c]!.pHolm = adjusted[j]!));
  }

  let pooled: EvaluationReport['pooled'] = null;
  let pooledNote: string | null = null;
  if (series.length < 2) {
    pooledNote = 'The pooled section needs at least 2 series; with one series it is omitted.';
  } else {
    const rec: OosRecord = {
      ret: {
        learning: concat(records.map((r) => r.ret.learning)),
        baseline: concat(records.map((r) => r.ret.baseline)),
        'buy-and-hold': concat(records.map((r) => r.ret['buy-and-hold'])),
        random: concat(records.map((r) => r.ret.random)),
      },
      held: {
        learning: concat(records.map((r) => r.held.learning)),
        baseline: concat(records.map((r) => r.held.baseline)),
        'buy-and-hold': concat(records.map((r) => r.held['buy-and-hold'])),
        random: concat(records.map((r) => r.held.random)),
      },
      variants: variants.map((_, j) => concat(records.map((r) => r.variants[j]!))),
    };
    const metrics: Record<string, OosMetrics> = {};
    for (const k of Object.keys(rec.ret) as StrategyName[]) {
      const per = reports.map((r) => r.metrics[k]!);
      const sh = per.map((m) => m.sharpe).filter((x): x is number => x !== null);
      metrics[k] = {
        sharpe: sh.length > 0 ? sh.reduce((a, b) => a + b, 0) / sh.length : null,
        totalReturn: per.reduce((a, m) => a + m.totalReturn, 0) / per.length,
        maxDrawdown: per.reduce((a, m) => a + m.maxDrawdown, 0) / per.length,
        exposure: per.reduce((a, m) => a + m.exposure, 0) / per.length,
        bars: per.reduce((a, m) => a + m.bars, 0),
      };
    }
    pooled = { metrics, comparisons: comparisons(rec, s), overfitting: overfitting(rec, variants, s) };
  }
  doneUnits = totalUnits;
  report('done');
  const out: EvaluationReport = { settings: s, embargo, variants, series: reports, pooled, pooledNote, summary: '', backend };
  out.summary = summarize(out);
  return out;
}
