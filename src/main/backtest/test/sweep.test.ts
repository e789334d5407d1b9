import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createReferenceEngine } from '../../engine';
import { loadBacktestBars } from '../data';
import { expandGrid, runSweepParallel, runSweepSequential } from '../sweep';
import { randomBars } from './util';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-sweep-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeCsv(file: string, n: number, seed: number): void {
  const b = randomBars(n, seed);
  const lines = ['date,open,high,low,close,volume'];
  for (let i = 0; i < n; i++) {
    const d = new Date(b.time[i]!).toISOString().slice(0, 10);
    lines.push(`${d},${b.open[i]!.toFixed(4)},${b.high[i]!.toFixed(4)},${b.low[i]!.toFixed(4)},${b.close[i]!.toFixed(4)},1000`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

describe('sweep', () => {
  it('jobs are plain JSON and parallel results equal sequential ones', async () => {
    const file = path.join(dir, 'walk.csv');
    writeCsv(file, 500, 17);
    const jobs = expandGrid(file, undefined, { minHistory: 60, commissionBps: 2 }, { window: [8, 12], top: [3], horizon: [2, 4], threshold: [0.5, 0.7] });
    expect(jobs).toHaveLength(8);
    expect(JSON.parse(JSON.stringify(jobs))).toEqual(jobs);
    const sequential = runSweepSequential(jobs, createReferenceEngine(), loadBacktestBars);
    const progress: number[] = [];
    const parallel = await runSweepParallel(jobs, { workers: 2, env: { WARPDESK_ENGINE: 'js' }, onResult: (_r, done) => progress.push(done) });
    expect(parallel.map((r) => r.id)).toEqual(jobs.map((j) => j.id));
    expect(parallel).toEqual(sequential);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const r of sequential) {
      expect(r.error).toBeUndefined();
      expect(r.full.bars).toBeGreaterThan(300);
    }
  });

  it('a job on a missing file reports an error instead of failing the sweep', async () => {
    const jobs = expandGrid(path.join(dir, 'missing.csv'), undefined, {}, { window: [8], top: [3], horizon: [2], threshold: [0.6] });
    const [r] = await runSweepParallel(jobs, { workers: 1, env: { WARPDESK_ENGINE: 'js' } });
    expect(r!.error).toMatch(/does not exist/);
  });
});
