/**
 * One fold of one series, for every learning variant of the grid: a fresh scratch memory per variant, the
 * loop walked from the fold's first training bar to the end of its test range, learning only from the
 * fold's training decisions whose outcome window is purged clear of validation and test (`learnable`);
 * in validation and test the learned gates are frozen (nothing is recorded). Analog search itself is causal
 * (history before each decision) and is shared by every fold: it is the method's data, not training.
 *
 * A plain job (bars, truncated forecast tables, a fold) → plain arrays, so the same function runs in this
 * process or in a worker process (fold-worker.ts) with identical results. Must never read a bar at or after
 * the fold's test end, and never record an experience outside the fold's learnable set.
 */
import type { Bars } from '../../shared/market';
import type { BacktestParams } from '../../shared/contract/backtest';
import type { Variant } from '../../shared/contract/evaluation';
import { openScratchMemory, type ExperienceInput, type OutcomeInput } from '../memory';
import type { LoopMemory } from '../strategy';
import { runStrategy, type ForecastTable } from '../backtest';
import { learnable, type Fold } from './folds';

export interface FoldJob {
  series: number;
  fold: Fold;
  /** Bars [0, fold.test.to). */
  bars: Bars;
  /** Forecast tables truncated to the fold's end, by tableKey(window, top). */
  tables: Record<string, ForecastTable>;
  variants: Variant[];
  /** Parameters shared by every variant (horizon, costs, seed, ...). */
  base: BacktestParams;
  timeframe: string;
}

export interface VariantRun {
  id: string;
  /** Per-bar net returns and the target positions of the walk (length fold.test.to). */
  ret: Float64Array;
  held: Float64Array;
  target: Float64Array;
  /** Bars of the decisions the memory learned from. */
  learned: number[];
}

export interface FoldJobResult {
  series: number;
  fold: number;
  runs: VariantRun[];
}

export function tableKey(window: number, top: number): string {
  return `W${window}:k${top}`;
}

export function variantParams(base: BacktestParams, v: Variant): BacktestParams {
  return { ...base, window: v.window, top: v.top, threshold: v.threshold, learning: v.learning };
}

/** Bars [0, end) (copies, so they travel over IPC without the rest of the series). */
export function truncateBars(bars: Bars, end: number): Bars {
  const cut = (a: Float64Array): Float64Array => a.slice(0, end);
  return { time: cut(bars.time), open: cut(bars.open), high: cut(bars.high), low: cut(bars.low), close: cut(bars.close), volume: cut(bars.volume) };
}

/** The table's decisions before `end` (and their analogs), as a table over `end` bars. */
export function truncateTable(table: ForecastTable, end: number): ForecastTable {
  let D = 0;
  while (D < table.decisions.length && table.decisions[D]! < end) D++;
  const k = table.k;
  return {
    barCount: end,
    k,
    decisions: table.decisions.slice(0, D),
    matchEnd: table.matchEnd.slice(0, D * k),
    distance: table.distance.slice(0, D * k),
    forward: table.forward.slice(0, D * k),
    candidates: 0,
    backend: table.backend,
  };
}

/**
 * A memory that learns only from the fold's learnable decisions: other records get a placeholder id that
 * is never settled into the store. `learned` lists the bars recorded (the property tests' audit trail).
 */
export function foldMemory(inner: LoopMemory, bars: Bars, fold: Fold): LoopMemory & { learned: number[] } {
  const learned: number[] = [];
  const barAt = (time: number): number => {
    // binary search: the bar whose time is `time` (decisions record their own bar's time)
    let lo = 0;
    let hi = bars.time.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (bars.time[mid]! < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let skipped = 0;
  return {
    learned,
    recordExperience(input: ExperienceInput) {
      const t = input.at === undefined ? -1 : barAt(input.at);
      if (!learnable(fold, t)) return { id: `frozen:${skipped++}` };
      learned.push(t);
      return inner.recordExperience(input);
    },
    settle(id: string, outcome: OutcomeInput) {
      if (id.startsWith('frozen:')) return { success: false, quality: 0 };
      return inner.settle(id, outcome);
    },
    threshold: (patternType: string) => inner.threshold(patternType),
    batch: inner.batch ? <T>(fn: () => T): T => inner.batch!(fn) : undefined,
  };
}

/** Runs every learning variant of one fold (sequentially, in this process). */
export function runFoldJob(job: FoldJob): FoldJobResult {
  const runs: VariantRun[] = [];
  const fromTime = job.bars.time[job.fold.train.from]!;
  for (const v of job.variants) {
    if (!v.learning) continue;
    const table = job.tables[tableKey(v.window, v.top)]!;
    const p = variantParams(job.base, v);
    const scratch = openScratchMemory();
    try {
      const memory = foldMemory(scratch, job.bars, job.fold);
      const run = runStrategy(job.bars, table, p, { memory, fromTime, timeframe: job.timeframe, dataset: 'evaluation' });
      runs.push({ id: v.id, ret: run.sim.ret, held: run.sim.held, target: run.policy.target, learned: memory.learned });
    } finally {
      scratch.remove();
    }
  }
  return { series: job.series, fold: job.fold.index, runs };
}
