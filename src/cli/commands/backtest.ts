/**
 * `warpdesk backtest`: a walk-forward backtest of the analog signal over a CSV file, with the same engine
 * (and, with --memory, the same pattern memory) as the app. --evaluate runs the one evaluation
 * (`warpdesk evaluate`, src/cli/commands/evaluate.ts) on this file.
 * Progress bar + ETA on a terminal (stderr); quiet machine output with --json.
 */
import fs from 'node:fs';
import type { BacktestParamsInput, BacktestResult, Metrics, Trade } from '../../shared/contract/backtest';
import { isTimeframe, TIMEFRAMES, type Timeframe } from '../../shared/market';
import { detectTimeframe, formatTime } from '../../main/data';
import { getEngine } from '../../main/engine';
import { loadBacktestBars, parseParams, runBacktestAsync } from '../../main/backtest';
import { decisionsCsv, type DecisionRow } from '../../main/strategy';
import { boolFlag, EXCLUSION_FLAG, exclusionFlag, intFlag, jsonTarget, numberFlag, requiredString, stringFlag, UsageError, type ParsedArgs } from '../args';
import type { Command } from '../command';
import { progressBar } from '../progress';
import { csvOptionsFromArgs, DATA_FILE_FLAGS } from '../data-file';
import { EVALUATE_FLAGS, runEvaluateCommand } from './evaluate';

/** `backtest --evaluate ...` as `evaluate ...`: the flags both know, --resamples as --samples. */
function evaluateArgs(args: ParsedArgs): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  for (const [k, v] of Object.entries(args.flags)) {
    if (k === 'resamples') flags['samples'] = v;
    else if (k === 'threshold' || k in EVALUATE_FLAGS || k === 'json') flags[k] = v;
  }
  return { flags, positionals: args.positionals };
}

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | null, d = 2): string => (x === null ? '-' : x.toFixed(d));

export function backtestParamsFromArgs(args: ParsedArgs): BacktestParamsInput {
  const p: BacktestParamsInput = {
    window: intFlag(args, 'window', 32, 4, 1024),
    top: intFlag(args, 'top', 10, 1, 100),
    horizon: intFlag(args, 'horizon', 5, 1, 1000),
    step: intFlag(args, 'step', 1, 1, 10_000),
    maxHistory: intFlag(args, 'max-history', 0, 0),
    threshold: numberFlag(args, 'threshold', 0.6),
    bandRatio: numberFlag(args, 'window-ratio', 0.1),
    exclusionZone: exclusionFlag(args),
    commissionBps: numberFlag(args, 'commission', 1),
    slippageBps: numberFlag(args, 'slippage', 1),
    seed: intFlag(args, 'seed', 1, 0, 2 ** 31 - 1),
    learning: boolFlag(args, 'learning'),
    allowShort: !boolFlag(args, 'long-only'),
  };
  const minHistory = stringFlag(args, 'min-history');
  if (minHistory !== undefined) p.minHistory = intFlag(args, 'min-history', 0, 0);
  const rep = stringFlag(args, 'representation');
  if (rep !== undefined) {
    if (rep !== 'price' && rep !== 'returns') throw new UsageError('Option --representation must be price or returns.');
    p.representation = rep;
  }
  const exec = stringFlag(args, 'execution');
  if (exec !== undefined) {
    if (exec !== 'next-open' && exec !== 'close') throw new UsageError('Option --execution must be next-open or close.');
    p.execution = exec;
  }
  const sizing = stringFlag(args, 'sizing');
  if (sizing !== undefined) {
    if (sizing !== 'fixed' && sizing !== 'confidence') throw new UsageError('Option --sizing must be fixed or confidence.');
    p.sizing = sizing;
  }
  const search = stringFlag(args, 'search');
  if (search !== undefined) {
    if (search !== 'auto' && search !== 'indexed' && search !== 'engine') throw new UsageError('Option --search must be auto, indexed or engine.');
    p.search = search;
  }
  const check = (ok: boolean, msg: string): void => {
    if (!ok) throw new UsageError(msg);
  };
  check(p.threshold! >= 0.5 && p.threshold! <= 1, 'Option --threshold must be between 0.5 and 1.');
  check(p.bandRatio! >= 0 && p.bandRatio! <= 1, 'Option --window-ratio must be between 0 and 1.');
  check(p.commissionBps! >= 0 && p.slippageBps! >= 0, 'Costs (--commission, --slippage) must be 0 or more basis points.');
  return p;
}

