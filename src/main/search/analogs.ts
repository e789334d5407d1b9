/**
 * Analog search: given bars and a query range, finds the top-k most similar EARLIER windows of the same
 * series under z-normalized DTW (Sakoe-Chiba window), and measures what followed each one. Used by the app,
 * the CLI and (through the same engine) the backtester.
 *
 * No look-ahead: candidates end before the query starts, and "what followed" is measured only with bars up
 * to the query's last bar (a match too recent for its full horizon reports null).
 */
import { WarpdeskError } from '../../shared/errors';
import type { SearchMatchInfo } from '../../shared/contract';
import type { Bars } from '../../shared/market';
import { similarityFromDistance } from '../../shared/numerics';
import type { AsyncOptions, PatternEngine } from '../engine/types';

export interface AnalogQuery {
  /** Inclusive bar indices of the query. */
  queryStart: number;
  queryEnd: number;
  k: number;
  /** Sakoe-Chiba window as a fraction of the query length. */
  windowRatio: number;
  horizon: number;
}

export interface AnalogResult {
  backend: string;
  simdLevel: string;
  queryLength: number;
  window: number;
  candidates: number;
  elapsedMs: number;
  matches: SearchMatchInfo[];
  forward: { mean: number | null; median: number | null; positiveShare: number | null; count: number };
}


export function validateQuery(bars: Bars, q: AnalogQuery): void {
  const n = bars.close.length;
  if (!Number.isInteger(q.queryStart) || !Number.isInteger(q.queryEnd) || q.queryStart < 0 || q.queryEnd >= n || q.queryEnd <= q.queryStart) {
    throw new WarpdeskError('InvalidInput', `The query must be a range of at least two bars inside the ${n} bars shown (got ${q.queryStart} to ${q.queryEnd}).`);
  }
  const m = q.queryEnd - q.queryStart + 1;
  if (q.queryStart < m) {
    throw new WarpdeskError('InvalidInput', `There is not enough history before the query: a ${m}-bar query needs at least ${m} earlier bars, and only ${q.queryStart} exist.`);
  }
}

export async function findAnalogs(engine: PatternEngine, bars: Bars, q: AnalogQuery, async: AsyncOptions = {}): Promise<AnalogResult> {
  validateQuery(bars, q);
  const m = q.queryEnd - q.queryStart + 1;
  const window = Math.ceil(q.windowRatio * m);
  const history = bars.close.subarray(0, q.queryStart);
  const query = bars.close.subarray(q.queryStart, q.queryEnd + 1);
  const candidates = history.length - m + 1;
  const t0 = performance.now();
  const found = await engine.searchTopKAsync(history, query, { window, k: q.k, znormalize: true, exclusionZone: Math.floor(m / 2), ...async });
  const elapsedMs = performance.now() - t0;
  const matches: SearchMatchInfo[] = found.map((f) => {
    const end = f.index + m - 1;
    const after = end + q.horizon;
    const forwardReturn = after <= q.queryEnd ? bars.close[after]! / bars.close[end]! - 1 : null;
    return {
      start: f.index,
      end,
      startTime: bars.time[f.index]!,
      endTime: bars.time[end]!,
      distance: f.distance,
      similarity: similarityFromDistance(f.distance, m),
      forwardReturn,
    };
  });
  return { backend: engine.backend, simdLevel: engine.simdLevel(), queryLength: m, window, candidates, elapsedMs, matches, forward: summarizeForward(matches) };
}

export function summarizeForward(matches: SearchMatchInfo[]): AnalogResult['forward'] {
  const rets = matches.map((m) => m.forwardReturn).filter((r): r is number => r !== null);
  if (rets.length === 0) return { mean: null, median: null, positiveShare: null, count: 0 };
  const sorted = [...rets].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    mean: rets.reduce((a, b) => a + b, 0) / rets.length,
    median,
    positiveShare: rets.filter((r) => r > 0).length / rets.length,
    count: rets.length,
  };
}
