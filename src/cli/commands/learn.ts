/**
 * `warpdesk learn`: walks a data set's history bar by bar through the learning loop into the workspace memory
 * (no look-ahead: the backtester's guarantees), so `memory stats` and the app's Learning view show judged
 * experiences and trajectories at once. The same walk as `backtest --learning`: on an empty memory both write
 * identical `--decisions` files. Ctrl-C stops between decisions and keeps everything committed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WarpdeskError } from '../../shared/errors';
import { detectTimeframe, formatTime, parseDateTime } from '../../main/data';
import { getEngine } from '../../main/engine';
import { learnFromHistory, learnTotals, loadBacktestBars } from '../../main/backtest';
import { openMemory, thresholdSummary } from '../../main/memory';
import { resolveDataDir } from '../../main/platform/workspace';
import { decisionsCsv } from '../../main/strategy';
import { EXCLUSION_FLAG, exclusionFlag, intFlag, jsonTarget, requiredString, stringFlag, UsageError, type ParsedArgs } from '../args';
import type { Command } from '../command';
import type { LearnOutput } from '../outputs';
import type { Bars } from '../../shared/market';
import { progressBar, type ProgressBar } from '../progress';
import { timeframeFromArgs } from './backtest';
import { csvOptionsFromArgs, DATA_FILE_FLAGS } from '../data-file';

function dateFlag(args: ParsedArgs, name: string): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  const t = parseDateTime(text);
  if (Number.isNaN(t)) throw new UsageError(`Option --${name} "${text}" is not a date.`);
  return t;
}

/** The flags of a learn walk (shared by `learn` and `agent --learn`). */
export const LEARN_FLAG_SPECS: Command['flags'] = {
  timeframe: { type: 'string', description: 'resample first (e.g. 1h, 4h, 1D, 1W)' },
  from: { type: 'string', description: 'first decision at or after this date' },
  to: { type: 'string', description: 'bars after this date are not read' },
  window: { type: 'string', description: 'W: query length in bars (default 32)' },
  top: { type: 'string', description: 'k: analogs per decision (default 10)' },
  horizon: { type: 'string', description: 'H: bars over which outcomes are measured (default 5)' },
  step: { type: 'string', description: 'decide every N bars (default 1)' },
  ...EXCLUSION_FLAG,
};

export interface LearnPlan {
  file: string;
  bars: Bars;
  /** The data's own timeframe unless resampled: the pattern type app searches on this data learn under. */
  timeframe: string;
  from?: number;
  to?: number;
  input: { window: number; top: number; horizon: number; step: number; exclusionZone?: number };
}

/** Reads a learn walk's data and flags (a bad file or flag fails here, before anything starts). */
export function learnPlanFromArgs(args: ParsedArgs, file: string): LearnPlan {
  const resampleTo = timeframeFromArgs(args);
  const from = dateFlag(args, 'from');
  const to = dateFlag(args, 'to');
  if (from !== undefined && to !== undefined && from > to) throw new UsageError('Option --from must not be after --to.');
  const input = {
    window: intFlag(args, 'window', 32, 4, 1024),
    top: intFlag(args, 'top', 10, 1, 100),
    horizon: intFlag(args, 'horizon', 5, 1, 1000),
    step: intFlag(args, 'step', 1, 1, 10_000),
    exclusionZone: exclusionFlag(args),
  };
  const bars = loadBacktestBars(file, resampleTo, csvOptionsFromArgs(args));
  return { file, bars, timeframe: resampleTo ?? detectTimeframe(bars.time), from, to, input };
}

export const learnCommand: Command = {
  name: 'learn',
  summary: "Walk a data set's history through the learning loop into the workspace memory (judged experiences, trajectories).",
  usage: 'warpdesk learn --data FILE [--timeframe TF] [--from DATE] [--to DATE] [--window 32] [--top 10] [--horizon 5] [--step 1] [--exclusion BARS] [--decisions FILE] [--data-dir DIR] [--json [FILE]]',
  flags: {
    data: { type: 'string', description: 'CSV file (generic OHLCV, Yahoo, MetaTrader, TradingView, Excel exports, close-only)' },
    ...DATA_FILE_FLAGS,
    ...LEARN_FLAG_SPECS,
    decisions: { type: 'string', description: 'write every decision (time,signal,confidence,threshold) as CSV to this file' },
  },
  async run(args, io) {
    const plan = learnPlanFromArgs(args, requiredString(args, 'data'));
    const { file, bars, input, from, to } = plan;
    const tfLabel = plan.timeframe;
    const dataDir = resolveDataDir(stringFlag(args, 'data-dir'));
    const json = jsonTarget(args);
    const memory = await openMemory({ dataDir });
    const controller = new AbortController();
    const stop = (): void => {
      if (!controller.signal.aborted) io.stderr('\nStopping after the current decision (what is committed stays)...\n');
      controller.abort();
    };
    process.on('SIGINT', stop);
    let bar: ProgressBar | undefined;
    let phase: 'search' | 'learn' | undefined;
    try {
      const report = await learnFromHistory(bars, input, getEngine(), memory, {
        dataset: path.basename(file),
        timeframe: tfLabel,
        from,
        to,
        signal: controller.signal,
        onProgress: (ph, f) => {
          if (json.enabled || !io.interactive) return;
          if (ph !== phase) {
            bar?.done();
            phase = ph;
            bar = progressBar(io, ph === 'search' ? 'finding analogs' : 'learning');
          }
          bar!.update(f);
        },
      });
      bar?.done();
      const decisionsFile = stringFlag(args, 'decisions');
      if (decisionsFile) fs.writeFileSync(decisionsFile, decisionsCsv(report.rows));
      const threshold = thresholdSummary(memory.threshold(report.patternType));
      const stats = memory.stats();
      const out = {
        file,
        timeframe: tfLabel,
        ...input,
        ...learnTotals(report),
        threshold,
        memory: { experiences: stats.experiences, verdicts: stats.verdicts },
      } satisfies LearnOutput;
      if (json.enabled) {
        const text = JSON.stringify(out, null, 2) + '\n';
        if (json.file) fs.writeFileSync(json.file, text);
        else io.stdout(text);
      } else {
        const first = report.rows[0];
        const last = report.rows[report.rows.length - 1];
        io.stdout(
          [
            `${report.cancelled ? 'Stopped' : 'Learned'}: ${report.decisions} decisions on ${path.basename(file)} at ${tfLabel}${first && last ? `, ${formatTime(first.time)} to ${formatTime(last.time)}` : ''}.`,
            `${report.recorded} experiences recorded, ${report.judged} judged, ${report.pending} waiting for their horizon; ${report.trades} decisions traded, the rest stood aside.`,
            `${report.patternType}: similarity threshold ${threshold.similarityThreshold.toFixed(2)}, success rate ${(threshold.successRate * 100).toFixed(1)}%, calibration error ${threshold.calibrationError.toFixed(3)} after ${threshold.version} verdicts.`,
            `The memory in ${dataDir} now holds ${stats.experiences} experiences and ${stats.verdicts} verdicts.`,
            ...(decisionsFile ? [`Decisions written to ${decisionsFile}.`] : []),
          ].join('\n') + '\n',
        );
      }
      return report.cancelled ? 1 : 0;
    } catch (err) {
      bar?.done();
      if (err instanceof WarpdeskError && err.code === 'Cancelled') return 1;
      throw err;
    } finally {
      process.off('SIGINT', stop);
      memory.close();
    }
  },
};