export function timeframeFromArgs(args: ParsedArgs): Timeframe | undefined {
  const tf = stringFlag(args, 'timeframe');
  if (tf === undefined) return undefined;
  if (!isTimeframe(tf)) throw new UsageError(`Option --timeframe must be one of ${TIMEFRAMES.join(', ')}.`);
  return tf;
}

export const BACKTEST_PARAM_FLAGS: Command['flags'] = {
  data: { type: 'string', description: 'CSV file (generic OHLCV, Yahoo, MetaTrader, TradingView, Excel exports, close-only)' },
  ...DATA_FILE_FLAGS,
  timeframe: { type: 'string', description: `resample first: ${TIMEFRAMES.join(', ')}` },
  window: { type: 'string', description: 'W: query length in bars (default 32)' },
  top: { type: 'string', description: 'k: analogs per decision (default 10)' },
  horizon: { type: 'string', description: 'H: bars over which analog outcomes (and the forecast) are measured (default 5)' },
  threshold: { type: 'string', description: 'share of analogs that must agree to trade, 0.5-1 (default 0.6)' },
  step: { type: 'string', description: 'search and decide every N bars, holding in between (default 1)' },
  'max-history': { type: 'string', description: 'search only the last N bars of eligible history (default 0 = all)' },
  'min-history': { type: 'string', description: 'bars of history before the first decision (default max(4W, 4k+W))' },
  representation: { type: 'string', description: 'price (z-normalized closes, default) or returns (z-normalized log returns)' },
  'window-ratio': { type: 'string', description: 'Sakoe-Chiba band as a fraction of the window W, 0-1 (default 0.1)' },
  ...EXCLUSION_FLAG,
  band: { type: 'string', description: '', replacedBy: 'the Sakoe-Chiba band is --window-ratio (a fraction of --window, e.g. --window-ratio 0.1)' },
  execution: { type: 'string', description: 'next-open (default: fill at the next bar open) or close (fill at the decision bar close)' },
  sizing: { type: 'string', description: 'fixed (default, |position| = 1) or confidence' },
  'long-only': { type: 'boolean', description: 'never go short' },
  commission: { type: 'string', description: 'commission in basis points per unit traded (default 1)' },
  slippage: { type: 'string', description: 'slippage in basis points per unit traded (default 1)' },
  search: { type: 'string', description: 'auto (default), engine (engine.searchTopK per decision, parallel) or indexed (exact TypeScript search pruned across decisions)' },
  seed: { type: 'string', description: 'seed of the random baseline and the bootstrap (default 1)' },
};

function metricsLines(m: Metrics): string[] {
  return [
    `  total return ${pct(m.totalReturn).padStart(10)}   CAGR ${pct(m.cagr).padStart(8)}   vol ${pct(m.annualVol).padStart(8)}`,
    `  Sharpe ${num(m.sharpe).padStart(6)}   Sortino ${num(m.sortino).padStart(6)}   Calmar ${num(m.calmar).padStart(6)}`,
    `  max drawdown ${pct(m.maxDrawdown)} lasting ${m.maxDrawdownBars} bars`,
    `  trades ${m.trades}   hit rate ${pct(m.hitRate)}   bar hit rate ${pct(m.barHitRate)}   profit factor ${num(m.profitFactor)}`,
    `  exposure ${pct(m.exposure)}   turnover ${m.turnover.toFixed(1)}`,
  ];
}

export function tradesCsv(trades: Trade[]): string {
  const lines = ['side,entry_time,exit_time,entry_price,exit_price,size,bars,net_return,open'];
  for (const t of trades) {
    lines.push([t.side, new Date(t.entryTime).toISOString(), new Date(t.exitTime).toISOString(), t.entryPrice, t.exitPrice, t.size, t.bars, t.netReturn, t.open].join(','));
  }
  return lines.join('\n') + '\n';
}

