/**
 * `warpdesk evaluate`: the walk-forward evaluation over one or more CSV files (evaluation capability): K folds
 * per series with purging and an embargo, parameters chosen on validation only, learning vs baseline vs
 * buy-and-hold vs random with bootstrap p-values, Holm across series, DSR and PBO of the variants tried.
 * Tables on stdout, progress with ETA on stderr (a terminal), --json [FILE] the same data, --report FILE.html
 * the self-contained report. `backtest --evaluate` runs this too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isTimeframe, TIMEFRAMES, TIMEFRAME_MS, type Bars } from '../../shared/market';
import type { EvaluationReport, EvaluationSettingsInput } from '../../shared/contract/evaluation';
import { detectTimeframe, resample } from '../../main/data';
import { getEngine } from '../../main/engine';
import { loadBacktestBars } from '../../main/backtest';
import { renderReportHtml, runEvaluation, type SeriesInput } from '../../main/evaluation';
import { intFlag, jsonTarget, numberFlag, stringFlag, UsageError, type ParsedArgs } from '../args';
import type { EvaluationOutput } from '../outputs';
import type { Command, CliIO } from '../command';
import { progressBar } from '../progress';
import { csvOptionsFromArgs, DATA_FILE_FLAGS } from '../data-file';

const f2 = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(2));
const f3 = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(3));
const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);

function listFlag(args: ParsedArgs, name: string, fallback: number[], integer: boolean): number[] {
  const v = stringFlag(args, name);
  if (v === undefined) return fallback;
  const out = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (out.length === 0 || out.some((x) => !Number.isFinite(x) || (integer && !Number.isInteger(x))))
    throw new UsageError(`Option --${name} takes ${integer ? 'whole numbers' : 'numbers'} separated by commas, got "${v}".`);
  return out;
}

export function evaluationSettingsFromArgs(args: ParsedArgs): EvaluationSettingsInput {
  const mode = stringFlag(args, 'mode') ?? 'rolling';
  if (mode !== 'rolling' && mode !== 'anchored') throw new UsageError('Option --mode must be rolling or anchored.');
  const thresholds = listFlag(args, 'threshold', [0.55, 0.6, 0.7], false);
  if (thresholds.some((t) => t < 0.5 || t > 1)) throw new UsageError('Option --threshold takes values between 0.5 and 1.');
  const s: EvaluationSettingsInput = {
    folds: intFlag(args, 'folds', 5, 1, 50),
    mode,
    horizon: intFlag(args, 'horizon', 5, 1, 1000),
    grid: { window: listFlag(args, 'window', [32], true), top: listFlag(args, 'top', [10], true), threshold: thresholds },
    samples: intFlag(args, 'samples', 2000, 50, 100_000),
    partitions: intFlag(args, 'partitions', 8, 2, 16),
    seed: intFlag(args, 'seed', 1, 0, 2 ** 31 - 1),
    commissionBps: numberFlag(args, 'commission', 1),
    slippageBps: numberFlag(args, 'slippage', 1),
  };
  if (s.partitions! % 2 !== 0) throw new UsageError('Option --partitions must be even.');
  if (s.grid!.window!.some((w) => w < 4 || w > 1024)) throw new UsageError('Option --window takes bars between 4 and 1024.');
  if (s.grid!.top!.some((k) => k < 1 || k > 100)) throw new UsageError('Option --top takes analog counts between 1 and 100.');
  const trials = stringFlag(args, 'trials');
  if (trials !== undefined) s.extraTrials = trialsIn(trials);
  const embargo = stringFlag(args, 'embargo');
  if (embargo !== undefined) s.embargo = intFlag(args, 'embargo', 0, 0, 10_000);
  return s;
}

/** How many trials a trials file (`npm run variants`, kind "warpdesk-trials") records. */
export function trialsIn(file: string): number {
  let parsed: { kind?: unknown; trials?: unknown };
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { kind?: unknown; trials?: unknown };
  } catch (err) {
    throw new UsageError(`Option --trials: ${file} could not be read as JSON (${err instanceof Error ? err.message : String(err)}).`);
  }
  if (parsed.kind !== 'warpdesk-trials' || !Array.isArray(parsed.trials)) throw new UsageError(`Option --trials: ${file} is not a trials file (kind "warpdesk-trials" with a trials list).`);
  return parsed.trials.length;
}

