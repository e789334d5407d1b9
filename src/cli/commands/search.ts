/**
 * `warpdesk search`: the app's analog search and decision, headless, through the same learning loop. Loads a
 * CSV, optionally resamples, takes the last N bars up to --end as the query, and prints the analogs (those below
 * the learned similarity threshold marked), what followed them and the gated decision. The gates come from the
 * workspace memory (read-only unless --record); `--record` records the decision as an experience there and
 * judges what is due, as the app does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WarpdeskError } from '../../shared/errors';
import { isTimeframe, TIMEFRAMES, type Timeframe } from '../../shared/market';
import { detectTimeframe, formatTime, loadCsvFile, parseDateTime, resample } from '../../main/data';
import { getEngine } from '../../main/engine';
import { MEMORY_FILE, openMemory, staticKeyProvider, generateKey, type Memory } from '../../main/memory';
import { resolveDataDir } from '../../main/platform/workspace';
import { decideLive, parseStrategyParams, patternTypeFor } from '../../main/strategy';
import { boolFlag, EXCLUSION_FLAG, exclusionFlag, intFlag, jsonTarget, numberFlag, requiredString, stringFlag, UsageError } from '../args';
import type { Command } from '../command';
import type { SearchOutput } from '../outputs';
import { progressBar } from '../progress';
import { csvOptionsFromArgs, DATA_FILE_FLAGS } from '../data-file';

function pct(x: number | null): string {
  return x === null ? '-' : `${(x * 100).toFixed(2)}%`;
}

const REASONS: Record<string, string> = {
  trade: 'trade',
  'no-analogs': 'stand aside: no analog above the similarity threshold',
  'below-gate': 'stand aside: confidence below the gate',
  'no-edge': 'stand aside: the majority and the mean disagree (or no edge)',
  'no-shorts': 'stand aside: shorts not allowed',
};

export const searchCommand: Command = {
  name: 'search',
  summary: 'Find the analogs of the last N bars, forecast and decide through the learning loop (--record: into the memory).',
  usage:
    'warpdesk search --data FILE --length N --top K [--end DATE] [--timeframe TF] [--window-ratio R] [--horizon H] [--exclusion BARS] [--columns close=NAME] [--date-order dmy|mdy] [--record] [--data-dir DIR] [--json [FILE]]',
  flags: {
    data: { type: 'string', description: 'CSV file (generic OHLCV, Yahoo, MetaTrader, TradingView, Excel exports, close-only)' },
    ...DATA_FILE_FLAGS,
    length: { type: 'string', description: 'query length in bars (default 32)' },
    window: { type: 'string', description: 'the same as --length: the query window in bars' },
    top: { type: 'string', description: 'number of analogs (default 10)' },
    end: { type: 'string', description: 'the query ends at the last bar at or before this date (default: the last bar)' },
    timeframe: { type: 'string', description: `resample first: ${TIMEFRAMES.join(', ')}` },
    'window-ratio': { type: 'string', description: 'Sakoe-Chiba band as a fraction of the length, 0-1 (default 0.1)' },
    ...EXCLUSION_FLAG,
    horizon: { type: 'string', description: 'bars after each analog to measure what followed (default 10)' },
    record: { type: 'boolean', description: 'record the decision as an experience in the workspace memory (and judge what is due)' },
  },
  async run(args, io) {
    const file = requiredString(args, 'data');
    const windowText = stringFlag(args, 'window');
    if (windowText !== undefined && !/^\d+$/.test(windowText.trim())) {
      throw new UsageError(`Option --window is the query length in bars (as in backtest and learn), got "${windowText}"; the Sakoe-Chiba band as a fraction is --window-ratio (e.g. --window-ratio ${windowText}).`);
    }
    if (windowText !== undefined && stringFlag(args, 'length') !== undefined && Number(windowText) !== Number(stringFlag(args, 'length'))) {
      throw new UsageError('Options --length and --window both set the query length in bars; give one.');
    }
    const length = windowText !== undefined ? intFlag(args, 'window', 32, 2, 100_000) : intFlag(args, 'length', 32, 2, 100_000);
    const k = intFlag(args, 'top', 10, 1, 100);
    const horizon = intFlag(args, 'horizon', 10, 1, 100_000);
    const windowRatio = numberFlag(args, 'window-ratio', 0.1);
    const record = boolFlag(args, 'record');
    if (windowRatio < 0 || windowRatio > 1) throw new UsageError('Option --window-ratio must be between 0 and 1.');
    const tfText = stringFlag(args, 'timeframe');
    if (tfText !== undefined && !isTimeframe(tfText)) throw new UsageError(`Option --timeframe must be one of ${TIMEFRAMES.join(', ')}.`);
    if (!fs.existsSync(file)) throw new WarpdeskError('NotFound', `The file ${file} does not exist.`);
    const parsed = loadCsvFile(file, csvOptionsFromArgs(args));
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
    if (length > queryEnd + 1) throw new WarpdeskError('InvalidInput', `The query of ${length} bars is longer than the ${queryEnd + 1} bars up to its end.`);
    const queryStart = queryEnd - length + 1;
    const dataDir = resolveDataDir(stringFlag(args, 'data-dir'));
    // Without --record the gates are read from an existing memory (read-only) or, with none, the initial ones.
    let memory: Memory;
    let scratch: string | null = null;
    if (record) memory = await openMemory({ dataDir });
    else if (fs.existsSync(path.join(dataDir, MEMORY_FILE))) memory = await openMemory({ dataDir, readonly: true });
    else {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-search-'));
      memory = await openMemory({ dataDir: scratch, keyProvider: staticKeyProvider([generateKey()]) });
    }
    const dataset = path.basename(file);
    const json = jsonTarget(args);
    const bar = !json.enabled && io.interactive ? progressBar(io, 'searching') : undefined;
    const engine = getEngine();
    const params = parseStrategyParams({ window: length, top: k, horizon, bandRatio: windowRatio, exclusionZone: exclusionFlag(args), representation: 'price', learning: true });
    const patternType = patternTypeFor(timeframe);
    const t0 = performance.now();
    let live;
    try {
      live = await decideLive({
        engine,
        memory,
        bars,
        t: queryEnd,
        params,
        patternType,
        dataset,
        timeframe,
        record,
        barsFor: (e) => (e.dataset === dataset && e.timeframe === timeframe ? bars : null),
        context: { queryStart, queryEnd, windowRatio },
        async: { onProgress: bar?.update },
      });
    } finally {
      memory.close();
      if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    }
    const elapsedMs = performance.now() - t0;
    bar?.done();
    const d = live.decision;
    const analogs = d.analogs.map((a) => ({ ...a, startTime: bars.time[a.start]!, endTime: bars.time[a.end]!, admitted: a.similarity >= d.similarityThreshold }));
    if (json.enabled) {
      const out =
        JSON.stringify(
          {
            file,
            read: { format: parsed.format, delimiter: parsed.delimiter, decimal: parsed.decimal, dateOrder: parsed.dateOrder, skippedRows: parsed.skippedRows, reversed: parsed.reversed, notes: parsed.notes },
            timeframe,
            queryStart: bars.time[queryStart],
            queryEnd: bars.time[queryEnd],
            horizon,
            backend: engine.backend,
            candidates: live.candidates,
            elapsedMs,
            analogs,
            forecast: d.forecast,
            decision: { signal: d.signal, reason: d.reason, confidence: d.confidence, gate: d.gate, similarityThreshold: d.similarityThreshold, size: d.size },
            experienceId: d.experienceId,
            judgedAtOnce: live.judgedAtOnce,
            settled: live.settled,
          } satisfies SearchOutput,
          null,
          2,
        ) + '\n';
      if (json.file) fs.writeFileSync(json.file, out);
      else io.stdout(out);
      return 0;
    }
    const f = d.forecast;
    const lines = [
      ...parsed.notes,
      `Query: ${length} bars at ${timeframe}, ${formatTime(bars.time[queryStart]!)} to ${formatTime(bars.time[queryEnd]!)}; ${live.candidates} candidates searched in ${elapsedMs.toFixed(1)} ms (${engine.backend}, ${engine.simdLevel()}).`,
      '',
      ` #  ${'start'.padEnd(16)}  ${'end'.padEnd(16)}  similarity  distance    next ${horizon} bars`,
      ...analogs.map(
        (m, i) =>
          `${String(i + 1).padStart(2)}  ${formatTime(m.startTime).padEnd(16)}  ${formatTime(m.endTime).padEnd(16)}  ${m.similarity.toFixed(4).padStart(10)}  ${m.distance.toFixed(3).padStart(8)}  ${pct(m.forwardReturn).padStart(12)}${m.admitted ? '' : '  below threshold'}`,
      ),
      '',
      f.admitted > 0
        ? `What followed (${f.admitted} analogs at or above similarity ${d.similarityThreshold.toFixed(2)}, ${f.belowThreshold} below): mean ${pct(f.mean)}, median ${pct(f.median)}, ${pct(f.upShare)} up.`
        : `What followed: no analog reaches the similarity threshold ${d.similarityThreshold.toFixed(2)}.`,
      `Decision: ${d.signal} (${REASONS[d.reason]}); confidence ${pct(d.confidence)}, gate ${d.gate > 1 ? 'closed' : pct(d.gate)}.`,
      record ? (d.experienceId ? `Recorded experience ${d.experienceId}${live.judgedAtOnce ? ', judged at once' : ''}; ${live.settled} earlier experiences judged.` : 'Nothing recorded: the analogs give no view.') : '',
    ].filter((l, i, all) => l !== '' || i < all.length - 1);
    io.stdout(lines.join('\n') + '\n');
    return 0;
  },
};
