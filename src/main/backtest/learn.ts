/**
 * `learn`: walks a data set's history bar by bar through the strategy's learning loop into a memory (the
 * workspace's), the same walk as a learning backtest (identical decisions on an empty memory: the parity the
 * decision files prove). The analogs come from the backtester's forecast pass (same rule, same engine; on the
 * engine path streamed: the loop walks finished rows while the engine searches the next ones); the loop
 * records, judges and adapts decision by decision, each slice its own transaction, so a stopped learn keeps
 * everything committed before the stop.
 * No look-ahead: bars after `to` are never read; a decision at t reads bars ≤ t.
 */
import type { Bars } from '../../shared/market';
import type { BacktestParamsInput } from '../../shared/contract/backtest';
import { WarpdeskError } from '../../shared/errors';
import type { PatternEngine } from '../engine';
import { patternTypeFor, requireDecisions, type Decision, type LoopMemory } from '../strategy';
import { resolveSearch, streamForecastsWalk } from './forecast';
import { runPolicyAsync } from './policy';
import { forecastsAsync, parseParams } from './run';

export interface LearnOptions {
  dataset: string;
  timeframe: string;
  /** Epoch ms bounds of the decisions (inclusive); bars after `to` are not read. */
  from?: number;
  to?: number;
  signal?: AbortSignal;
  onProgress?: (phase: 'search' | 'learn', fraction: number) => void;
  onDecision?: (d: Decision) => void;
  onJudged?: (experienceId: string) => void;
  /** Worker processes for the search pass ('auto' as in backtests; 0: in-process). */
  workers?: number | 'auto';
}

export interface LearnReport {
  decisions: number;
  recorded: number;
  judged: number;
  pending: number;
  trades: number;
  cancelled: boolean;
  patternType: string;
  rows: Array<{ time: number; signal: 'long' | 'short' | 'flat'; confidence: number; gate: number }>;
  /** CPU time of the search pass's worker processes (ms), when it ran in workers. */
  workerCpuMs?: number;
}

/** What a walk did, as `warpdesk learn --json` and `learn:run` both report it. */
export function learnTotals(r: LearnReport): Pick<LearnReport, 'decisions' | 'recorded' | 'judged' | 'pending' | 'trades' | 'cancelled' | 'patternType'> {
  return { decisions: r.decisions, recorded: r.recorded, judged: r.judged, pending: r.pending, trades: r.trades, cancelled: r.cancelled, patternType: r.patternType };
}

function until(bars: Bars, to: number): Bars {
  let n = bars.time.length;
  while (n > 0 && bars.time[n - 1]! > to) n--;
  const cut = <T extends Float64Array>(a: T): T => a.subarray(0, n) as T;
  return { ...bars, time: cut(bars.time), open: cut(bars.open), high: cut(bars.high), low: cut(bars.low), close: cut(bars.close), volume: cut(bars.volume) };
}

export async function learnFromHistory(all: Bars, input: BacktestParamsInput, engine: PatternEngine, memory: LoopMemory, o: LearnOptions): Promise<LearnReport> {
  const p = parseParams({ ...input, learning: true });
  const bars = o.to === undefined ? all : until(all, o.to);
  requireDecisions(bars.close.length, p);
  const patternType = patternTypeFor(o.timeframe);
  const cancelled = (): boolean => o.signal?.aborted === true;
  const wasCancelled = (err: unknown): boolean => err instanceof WarpdeskError && err.code === 'Cancelled';
  // The engine path streams: the loop walks the finished rows while the engine searches the next ones.
  const stream = resolveSearch(p, engine) === 'engine' && typeof o.workers !== 'number' ? streamForecastsWalk(bars, p, engine, { signal: o.signal, onProgress: (f) => o.onProgress?.('search', f) }) : undefined;
  let table;
  try {
    table = stream ? stream.table : await forecastsAsync(bars, p, engine, { signal: o.signal, onProgress: (f) => o.onProgress?.('search', f), workers: o.workers });
  } catch (err) {
    if (wasCancelled(err)) return { decisions: 0, recorded: 0, judged: 0, pending: 0, trades: 0, cancelled: true, patternType, rows: [] };
    throw err;
  }
  const rows: LearnReport['rows'] = [];
  const r = await runPolicyAsync(bars, table, p, {
    ...(stream ? { rowsReady: stream.ready, rowsNext: stream.next } : {}),
    memory,
    patternType,
    dataset: o.dataset,
    timeframe: o.timeframe,
    fromTime: o.from,
    signal: o.signal,
    onProgress: (f) => o.onProgress?.('learn', f),
    onDecision: (d) => {
      rows.push({ time: d.time, signal: d.signal, confidence: d.confidence, gate: d.gate });
      o.onDecision?.(d);
    },
    onJudged: o.onJudged,
  });
  // a stopped walk keeps what it committed (the search stops with it); any other search failure is an error
  if (stream) await stream.done.catch((err: unknown) => (wasCancelled(err) && cancelled() ? undefined : Promise.reject(err)));
  return {
    decisions: r.walked,
    recorded: r.recorded,
    judged: r.judged,
    pending: r.recorded - r.judged,
    trades: rows.filter((x) => x.signal !== 'flat').length,
    cancelled: cancelled(),
    patternType,
    rows,
    ...(table.workerCpuMs !== undefined ? { workerCpuMs: table.workerCpuMs } : {}),
  };
}