export const backtestCommand: Command = {
  name: 'backtest',
  summary: 'Walk-forward backtest of the analog signal (costs, metrics, trades); --evaluate compares learning honestly.',
  usage: 'warpdesk backtest --data FILE [--timeframe 1h] [--window 32] [--top 10] [--horizon 5] [--exclusion BARS] [--learning] [--evaluate] [--decisions FILE] [--json [out.json]] [--trades trades.csv]',
  flags: {
    ...BACKTEST_PARAM_FLAGS,
    learning: { type: 'boolean', description: 'the learning loop with adaptation on, in a scratch memory: record experiences, judge them when their horizon passes, adapt the gates' },
    decisions: { type: 'string', description: 'write every decision (time,signal,confidence,threshold) as CSV to this file' },
    evaluate: { type: 'boolean', description: 'the walk-forward evaluation, as `warpdesk evaluate` with this window, top and horizon (--folds, --embargo, --report too)' },
    resamples: { type: 'string', description: 'bootstrap resamples for --evaluate (default 2000)' },
    folds: EVALUATE_FLAGS['folds']!,
    embargo: EVALUATE_FLAGS['embargo']!,
    report: EVALUATE_FLAGS['report']!,
    workers: EVALUATE_FLAGS['workers']!,
    trades: { type: 'string', description: 'write the trade list as CSV to this file' },
  },
  async run(args, io) {
    if (boolFlag(args, 'evaluate')) return runEvaluateCommand(evaluateArgs(args), io);
    const file = requiredString(args, 'data');
    const timeframe = timeframeFromArgs(args);
    const input = backtestParamsFromArgs(args);
    const params = parseParams(input);
    const json = jsonTarget(args);
    const resamples = intFlag(args, 'resamples', 2000, 10, 1_000_000);
    const bars = loadBacktestBars(file, timeframe, csvOptionsFromArgs(args));
    const tfLabel = timeframe ?? detectTimeframe(bars.time); // the pattern type app searches on this data learn under
    const engine = getEngine();
    const bar = !json.enabled && io.interactive ? progressBar(io, 'backtesting') : undefined;

    const decisionsFile = stringFlag(args, 'decisions');
    const rows: DecisionRow[] = [];
    const result: BacktestResult = await runBacktestAsync(bars, input, engine, {
      onProgress: bar?.update,
      timeframe: tfLabel,
      walk: decisionsFile ? { onDecision: (d) => rows.push({ time: d.time, signal: d.signal, confidence: d.confidence, gate: d.gate }) } : undefined,
    });
    if (decisionsFile) fs.writeFileSync(decisionsFile, decisionsCsv(rows));
    bar?.done();
    const tradesFile = stringFlag(args, 'trades');
    if (tradesFile) fs.writeFileSync(tradesFile, tradesCsv(result.trades));
    if (json.enabled) {
      const out = JSON.stringify({ file, ...result }) + '\n';
      if (json.file) fs.writeFileSync(json.file, out);
      else io.stdout(out);
      return 0;
    }
    const n = result.barCount;
    const lines = [
      `${file}: ${n} bars at ${tfLabel}, ${formatTime(bars.time[0]!)} to ${formatTime(bars.time[n - 1]!)}.`,
      `W=${params.window} k=${params.top} H=${params.horizon} threshold ${params.threshold}${params.learning ? ' (learning)' : ''}, ${params.representation}, step ${params.step}, fills at ${params.execution}, costs ${params.commissionBps + params.slippageBps} bps per unit traded.`,
      `${result.searches} decisions from ${result.firstDecision >= 0 ? formatTime(bars.time[result.firstDecision]!) : '-'} in ${(result.elapsedMs / 1000).toFixed(2)} s (${result.backend}).`,
      '',
      ...metricsLines(result.metrics),
    ];
    if (tradesFile) lines.push('', `Trades written to ${tradesFile}.`);
    io.stdout(lines.join('\n') + '\n');
    return 0;
  },
};