/** The files of `--data a.csv b.csv` (the rest follow as positionals) or repeated `--data`. */
export function dataFiles(args: ParsedArgs): string[] {
  const v = args.flags['data'];
  const flagged = v === undefined || typeof v === 'boolean' ? [] : Array.isArray(v) ? v : [v];
  const files = [...flagged, ...args.positionals];
  if (files.length === 0) throw new UsageError('Option --data is required (one or more CSV files).');
  return files;
}

export function reportText(r: EvaluationReport): string {
  const lines: string[] = [];
  const head = `  ${'strategy'.padEnd(13)} ${'Sharpe'.padStart(7)} ${'return'.padStart(9)} ${'max DD'.padStart(8)} ${'exposure'.padStart(9)} ${'bars'.padStart(7)}`;
  const metricRows = (m: Record<string, { sharpe: number | null; totalReturn: number; maxDrawdown: number; exposure: number; bars: number }>): string[] =>
    ['learning', 'baseline', 'buy-and-hold', 'random'].map((k) => {
      const x = m[k]!;
      return `  ${k.padEnd(13)} ${f2(x.sharpe).padStart(7)} ${pct(x.totalReturn).padStart(9)} ${pct(x.maxDrawdown).padStart(8)} ${pct(x.exposure).padStart(9)} ${String(x.bars).padStart(7)}`;
    });
  const cmpRows = (rows: EvaluationReport['series'][number]['comparisons']): string[] =>
    rows.map((c) => `  ${c.against.padEnd(26)} ${f2(c.meanDiffBps).padStart(8)} bp/bar   p ${f3(c.p).padStart(6)}   Holm p ${f3(c.pHolm).padStart(6)}`);
  const ofRows = (o: EvaluationReport['series'][number]['overfitting']): string[] => [
    `  ${o.trials} variants; best ${o.best ?? '-'} (Sharpe ${f3(o.bestSharpe)} per bar, expected max of unskilled ${f3(o.expectedMaxSharpe)})`,
    `  DSR ${f3(o.dsr)}   PBO ${f3(o.pbo)} (${o.logits.length} CSCV splits)   SPA p ${f3(o.spaP)}${o.note ? `   (${o.note})` : ''}`,
  ];
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  for (const s of r.series) {
    lines.push(`${s.name}: ${s.barCount} bars at ${s.timeframe}, ${day(s.from)} to ${day(s.to)}; ${s.folds.length} ${r.settings.mode} folds, embargo ${r.embargo} bars.`);
    for (const f of s.folds)
      lines.push(`  fold ${f.index + 1}: test ${day(f.test.fromTime)} to ${day(f.test.toTime)}; chosen on validation: ${f.chosen.baseline} | ${f.chosen.learning} (learned from ${f.learnedFrom} decisions)`);
    lines.push(
      '',
      'Out of sample (test ranges of every fold):',
      head,
      ...metricRows(s.metrics),
      '',
      'One-sided stationary bootstrap p-values (Holm across series):',
      ...cmpRows(s.comparisons),
      '',
      'Variants tried:',
      ...ofRows(s.overfitting),
      '',
    );
  }
  if (r.pooled)
    lines.push(
      `Pooled across ${r.series.length} series (metrics: means across series; tests: test bars stacked):`,
      head,
      ...metricRows(r.pooled.metrics),
      '',
      ...cmpRows(r.pooled.comparisons),
      '',
      ...ofRows(r.pooled.overfitting),
      '',
    );
  else if (r.pooledNote) lines.push(r.pooledNote, '');
  lines.push(r.summary);
  return lines.join('\n') + '\n';
}

