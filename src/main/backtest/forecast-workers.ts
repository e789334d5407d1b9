/**
 * The search pass split across child processes (the sweep worker entry): decisions are independent given
 * the data, so contiguous decision ranges of equal work run in parallel and their rows are merged into
 * one table identical to the sequential one (tested). Each process holds O(bars x k) memory, unlike
 * thousands of in-flight async engine jobs. Must never change which analogs a decision sees.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { Bars } from '../../shared/market';
import type { BacktestParams } from '../../shared/contract/backtest';
import { WarpdeskError } from '../../shared/errors';
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
  let next = 0;
  let finished = 0;
  const children: ChildProcess[] = [];
  const plainBars = { time: bars.time, open: bars.open, high: bars.high, low: bars.low, close: bars.close, volume: bars.volume };
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      for (const c of children) if (c.connected) c.disconnect();
      for (const c of children) if (c.exitCode === null) c.kill();
      if (err) reject(err);
      else resolve();
    };
    opts.signal?.addEventListener('abort', () => finish(new WarpdeskError('Cancelled', 'The backtest was cancelled.')), { once: true });
    const feed = (child: ChildProcess): void => {
      if (next >= chunks.length) {
        if (child.connected) child.disconnect();
        return;
      }
      const c = chunks[next++]!;
      child.send({ type: 'forecast', bars: plainBars, params: p, from: c.from, to: c.to });
    };
    const launch = workerLaunch();
    for (let w = 0; w < Math.min(workers, chunks.length); w++) {
      const child = fork(launch.file, [], { execArgv: launch.execArgv, env: { ...process.env, ...launch.env, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      children.push(child);
      let busy = false;
      let cpuMs = 0;
      child.on('message', (msg: { type: string; chunk?: ForecastChunk; message?: string }) => {
        if (msg.type === 'ready') {
          busy = true;
          feed(child);
        } else if (msg.type === 'forecast' && msg.chunk) {
          const c = msg.chunk;
          table.matchEnd.set(c.matchEnd, c.from * k);
          table.distance.set(c.distance, c.from * k);
          table.forward.set(c.forward, c.from * k);
          table.candidates += c.candidates;
          table.backend = c.backend;
          table.workerPeakRssMiB = Math.max(table.workerPeakRssMiB ?? 0, c.rssMiB);
          if (c.cpuMs !== undefined) {
            table.workerCpuMs = (table.workerCpuMs ?? 0) + c.cpuMs - cpuMs;
            cpuMs = c.cpuMs;
          }
          const idx = chunks.findIndex((x) => x.from === c.from);
          doneWork += chunkWork[idx] ?? 0;
          opts.onProgress?.(plan.totalWork > 0 ? doneWork / plan.totalWork : 1);
          finished++;
          if (finished === chunks.length) finish();
          else feed(child);
        } else if (msg.type === 'fatal') finish(new WarpdeskError('Internal', `A backtest worker failed: ${msg.message ?? 'unknown error'}`));
      });
      child.on('exit', (code) => {
        if (!settled && busy && code !== 0) {
          finish(new WarpdeskError('Internal', `A backtest worker exited early (code ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`));
        }
      });
    }
  });
  return table;
}
