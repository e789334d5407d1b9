/**
 * Parameter sweeps: a grid over (W, k, H, threshold) expanded into independent, serializable jobs (plain
 * JSON in, plain JSON out), so the same jobs can run in local worker processes now and be sharded across
 * swarm agents later. Jobs that share a search (same W, k, H, ...) are batched onto one worker so the
 * engine pass runs once per batch and thresholds re-run only the cheap policy.
 *
 * Parallel runs use child processes (the compiled sweep-worker.js; sweep-worker.ts with tsx under vitest,
 * see worker-entry.ts). Results are identical to a sequential run (tested). Must never share mutable state
 * between jobs except the read-only caches below.
 */
import os from 'node:os';
import type { Bars, Timeframe } from '../../shared/market';
import { BacktestParamsSchema, type BacktestParams, type BacktestParamsInput, type SweepJob, type SweepResult } from '../../shared/contract/backtest';
import { WarpdeskError } from '../../shared/errors';
import type { PatternEngine } from '../engine';
import { computeForecasts, type ForecastTable } from './forecast';
import { forecastsAsync, metricsOf, metricsStart, runStrategy } from './run';
import { runWorkerPool } from '../platform/worker-pool';
import { workerLaunch } from './worker-entry';
import { periodsPerYear } from './metrics';

/** Bar indices where a sweep job's train and validation parts end (test = the rest). */
export function splitPoints(n: number, split: { train: number; validation: number }): { trainEnd: number; validationEnd: number } {
  const trainEnd = Math.max(0, Math.min(n, Math.floor(n * split.train)));
  const validationEnd = Math.max(trainEnd, Math.min(n, Math.floor(n * (split.train + split.validation))));
  return { trainEnd, validationEnd };
}

export interface SweepGrid {
  window: number[];
  top: number[];
  horizon: number[];
  threshold: number[];
}

export function expandGrid(data: string, timeframe: Timeframe | undefined, base: BacktestParamsInput, grid: SweepGrid, split = { train: 0.6, validation: 0.2 }, csv?: SweepJob['csv']): SweepJob[] {
  const jobs: SweepJob[] = [];
  for (const window of grid.window)
    for (const top of grid.top)
      for (const horizon of grid.horizon)
        for (const threshold of grid.threshold) {
          const params = BacktestParamsSchema.parse({ ...base, window, top, horizon, threshold });
          const job: SweepJob = { id: `W${window}-k${top}-H${horizon}-t${threshold}`, data, params, split };
          if (timeframe) job.timeframe = timeframe;
          if (csv) job.csv = csv;
          jobs.push(job);
        }
  return jobs;
}

/** Everything that determines the engine pass (jobs with the same key share one forecast table). */
export function searchKey(job: SweepJob): string {
  const p = job.params;
  return JSON.stringify([job.data, job.timeframe ?? null, job.csv ?? null, p.window, p.top, p.horizon, p.representation, p.bandRatio, p.exclusionZone ?? null, p.step, p.maxHistory, p.minHistory ?? null, p.search]);
}

export type BarsLoader = (file: string, timeframe?: Timeframe, csv?: SweepJob['csv']) => Bars;

/** Runs sweep jobs in this process, with small caches (bars per file, one forecast table per key). */
export class SweepRunner {
  private readonly bars = new Map<string, Bars>();
  private lastKey = '';
  private lastTable: ForecastTable | null = null;

  constructor(
    private readonly engine: PatternEngine,
    private readonly load: BarsLoader,
  ) {}

  run(job: SweepJob): SweepResult {
    const params: BacktestParams = BacktestParamsSchema.parse(job.params);
    try {
      const bars = this.barsOf(job);
      const key = searchKey(job);
      if (key !== this.lastKey || !this.lastTable) {
        this.lastTable = null;
        this.lastTable = computeForecasts(bars, params, this.engine);
        this.lastKey = key;
      }
      return this.finish(job, params, bars, this.lastTable);
    } catch (err) {
      return this.failed(job, params, err);
    }
  }

  /** Same result as run(), with the search pass off the JS thread / yielding (for the app host). */
  async runAsync(job: SweepJob, opts: { signal?: AbortSignal } = {}): Promise<SweepResult> {
    const params: BacktestParams = BacktestParamsSchema.parse(job.params);
    try {
      const bars = this.barsOf(job);
      const key = searchKey(job);
      if (key !== this.lastKey || !this.lastTable) {
        this.lastTable = null;
        this.lastTable = await forecastsAsync(bars, params, this.engine, { workers: 0, signal: opts.signal });
        this.lastKey = key;
      }
      return this.finish(job, params, bars, this.lastTable);
    } catch (err) {
      if (err instanceof WarpdeskError && err.code === 'Cancelled') throw err;
      return this.failed(job, params, err);
    }
  }

