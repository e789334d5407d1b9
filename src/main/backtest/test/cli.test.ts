import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/main';

const root = path.resolve(__dirname, '../../../..');
const msft = path.join(root, 'resources/data/msft_daily_2000_2001.csv');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-bt-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), interactive: false });
  return { code, out, err };
}

describe('warpdesk backtest / sweep', () => {
  it('backtest prints metrics and writes the trade list', async () => {
    const trades = path.join(dir, 'trades.csv');
    const r = await cli(['backtest', '--data', msft, '--window', '12', '--top', '5', '--horizon', '3', '--trades', trades]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Sharpe/);
    expect(r.out).toMatch(/max drawdown/);
    expect(r.err).toBe('');
    const lines = fs.readFileSync(trades, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('side,entry_time,exit_time,entry_price,exit_price,size,bars,net_return,open');
    expect(lines.length).toBeGreaterThan(1);
  });

  it('--json is quiet machine output (stdout or a file), --learning included', async () => {
    const r = await cli(['backtest', '--data', msft, '--window', '12', '--top', '5', '--learning', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const j = JSON.parse(r.out) as { metrics: { sharpe: number | null }; equity: number[]; params: { learning: boolean }; thresholdPath: number[] };
    expect(j.params.learning).toBe(true);
    expect(j.equity).toHaveLength(249);
    expect(j.thresholdPath.length).toBeGreaterThan(0);
    const out = path.join(dir, 'out.json');
    const f = await cli(['backtest', '--data', msft, '--window', '12', '--top', '5', '--json', out]);
    expect(f.code).toBe(0);
    expect(f.out).toBe('');
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).barCount).toBe(249);
  });

  it('--learning learns in a scratch memory; --decisions equals `learn --decisions` on an empty memory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-parity-'));
    try {
      const bt = path.join(dir, 'bt.csv');
      const ln = path.join(dir, 'learn.csv');
      const r = await cli(['backtest', '--data', msft, '--window', '12', '--top', '5', '--horizon', '3', '--learning', '--decisions', bt, '--json']);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out) as { params: { learning: boolean }; thresholdPath: number[]; searches: number };
      expect(j.params.learning).toBe(true);
      expect(j.thresholdPath).toHaveLength(j.searches);
      const l = await cli(['learn', '--data', msft, '--window', '12', '--top', '5', '--horizon', '3', '--decisions', ln, '--data-dir', path.join(dir, 'ws'), '--json']);
      expect(l.code).toBe(0);
      const report = JSON.parse(l.out) as { decisions: number; judged: number; memory: { experiences: number; verdicts: number } };
      expect(report.decisions).toBe(j.searches);
      expect(report.memory.verdicts).toBe(report.judged);
      expect(report.judged).toBeGreaterThan(0);
      const a = fs.readFileSync(bt, 'utf8');
      expect(a.split('\n')[0]).toBe('time,signal,confidence,threshold');
      expect(a.trim().split('\n')).toHaveLength(j.searches + 1);
      expect(a.trim().split('\n')[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,(long|short|flat),\d\.\d{6},\d\.\d{6}$/);
      expect(fs.readFileSync(ln, 'utf8')).toBe(a);
      const stats = await cli(['memory', 'stats', '--data-dir', path.join(dir, 'ws'), '--json']);
      expect(stats.code).toBe(0);
      expect(JSON.parse(stats.out)).toMatchObject({ experiences: report.memory.experiences, verdicts: report.judged });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a series too short for one decision: a sentence with the bars needed, exit 1', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-short-'));
    try {
      const r = await cli(['backtest', '--data', msft, '--window', '200']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/needs at least \d+ bars/);
      const l = await cli(['learn', '--data', msft, '--window', '200', '--data-dir', dir]);
      expect(l.code).toBe(1);
      expect(l.err).toMatch(/needs at least \d+ bars/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--evaluate runs the one evaluation (warpdesk evaluate) on the file', async () => {
    const r = await cli(['backtest', '--data', msft, '--window', '10', '--top', '4', '--horizon', '2', '--evaluate', '--folds', '2', '--resamples', '100', '--workers', '0']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Out of sample/);
    expect(r.out).toMatch(/learning vs baseline .* Holm p/);
    expect(r.out).toMatch(/pooled section needs at least 2 series/);
  });

  it('exit codes: 2 on bad usage, 1 on failure, each with one sentence', async () => {
    const missingFlag = await cli(['backtest', '--window', '10']);
    expect(missingFlag.code).toBe(2);
    expect(missingFlag.err).toMatch(/Option --data is required\./);
    expect((await cli(['backtest', '--data', msft, '--threshold', '0.2'])).code).toBe(2);
    expect((await cli(['backtest', '--data', msft, '--timeframe', '7m'])).code).toBe(2);
    expect((await cli(['backtest', '--data', msft, '--representation', 'ticks'])).code).toBe(2);
    const missing = await cli(['backtest', '--data', path.join(dir, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/does not exist\./);
    expect((await cli(['sweep', '--data', msft, '--window', '8,x'])).code).toBe(2);
  });

  it('sweep ranks jobs on validation and can emit jobs for sharding', async () => {
    const emitted = await cli(['sweep', '--data', msft, '--window', '8,12', '--top', '4', '--horizon', '2', '--threshold', '0.5,0.7', '--emit-jobs']);
    expect(emitted.code).toBe(0);
    const jobs = JSON.parse(emitted.out) as Array<{ id: string }>;
    expect(jobs.map((j) => j.id)).toEqual(['W8-k4-H2-t0.5', 'W8-k4-H2-t0.7', 'W12-k4-H2-t0.5', 'W12-k4-H2-t0.7']);
    const r = await cli(['sweep', '--data', msft, '--window', '8,12', '--top', '4', '--horizon', '2', '--threshold', '0.5,0.7', '--workers', '2', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { results: Array<{ id: string; error?: string }>; ranked: string[] };
    expect(j.results).toHaveLength(4);
    expect(j.ranked).toHaveLength(4);
    for (const x of j.results) expect(x.error).toBeUndefined();
    // A shard of the emitted jobs runs elsewhere with --jobs and gives the same results.
    const shard = path.join(dir, 'shard.json');
    fs.writeFileSync(shard, JSON.stringify(jobs.slice(2)));
    const s = await cli(['sweep', '--jobs', shard, '--workers', '1']);
    expect(s.code).toBe(0);
    const sj = JSON.parse(s.out) as { results: unknown[] };
    expect(sj.results).toEqual(j.results.slice(2));
    fs.writeFileSync(shard, '{"not":"jobs"}');
    const bad = await cli(['sweep', '--jobs', shard]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/is not a list of sweep jobs/);
  });
});
