/**
 * Metrics of a saved run up to a replay position: what the Backtest view shows while it replays bar by bar,
 * so the table never reports bars the replay has not reached. Rebuilds the simulation's per-bar series from
 * the stored result (ret from equity, traded from position changes) and measures them with computeMetrics,
 * counting only trades closed by that bar. Pure. Must never: look past `upto`.
 */
import type { BacktestResult, Metrics } from '../../shared/contract/backtest';
import { computeMetrics, periodsPerYear } from './metrics';

export function metricsUpTo(r: BacktestResult, upto: number): Metrics {
  const n = r.equity.length;
  const end = Math.max(0, Math.min(n, Math.floor(upto) + 1));
  const ret = new Float64Array(n);
  const held = new Float64Array(n);
  const traded = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    ret[i] = r.equity[i]! / r.equity[i - 1]! - 1;
    held[i] = r.position[i]!;
    traded[i] = Math.abs(r.position[i]! - r.position[i - 1]!);
  }
  const time = Float64Array.from(r.time);
  // The final metrics count every trade entered in range, the last one possibly still open at the data's end;
  // before the end, only trades already closed at `upto` are known.
  const trades = end >= n ? r.trades : r.trades.filter((t) => !t.open && t.exitIndex <= upto);
  const start = r.firstDecision < 0 ? n : r.firstDecision + 1;
  return computeMetrics({ time, ret, held, traded, trades, start, end, periodsPerYear: periodsPerYear(time) });
}
