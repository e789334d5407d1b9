/**
 * One walk-forward backtest end to end: forecasts (engine search) -> policy (thresholds, sizing, optional
 * learning loop) -> simulation (fills, costs, trades) -> metrics. Also the reference strategies the
 * learning run is compared with: buy-and-hold and a random signal with the same exposure.
 * Uses the same engine as the app (injected: `getEngine()` in callers). Never imports Electron.
 */
import os from 'node:os';
import type { Bars } from '../../shared/market';
import { BacktestParamsSchema, type BacktestParams, type BacktestParamsInput, type BacktestResult, type Metrics } from '../../shared/contract/backtest';
import type { PatternEngine } from '../engine';
import { rng } from './bootstrap';
import { computeForecasts, computeForecastsAsync, computeForecastsWalk, planForecasts, resolveSearch, type ForecastTable, type ProgressOptions } from './forecast';
import { computeForecastsInWorkers } from './forecast-workers';
import { computeMetrics, periodsPerYear } from './metrics';
import { runPolicy, type PolicyResult, type WalkOptions } from './policy';
import { simulate, type Simulation } from './simulate';
import { requireDecisions } from '../strategy';

/** Above this much search work (candidate windows), async runs split the pass across worker processes. */
export const WORKER_THRESHOLD = 100_000_000;

export interface RunOptions extends ProgressOptions {
  /** Async runs: worker processes for the search pass (n: always; 'auto': the indexed path's passes over WORKER_THRESHOLD; 0: never). */
  workers?: number | 'auto';
  /** The memory a learning run learns in (default: a scratch memory), and the walk's hooks. */
  walk?: WalkOptions;
  timeframe?: string;
}

export interface StrategyRun {
  policy: PolicyResult;
  sim: Simulation;
}

export function parseParams(input: BacktestParamsInput = {}): BacktestParams {
  return BacktestParamsSchema.parse(input);
}

/** First bar whose return can be affected by a decision (metrics start here). */
export function metricsStart(table: ForecastTable): number {
  const first = table.decisions[0];
  return first === undefined ? table.barCount : first + 1;
}

/** The strategy's loop over the table (learning: adaptation on in a scratch memory unless one is given), then fills and costs. */
export function runStrategy(bars: Bars, table: ForecastTable, p: BacktestParams, walk: WalkOptions = {}): StrategyRun {
  const policy = runPolicy(bars, table, p, walk);
  return { policy, sim: simulate(bars, policy.target, p) };
}

/** Long 1 from the first decision on (same period, same costs). */
export function buyAndHold(bars: Bars, table: ForecastTable, p: BacktestParams): Simulation {
  const target = new Float64Array(table.barCount);
  const first = table.decisions[0];
  if (first !== undefined) target.fill(1, first);
  return simulate(bars, target, p);
}

/** Same |position| at the same bars as `reference`, with a seeded coin-flip direction per decision. */
export function randomSameExposure(bars: Bars, table: ForecastTable, reference: Float64Array, p: BacktestParams, seed: number): Simulation {
  const random = rng(seed ^ 0x5eed);
  const target = new Float64Array(table.barCount);
  let d = 0;
  let pos = 0;
  for (let t = 0; t < table.barCount; t++) {
    if (d < table.decisions.length && table.decisions[d] === t) {
      const mag = Math.abs(reference[t]!);
      const flip = random() < 0.5 ? -1 : 1;
      pos = mag === 0 ? 0 : flip * mag;
      d++;
    }
    target[t] = pos;
  }
  return simulate(bars, target, p);
}

export function metricsOf(bars: Bars, sim: Simulation, start: number, end: number, ppy = periodsPerYear(bars.time)): Metrics {
  return computeMetrics({ time: bars.time, ret: sim.ret, held: sim.held, traded: sim.traded, trades: sim.trades, start, end, periodsPerYear: ppy });
}

export function assembleResult(bars: Bars, table: ForecastTable, p: BacktestParams, run: StrategyRun, elapsedMs: number, timeframe: string): BacktestResult {
  const start = metricsStart(table);
  const n = bars.close.length;
  const result: BacktestResult = {
    params: p,
    timeframe,
    barCount: n,
    firstDecision: table.decisions[0] ?? -1,
    searches: table.decisions.length,
    backend: table.backend,
    elapsedMs,
    metrics: metricsOf(bars, run.sim, start, n),
    time: Array.from(bars.time),
    equity: Array.from(run.sim.equity),
    position: Array.from(run.sim.held),
    trades: run.sim.trades,
  };
  if (run.policy.thresholdPath) result.thresholdPath = Array.from(run.policy.thresholdPath);
  return result;
}

/** Full walk-forward run, synchronously. */
export function runBacktest(bars: Bars, input: BacktestParamsInput, engine: PatternEngine, opts: RunOptions = {}): BacktestResult {
  const p = parseParams(input);
  requireDecisions(bars.close.length, p);
  const t0 = performance.now();
  const table = computeForecasts(bars, p, engine, opts);
  const run = runStrategy(bars, table, p, { timeframe: opts.timeframe, ...opts.walk });
  return assembleResult(bars, table, p, run, performance.now() - t0, opts.timeframe ?? 'native');
}

/**
 * The async search pass. The engine path (native) is one off-thread walk job (searchWalkAsync: the engine's
 * threads share the decisions, each seeded by the previous one); explicit `workers: n` splits it across worker
 * processes instead. The indexed path (TypeScript engine) uses worker processes for passes over
 * WORKER_THRESHOLD windows ('auto') and the yielding loop otherwise.
 */
export function forecastsAsync(bars: Bars, p: BacktestParams, engine: PatternEngine, opts: RunOptions = {}): Promise<ForecastTable> {
  const cores = Math.max(1, os.cpus().length);
  const workers = opts.workers ?? 'auto';
  if (typeof workers === 'number' && workers > 0 && cores > 1) return computeForecastsInWorkers(bars, p, { workers, onProgress: opts.onProgress, signal: opts.signal });
  if (resolveSearch(p, engine) === 'engine') return computeForecastsWalk(bars, p, engine, opts);
  if (workers === 'auto' && cores > 1 && planForecasts(bars, p).totalWork > WORKER_THRESHOLD) {
    return computeForecastsInWorkers(bars, p, { workers: cores, onProgress: opts.onProgress, signal: opts.signal });
  }
  return computeForecastsAsync(bars, p, engine, opts);
}

/** Same answer as runBacktest, yielding to the event loop (for the app host). */
export async function runBacktestAsync(bars: Bars, input: BacktestParamsInput, engine: PatternEngine, opts: RunOptions = {}): Promise<BacktestResult> {
  const p = parseParams(input);
  requireDecisions(bars.close.length, p);
  const t0 = performance.now();
  const table = await forecastsAsync(bars, p, engine, opts);
  const run = runStrategy(bars, table, p, { timeframe: opts.timeframe, ...opts.walk });
  return assembleResult(bars, table, p, run, performance.now() - t0, opts.timeframe ?? 'native');
}