/** Runs the evaluation for the parsed arguments (shared with `backtest --evaluate`). */
export async function runEvaluateCommand(args: ParsedArgs, io: CliIO): Promise<number> {
  const files = dataFiles(args);
  const tfFlag = stringFlag(args, 'timeframe');
  if (tfFlag !== undefined && !isTimeframe(tfFlag)) throw new UsageError(`Option --timeframe must be one of ${TIMEFRAMES.join(', ')}.`);
  const timeframe = tfFlag;
  const settings = evaluationSettingsFromArgs(args);
  const json = jsonTarget(args);
  const reportFile = stringFlag(args, 'report');
  const workers = intFlag(args, 'workers', Math.min(4, Math.max(1, os.cpus().length)), 0, 64);
  const csv = csvOptionsFromArgs(args);
  const series: SeriesInput[] = files.map((file) => {
    let bars: Bars = loadBacktestBars(file, undefined, csv);
    const native = detectTimeframe(bars.time);
    let tf: string = native;
    if (timeframe && TIMEFRAME_MS[timeframe] > TIMEFRAME_MS[native]) {
      bars = resample(bars, timeframe, native);
      tf = timeframe;
    }
    return { name: path.basename(file), bars, timeframe: tf };
  });
  const bar = io.interactive && !(json.enabled && !json.file) ? progressBar(io, 'evaluating') : undefined;
  const report = await runEvaluation(series, { engine: getEngine(), settings, workers, onProgress: bar ? (f) => bar.update(f) : undefined });
  bar?.done();
  if (reportFile) fs.writeFileSync(reportFile, renderReportHtml(report));
  if (json.enabled) {
    const out = JSON.stringify(report satisfies EvaluationOutput, null, 2) + '\n';
    if (json.file) fs.writeFileSync(json.file, out);
    else {
      io.stdout(out);
      return 0;
    }
  }
  io.stdout(reportText(report));
  if (reportFile) io.stdout(`Report written to ${reportFile}.\n`);
  return 0;
}

export const EVALUATE_FLAGS: Command['flags'] = {
  data: { type: 'string', repeatable: true, description: 'CSV file(s): --data a.csv b.csv c.csv (or --data repeated)' },
  ...DATA_FILE_FLAGS,
  timeframe: { type: 'string', description: 'resample every finer series to this timeframe first (coarser ones stay as they are)' },
  folds: { type: 'string', description: 'K walk-forward folds per series (default 5)' },
  mode: { type: 'string', description: 'rolling (default: the training range slides) or anchored (it grows from the start)' },
  embargo: { type: 'string', description: 'bars not scored after training and after validation (default: the horizon)' },
  window: { type: 'string', description: 'W grid, e.g. 16,32 (default 32)' },
  top: { type: 'string', description: 'k grid, e.g. 5,10 (default 10)' },
  threshold: { type: 'string', description: 'threshold grid, e.g. 0.55,0.6,0.7 (default)' },
  horizon: { type: 'string', description: 'H: outcome horizon in bars (default 5)' },
  samples: { type: 'string', description: 'bootstrap resamples per p-value (default 2000)' },
  partitions: { type: 'string', description: 'CSCV partitions of the PBO, even (default 8)' },
  commission: { type: 'string', description: 'commission in basis points per unit traded (default 1)' },
  slippage: { type: 'string', description: 'slippage in basis points per unit traded (default 1)' },
  seed: { type: 'string', description: 'seed of the random baseline and the bootstrap (default 1)' },
  workers: { type: 'string', description: 'worker processes for the fold jobs (default: cores, at most 4; 0 = in this process)' },
  report: { type: 'string', description: 'write the self-contained HTML report to this file' },
  trials: { type: 'string', description: 'a trials file (npm run variants): its trials count in the DSR as well' },
};

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Walk-forward evaluation of learning over K folds per series (purging, embargo), with corrected p-values, DSR and PBO.',
  usage: 'warpdesk evaluate --data FILE... [--timeframe TF] [--folds K] [--embargo BARS] [--window 32] [--top 10] [--horizon 5] [--report FILE.html] [--json [FILE]]',
  flags: EVALUATE_FLAGS,
  run: runEvaluateCommand,
};
