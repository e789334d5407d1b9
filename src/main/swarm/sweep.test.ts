/**
 * Backtest sweeps dispatched to swarm agents on loopback: jobs sharing a search pass go to one agent as a
 * batch, the agent runs them with the backtester (in a worker process), and the merged results equal a
 * sequential run on this process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBacktestBars } from '../backtest/data';
import { batchJobs, expandGrid, runSweepParallel, runSweepSequential } from '../backtest/sweep';
import { getEngine } from '../engine';
import { createLogger } from '../metrics';
import { Agent } from './agent';
import { Coordinator } from './coordinator';
import { testSeries } from './testing/series';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-sweep-'));
const log = createLogger('test', 'silent');
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('swarm sweeps', () => {
  it('runs a sweep grid on the agents with the same results as a local sequential run', async () => {
    const file = path.join(tmp, 'walk.csv');
    const s = testSeries(400, 5);
    const lines = ['date,open,high,low,close,volume'];
    for (let i = 0; i < s.length; i++) {
      const c = 100 + s[i]!;
      lines.push(`${new Date(Date.UTC(2000, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)},${c.toFixed(4)},${(c + 0.5).toFixed(4)},${(c - 0.5).toFixed(4)},${c.toFixed(4)},1000`);
    }
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const jobs = expandGrid(file, undefined, { minHistory: 60 }, { window: [8, 12], top: [3], horizon: [2], threshold: [0.5, 0.7] });
    const batches = batchJobs(jobs);
    expect(batches.length).toBe(2);

    const coord = await Coordinator.start({ dataDir: path.join(tmp, 'c'), quicPort: 0, wsPort: 0, logger: log, heartbeatMs: 500 });
    closers.push(() => coord.stop());
    for (const name of ['a', 'b']) {
      // The agent gets the backtester injected, as the host and `warpdesk agent` do.
      const a = await Agent.start({ dataDir: path.join(tmp, name), join: coord.multiaddrs(), token: coord.createToken(), logger: log, heartbeatMs: 500, sweepExecutor: (j) => runSweepParallel(j, { workers: 1 }) });
      closers.push(() => a.stop());
      await a.waitConnected();
    }
    const progress: number[] = [];
    const r = await coord.runSweep(jobs, batches, { onProgress: (done) => progress.push(done) });
    expect(r.shards).toBe(2);
    expect(progress).toEqual([1, 2]);
    expect(r.results.map((x) => x.id)).toEqual(jobs.map((j) => j.id));
    expect(r.results).toEqual(runSweepSequential(jobs, getEngine(), loadBacktestBars));
    expect(r.results.every((x) => x.error === undefined)).toBe(true);
  });

  it('an agent started without a sweep executor answers a sweep with an error, not a silent import', async () => {
    const file = path.join(tmp, 'walk.csv');
    const jobs = expandGrid(file, undefined, { minHistory: 60 }, { window: [8], top: [3], horizon: [2], threshold: [0.5] });
    const coord = await Coordinator.start({ dataDir: path.join(tmp, 'c2'), quicPort: 0, wsPort: 0, logger: log, heartbeatMs: 500 });
    closers.push(() => coord.stop());
    const a = await Agent.start({ dataDir: path.join(tmp, 'plain'), join: coord.multiaddrs(), token: coord.createToken(), logger: log, heartbeatMs: 500 });
    closers.push(() => a.stop());
    await a.waitConnected();
    await expect(coord.runSweep(jobs, batchJobs(jobs))).rejects.toThrow(/without a sweep executor/);
  });
});
