/**
 * `warpdesk search`: the app's first pattern search, headless. Loads a CSV, optionally resamples, takes the
 * last N bars up to --end as the query, and prints the top-k earlier analogs with what followed them.
 */
import fs from 'node:fs';
import { WarpdeskError } from '../../shared/errors';
import { isTimeframe, TIMEFRAMES, type Timeframe } from '../../shared/market';
import { detectTimeframe, formatTime, loadCsvFile, parseDateTime, resample } from '../../main/data';
import { getEngine } from '../../main/engine';
import { findAnalogs } from '../../main/search';
import { intFlag, jsonTarget, numberFlag, requiredString, stringFlag, UsageError } from '../args';
import type { Command } from '../command';
import { progressBar } from '../progress';

function pct(x: number | null): string {
  return x === null ? '-' : `${(x * 100).toFixed(2)}%`;
}

export const searchCommand: Command = {
  name: 'search',
  summary: 'Find the top-k earlier windows most similar to the last N bars (z-normalized DTW).',
  usage: 'warpdesk search --data FILE --length N --top K [--end DATE] [--timeframe TF] [--window R] [--horizon H] [--json [FILE]]',
  flags: {
    data: { type: 'string', description: 'CSV file (generic OHLCV, Yahoo, MetaTrader, TradingView or close-only)' },
    length: { type: 'string', description: 'query length in bars (default 32)' },
    top: { type: 'string', description: 'number of analogs (default 10)' },
    end: { type: 'string', description: 'the query ends at the last bar at or before this date (default: the last bar)' },
    timeframe: { type: 'string', description: `resample first: ${TIMEFRAMES.join(', ')}` },
    window: { type: 'string', description: 'Sakoe-Chiba window as a fraction of the length (default 0.1)' },
    horizon: { type: 'string', description: 'bars after each match to measure what followed (default 10)' },
  },
  async run(args, io) {
    const file = requiredString(args, 'data');
    const length = intFlag(args, 'length', 32, 2, 100_000);
    const k = intFlag(args, 'top', 10, 1, 100);
    const horizon = intFlag(args, 'horizon', 10, 1, 100_000);
    const windowRatio = numberFlag(args, 'window', 0.1);
    if (windowRatio < 0 || windowRatio > 1) throw new UsageError('Option --window must be between 0 and 1.');
    const tfText = stringFlag(args, 'timeframe');
    if (tfText !== undefined && !isTimeframe(tfText)) throw new UsageError(`Option --timeframe must be one of ${TIMEFRAMES.join(', ')}.`);
    if (!fs.existsSync(file)) throw new WarpdeskError('NotFound', `The file ${file} does not exist.`);
    const parsed = loadCsvFile(file);
    const native = detectTimeframe(parsed.bars.time);
    const timeframe: Timeframe = (tfText as Timeframe | undefined) ?? native;
    const bars = resample(parsed.bars, timeframe, native);
    let queryEnd = bars.time.length - 1;
    const endText = stringFlag(args, 'end');
    if (endText !== undefined) {
      const end = parseDateTime(endText);
      if (Number.isNaN(end)) throw new UsageError(`Option --end "${endText}" is not a date.`);
      while (queryEnd >= 0 && bars.time[queryEnd]! > end) queryEnd--;
      if (queryEnd < 0) throw new WarpdeskError('InvalidInput', `The data starts after ${endText}.`);
    }
    const json = jsonTarget(args);
    const bar = !json.enabled && io.interactive ? progressBar(io, 'searching') : undefined;
    const engine = getEngine();
    const result = await findAnalogs(engine, bars, { queryStart: queryEnd - length + 1, queryEnd, k, windowRatio, horizon }, { onProgress: bar?.update });
    bar?.done();
    if (json.enabled) {
      const out = JSON.stringify({ file, timeframe, queryStart: bars.time[queryEnd - length + 1], queryEnd: bars.time[queryEnd], horizon, ...result }, null, 2) + '\n';
      if (json.file) fs.writeFileSync(json.file, out);
      else io.stdout(out);
      return 0;
    }
    const lines = [
      `Query: ${length} bars at ${timeframe}, ${formatTime(bars.time[queryEnd - length + 1]!)} to ${formatTime(bars.time[queryEnd]!)}; window ${result.window} bars; ${result.candidates} candidates searched in ${result.elapsedMs.toFixed(1)} ms (${result.backend}, ${result.simdLevel}).`,
      '',
      ` #  ${'start'.padEnd(16)}  ${'end'.padEnd(16)}  similarity  distance    next ${horizon} bars`,
      ...result.matches.map(
        (m, i) =>
          `${String(i + 1).padStart(2)}  ${formatTime(m.startTime).padEnd(16)}  ${formatTime(m.endTime).padEnd(16)}  ${m.similarity.toFixed(4).padStart(10)}  ${m.distance.toFixed(3).padStart(8)}  ${pct(m.forwardReturn).padStart(12)}`,
      ),
      '',
      result.forward.count > 0
        ? `What followed: mean ${pct(result.forward.mean)}, median ${pct(result.forward.median)}, ${pct(result.forward.positiveShare)} positive (${result.forward.count} analogs).`
        : 'What followed: no analog has a complete horizon before the query.',
    ];
    io.stdout(lines.join('\n') + '\n');
    return 0;
  },
};