  private barsOf(job: SweepJob): Bars {
    const barsKey = `${job.data}|${job.timeframe ?? ''}|${JSON.stringify(job.csv ?? null)}`;
    let bars = this.bars.get(barsKey);
    if (!bars) {
      bars = this.load(job.data, job.timeframe, job.csv);
      this.bars.set(barsKey, bars);
    }
    return bars;
  }

  private failed(job: SweepJob, params: BacktestParams, err: unknown): SweepResult {
    const empty = metricsOf(emptyBars(), { ret: new Float64Array(0), equity: new Float64Array(0), held: new Float64Array(0), traded: new Float64Array(0), trades: [] }, 0, 0, 252);
    return { id: job.id, params, validation: empty, test: empty, full: empty, error: err instanceof Error ? err.message : String(err) };
  }

  private finish(job: SweepJob, params: BacktestParams, bars: Bars, table: ForecastTable): SweepResult {
    {
      const run = runStrategy(bars, table, params);
      const n = bars.close.length;
      const { trainEnd, validationEnd } = splitPoints(n, job.split ?? { train: 0.6, validation: 0.2 });
      const start = metricsStart(table);
      const ppy = periodsPerYear(bars.time);
      return {
        id: job.id,
        params,
        validation: metricsOf(bars, run.sim, Math.max(start, trainEnd), validationEnd, ppy),
        test: metricsOf(bars, run.sim, Math.max(start, validationEnd), n, ppy),
        full: metricsOf(bars, run.sim, start, n, ppy),
      };
    }
  }
}

function emptyBars(): Bars {
  const z = new Float64Array(0);
  return { time: z, open: z, high: z, low: z, close: z, volume: z };
}

/** Orders jobs so those sharing a search are adjacent, and groups them into batches. */
export function batchJobs(jobs: SweepJob[]): SweepJob[][] {
  const groups = new Map<string, SweepJob[]>();
  for (const job of jobs) {
    const key = searchKey(job);
    const g = groups.get(key);
    if (g) g.push(job);
    else groups.set(key, [job]);
  }
  return [...groups.values()];
}

export function runSweepSequential(jobs: SweepJob[], engine: PatternEngine, load: BarsLoader, onResult?: (r: SweepResult, done: number) => void): SweepResult[] {
  const runner = new SweepRunner(engine, load);
  const byId = new Map<string, SweepResult>();
  let done = 0;
  for (const batch of batchJobs(jobs)) {
    for (const job of batch) {
      const r = runner.run(job);
      byId.set(job.id, r);
      done++;
      onResult?.(r, done);
    }
  }
  return jobs.map((j) => byId.get(j.id)!);
}

export interface ParallelOptions {
  workers?: number;
  onResult?: (r: SweepResult, done: number) => void;
  signal?: AbortSignal;
  /** Extra environment for the workers (e.g. WARPDESK_ENGINE). */
  env?: Record<string, string>;
}

export { workerLaunch, SWEEP_WORKER_BUNDLE } from './worker-entry';

/** Runs jobs on `workers` child processes (default: cores - 1, at least 1); results in job order. */
export async function runSweepParallel(jobs: SweepJob[], opts: ParallelOptions = {}): Promise<SweepResult[]> {
  const batches = batchJobs(jobs);
  const byId = new Map<string, SweepResult>();
  /** Results still due per batch: a batch is complete when its last job's result arrives. */
  const due = batches.map((b) => b.length);
  let done = 0;
  await runWorkerPool({
    entry: workerLaunch(),
    tasks: batches,
    workers: opts.workers ?? Math.max(1, os.cpus().length - 1),
    env: opts.env,
    what: 'sweep',
    signal: opts.signal,
    cancelled: 'The sweep was cancelled.',
    message: (batch) => ({ type: 'jobs', jobs: batch }),
    onReply: (reply, index) => {
      if (reply.type !== 'result') return false;
      const result = reply['result'] as SweepResult;
      byId.set(result.id, result);
      done++;
      opts.onResult?.(result, done);
      return --due[index]! === 0;
    },
  });
  return jobs.map((j) => byId.get(j.id)!);
}
