import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from './main';
import { cliArgs } from './testing/cli-process';

const root = path.resolve(__dirname, '../..');
const sample = path.join(root, 'resources/data/ttrc_daily.csv');
// Every command here works in a throw-away workspace, never the user's.
process.env['WARPDESK_DATA_DIR'] = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-cli-test-'));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), interactive: false });
  return { code, out, err };
}

describe('warpdesk CLI', () => {
  it('search prints a readable table', async () => {
    const r = await cli(['search', '--data', sample, '--length', '30', '--top', '5']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Query: 30 bars at 1D, 2006-11-16 to 2006-12-29/);
    expect(r.out.split('\n').filter((l) => /^ {0,1}\d+ {2}\d{4}-\d{2}-\d{2}/.test(l))).toHaveLength(5);
  });

  it('search --json with --end and --timeframe gives machine output', async () => {
    const r = await cli(['search', '--data', sample, '--length', '20', '--top', '3', '--timeframe', '1W', '--end', '2000-01-01', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { timeframe: string; analogs: Array<{ endTime: number }>; queryEnd: number; queryStart: number; decision: { signal: string }; experienceId: string | null };
    expect(j.timeframe).toBe('1W');
    expect(j.analogs).toHaveLength(3);
    expect(j.queryEnd).toBeLessThanOrEqual(Date.UTC(2000, 0, 1));
    for (const m of j.analogs) expect(m.endTime).toBeLessThan(j.queryStart);
    expect(['long', 'short', 'flat']).toContain(j.decision.signal);
    expect(j.experienceId).toBeNull(); // nothing recorded without --record
  });

  it('search --record records the decision in the workspace memory and judges it when its horizon is in the data', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-cli-record-'));
    try {
      const r = await cli(['search', '--data', sample, '--length', '20', '--top', '5', '--horizon', '5', '--end', '2000-01-01', '--record', '--data-dir', dataDir, '--json']);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out) as { experienceId: string | null; judgedAtOnce: boolean };
      expect(j.experienceId).toMatch(/^[0-9a-f-]{36}$/);
      expect(j.judgedAtOnce).toBe(true); // 2000 + 5 days is in the file
      const stats = await cli(['memory', 'stats', '--data-dir', dataDir, '--json']);
      expect(JSON.parse(stats.out)).toMatchObject({ experiences: 1, verdicts: 1 });
      const clamped = await cli(['search', '--data', sample, '--length', '9000', '--data-dir', dataDir]);
      expect(clamped.code).toBe(1);
      expect(clamped.err).toMatch(/longer than the \d+ bars/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('exits 2 on bad usage and 1 on failure, with one sentence', async () => {
    expect((await cli(['search', '--length', '10'])).code).toBe(2);
    expect((await cli(['search', '--data', sample, '--bogus'])).err).toMatch(/Unknown option --bogus/);
    expect((await cli(['nope'])).code).toBe(2);
    const missing = await cli(['search', '--data', '/nonexistent.csv']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/does not exist/);
  });

  it('bench runs a named benchmark in a child process and prints its table', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, cliArgs('bench', 'data', '--quick'), { cwd: root });
    expect(stdout).toMatch(/## data: CSV import and timeframes/);
    expect(stdout).toMatch(/\| import USD\/CHF \(parse \+ SQLite txn\) \| 62496 \|/);
  });

  // bin/warpdesk.cjs itself runs the compiled CLI: test/packaging.test.ts runs it from the packaged file set.
  it('runs as a process', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, cliArgs('--help'), { cwd: root });
    expect(stdout).toMatch(/Usage: warpdesk <command>/);
    expect(stdout).toMatch(/search/);
  });
});
