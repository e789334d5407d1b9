/**
 * `warpdesk sweep`: a parameter grid (W, k, H, threshold) run as independent, serializable jobs on local
 * worker processes. Rows are ranked by VALIDATION Sharpe (choose there), with the test period shown beside
 * it. --emit-jobs prints the jobs as JSON without running them (for sharding across swarm agents).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SweepJobSchema, type SweepJob, type SweepResult } from '../../shared/contract/backtest';
import { WarpdeskError } from '../../shared/errors';
import { expandGrid, runSweepParallel } from '../../main/backtest';
import { boolFlag, intFlag, jsonTarget, requiredString, stringFlag, UsageError, type ParsedArgs } from '../args';
import type { Command } from '../command';
import { progressBar } from '../progress';
import { BACKTEST_PARAM_FLAGS, backtestParamsFromArgs, timeframeFromArgs } from './backtest';
import { csvOptionsFromArgs } from '../data-file';
import { loadBars } from '../../main/data';

function list(args: ParsedArgs, name: string, fallback: number[], integer: boolean): number[] {
  const text = stringFlag(args, name);
  if (text === undefined) return fallback;
  const values = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || (integer && !Number.isInteger(v)))) {
    throw new UsageError(`Option --${name} must be a comma-separated list of ${integer ? 'whole numbers' : 'numbers'}, got "${text}".`);
  }
  return values;
}

/** Runs a JSON file of SweepJob (as written by --emit-jobs, or a shard of it); results as JSON. */
async function runJobsFile(jobsFile: string, args: ParsedArgs, io: Parameters<Command['run']>[1]): Promise<number> {
  if (!fs.existsSync(jobsFile)) throw new WarpdeskError('NotFound', `The jobs file ${jobsFile} does not exist.`);
  let jobs: SweepJob[];
  try {
    jobs = z.array(SweepJobSchema).parse(JSON.parse(fs.readFileSync(jobsFile, 'utf8')));
  } catch (err) {
    throw new WarpdeskError('InvalidInput', `The jobs file ${jobsFile} is not a list of sweep jobs (${err instanceof Error ? err.message.split('\n')[0] : String(err)}).`);
  }
  const workers = intFlag(args, 'workers', 0, 0, 256) || undefined;
  const json = jsonTarget(args);
  const bar = !json.enabled && io.interactive ? progressBar(io, `sweep (${jobs.length} jobs)`) : undefined;
  const results = await runSweepParallel(jobs, { workers, onResult: (_r, done) => bar?.update(done / jobs.length) });
  bar?.done();
  const out = JSON.stringify({ jobs: jobs.length, results }, null, 2) + '\n';
  if (json.file) fs.writeFileSync(json.file, out);
  else io.stdout(out);
  return results.length > 0 && results.every((r) => r.error) ? 1 : 0;
}

const f = (x: number | null, d = 2): string => (x === null ? '-' : x.toFixed(d));

export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'Parameter sweep (W, k, H, threshold) as parallel serializable jobs, ranked on validation, with test beside it.',
  usage: 'warpdesk sweep --data FILE [--timeframe 1h] [--window 16,32] [--top 5,10] [--horizon 5] [--threshold 0.55,0.6,0.7] [--workers N] [--emit-jobs] [--json [FILE]] | warpdesk sweep --jobs jobs.json',
  flags: {
    ...BACKTEST_PARAM_FLAGS,
    window: { type: 'string', description: 'W values, comma-separated (default 32)' },
    top: { type: 'string', description: 'k values (default 10)' },
    horizon: { type: 'string', description: 'H values (default 5)' },
    threshold: { type: 'string', description: 'threshold values (default 0.55,0.6,0.65,0.7)' },
    workers: { type: 'string', description: 'worker processes (default: cores - 1, at least 1)' },
    'emit-jobs': { type: 'boolean', description: 'print the jobs as JSON and exit (to shard them elsewhere)' },
    jobs: { type: 'string', description: 'run the jobs in this JSON file (e.g. a shard of --emit-jobs output) and print their results as JSON' },
  },
  async run(args, io) {
    const jobsFile = stringFlag(args, 'jobs');
    if (jobsFile !== undefined) return runJobsFile(jobsFile, args, io);
    const file = path.resolve(requiredString(args, 'data'));
    const timeframe = timeframeFromArgs(args);
    const grid = {
      window: list(args, 'window', [32], true),
      top: list(args, 'top', [10], true),
      horizon: list(args, 'horizon', [5], true),
      threshold: list(args, 'threshold', [0.55, 0.6, 0.65, 0.7], false),
    };
    // Base parameters: everything but the grid axes, parsed like `backtest` (the axes are overridden).
    const stripped: ParsedArgs = { positionals: args.positionals, flags: { ...args.flags } };
    for (const axis of ['window', 'top', 'horizon', 'threshold']) delete stripped.flags[axis];
    const base = backtestParamsFromArgs(stripped);
    if (!fs.existsSync(file)) throw new UsageError(`The data file ${file} does not exist.`);
    const csv = csvOptionsFromArgs(args);
    // Read the file once here: a file that cannot be read fails with its line at once, not in every job.
    loadBars(file, csv);
    let jobs;
    try {
      jobs = expandGrid(file, timeframe, base, grid, undefined, csv);
    } catch (err) {
      throw new UsageError(`The grid has invalid values: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
    const json = jsonTarget(args);
    if (boolFlag(args, 'emit-jobs')) {
      io.stdout(JSON.stringify(jobs, null, 2) + '\n');
      return 0;
    }
    const workers = intFlag(args, 'workers', 0, 0, 256) || undefined;
    const bar = !json.enabled && io.interactive ? progressBar(io, `sweep (${jobs.length} jobs)`) : undefined;
    const results = await runSweepParallel(jobs, { workers, onResult: (_r, done) => bar?.update(done / jobs.length) });
    bar?.done();
    const failed = results.filter((r) => r.error);
    const ranked = [...results].filter((r) => !r.error).sort((a, b) => (b.validation.sharpe ?? -Infinity) - (a.validation.sharpe ?? -Infinity));
    if (json.enabled) {
      const out = JSON.stringify({ file, timeframe: timeframe ?? 'native', jobs: jobs.length, ranked: ranked.map((r) => r.id), results }, null, 2) + '\n';
      if (json.file) fs.writeFileSync(json.file, out);
      else io.stdout(out);
      return failed.length === results.length ? 1 : 0;
    }
    const row = (r: SweepResult): string =>
      `${r.id.padEnd(24)} ${f(r.validation.sharpe).padStart(8)} ${f(r.test.sharpe).padStart(8)} ${(r.test.totalReturn * 100).toFixed(2).padStart(9)}% ${(r.test.maxDrawdown * 100).toFixed(2).padStart(8)}% ${String(r.test.trades).padStart(7)} ${f(r.full.sharpe).padStart(8)}`;
    const lines = [
      `${jobs.length} jobs over ${file}${timeframe ? ` at ${timeframe}` : ''}; ranked by validation Sharpe (choose there; test is shown, not used).`,
      '',
      `${'job'.padEnd(24)} ${'val SR'.padStart(8)} ${'test SR'.padStart(8)} ${'test ret'.padStart(10)} ${'test DD'.padStart(9)} ${'trades'.padStart(7)} ${'full SR'.padStart(8)}`,
      ...ranked.map(row),
    ];
    for (const r of failed) lines.push(`${r.id}: failed: ${r.error}`);
    io.stdout(lines.join('\n') + '\n');
    return failed.length === results.length ? 1 : 0;
  },
};
