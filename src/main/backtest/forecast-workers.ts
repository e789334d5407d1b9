/**
 * The search pass split across child processes (the sweep worker entry): decisions are independent given
 * the data, so contiguous decision ranges of equal work run in parallel and their rows are merged into
 * one table identical to the sequential one (tested). Each process holds O(bars x k) memory, unlike
 * thousands of in-flight async engine jobs. Must never change which analogs a decision sees.
 */
import os from 'node:os';
import type { Bars } from '../../shared/market';
import type { BacktestParams } from '../../shared/contract/backtest';
import { runWorkerPool } from '../platform/worker-pool';
import { planForecasts, type ForecastTable, type ProgressOptions } from './forecast';
import { workerLaunch } from './worker-entry';

export interface ForecastChunk {
  from: number;
  to: number;
  matchEnd: Int32Array;
  distance: Float64Array;
  forward: Float64Array;
  candidates: number;
  backend: string;
  /** The worker's peak RSS so far (MiB). */
  rssMiB: number;
  /** The worker process's CPU time so far (ms, since it started). */
  cpuMs?: number;
}

/** Splits decisions into `parts` contiguous ranges of about equal search work. */
export function splitByWork(work: Float64Array, parts: number): Array<{ from: number; to: number }> {
  const n = work.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += work[i]! + 1;
  const out: Array<{ from: number; to: number }> = [];
  let from = 0;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += work[i]! + 1;
    if (acc >= (total * (out.length + 1)) / parts && out.length < parts - 1) {
      out.push({ from, to: i + 1 });
      from = i + 1;
    }
  }
  if (from < n || out.length === 0) out.push({ from, to: n });
  return out.filter((r) => r.to > r.from);
}

export async function computeForecastsInWorkers(bars: Bars, p: BacktestParams, opts: ProgressOptions & { workers?: number; env?: Record<string, string> } = {}): Promise<ForecastTable> {
  const plan = planForecasts(bars, p);
  const k = p.top;
  const D = plan.decisions.length;
  const workers = Math.max(1, opts.workers ?? Math.max(1, os.cpus().length));
  const chunks = splitByWork(plan.work, workers * 4);
  const table: ForecastTable = {
    barCount: bars.close.length,
    k,
    decisions: plan.decisions,
    matchEnd: new Int32Array(D * k).fill(-1),
    distance: new Float64Array(D * k).fill(Number.NaN),
    forward: new Float64Array(D * k).fill(Number.NaN),
    candidates: 0,
    backend: 'unknown',
  };
  if (D === 0) return table;
  const chunkWork = chunks.map((c) => {
    let w = 0;
    for (let d = c.from; d < c.to; d++) w += plan.work[d]!;
    return w;
  });
  let doneWork = 0;
  const workerCpuMs: number[] = [];
  const plainBars = { time: bars.time, open: bars.open, high: bars.high, low: bars.low, close: bars.close, volume: bars.volume };
  await runWorkerPool({
    entry: workerLaunch(),
    tasks: chunks,
    workers,
    env: opts.env,
    what: 'backtest',
    signal: opts.signal,
    cancelled: 'The backtest was cancelled.',
    message: (c) => ({ type: 'forecast', bars: plainBars, params: p, from: c.from, to: c.to }),
    onReply: (reply, index, worker) => {
      if (reply.type !== 'forecast' || !reply['chunk']) return false;
      const c = reply['chunk'] as ForecastChunk;
      table.matchEnd.set(c.matchEnd, c.from * k);
      table.distance.set(c.distance, c.from * k);
      table.forward.set(c.forward, c.from * k);
      table.candidates += c.candidates;
      table.backend = c.backend;
      table.workerPeakRssMiB = Math.max(table.workerPeakRssMiB ?? 0, c.rssMiB);
      if (c.cpuMs !== undefined) {
        // cpuMs is the worker's total so far: add what it used since its last chunk.
        table.workerCpuMs = (table.workerCpuMs ?? 0) + c.cpuMs - (workerCpuMs[worker] ?? 0);
        workerCpuMs[worker] = c.cpuMs;
      }
      doneWork += chunkWork[index] ?? 0;
      opts.onProgress?.(plan.totalWork > 0 ? doneWork / plan.totalWork : 1);
      return true;
    },
  });
  return table;
}
