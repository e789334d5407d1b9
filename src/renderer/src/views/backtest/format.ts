// Display helpers of the Backtest view: percentages, numbers, run labels, metric rows with their units.
import type { BacktestResult, Metrics, Session } from '../../../../shared/contract';

export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(2)} %`);
export const num = (x: number | null | undefined, d = 2): string => (x === null || x === undefined ? '–' : x.toFixed(d));
/** Which run a result is: "learning" (threshold adapts from judged outcomes) or "baseline" (fixed threshold). */
export const runLabel = (r: BacktestResult): 'learning' | 'baseline' => (r.params.learning ? 'learning' : 'baseline');
export const RUN_COLORS = { main: '#4a90e2', twin: '#f5a623' } as const;

/** Mean bar spacing in days, to say a drawdown of N bars as about so many calendar days. */
export function daysPerBar(time: readonly number[]): number {
  const n = time.length;
  return n > 1 ? (time[n - 1]! - time[0]!) / (n - 1) / 86_400_000 : 1;
}

export interface MetricRow {
  name: string;
  tip: string;
  show: (m: Metrics, dayPerBar: number) => string;
}

const days = (d: number): string => (d >= 1.5 ? `≈ ${Math.round(d).toLocaleString()} days` : d >= 0.75 ? '≈ 1 day' : d >= 1 / 24 ? `≈ ${(d * 24).toFixed(0)} h` : `≈ ${Math.max(1, Math.round(d * 1440))} min`);

export const METRIC_ROWS: MetricRow[] = [
  { name: 'Total return', tip: 'Growth of the equity from the first decision to the replay position, costs included.', show: (m) => pct(m.totalReturn) },
  { name: 'CAGR', tip: 'Compound annual growth rate over the calendar span measured.', show: (m) => (m.cagr === null ? '–' : `${pct(m.cagr)} / yr`) },
  { name: 'Volatility', tip: 'Annualised standard deviation of the bar returns.', show: (m) => `${pct(m.annualVol)} / yr` },
  { name: 'Sharpe', tip: 'Mean over standard deviation of the bar returns, annualised (risk-free rate 0).', show: (m) => num(m.sharpe) },
  { name: 'Sortino', tip: 'Like Sharpe, but only downside deviation counts as risk.', show: (m) => num(m.sortino) },
  { name: 'Max drawdown', tip: 'Deepest fall of the equity below its previous peak.', show: (m) => pct(m.maxDrawdown) },
  {
    name: 'Longest drawdown',
    tip: 'Longest time the equity stayed below its previous peak, in bars and about how many calendar days.',
    show: (m, d) => `${m.maxDrawdownBars.toLocaleString()} ${m.maxDrawdownBars === 1 ? 'bar' : 'bars'} (${m.maxDrawdownBars === 0 ? 'none' : days(m.maxDrawdownBars * d)})`,
  },
  { name: 'Calmar', tip: 'CAGR divided by the maximum drawdown.', show: (m) => num(m.calmar) },
  { name: 'Hit rate', tip: 'Share of closed trades with a positive net return.', show: (m) => pct(m.hitRate) },
  { name: 'Profit factor', tip: 'Gross profit of the trades divided by their gross loss.', show: (m) => num(m.profitFactor) },
  { name: 'Exposure', tip: 'Average size of the position held, as a share of the equity (100 % = always fully in the market).', show: (m) => pct(m.exposure) },
  { name: 'Turnover', tip: 'Sum of all position changes, in multiples of the equity (a round trip at full size is 2×).', show: (m) => `${m.turnover.toFixed(1)}×` },
  { name: 'Trades', tip: 'Trades entered after the first decision and closed by the replay position (at the end: all of them).', show: (m) => m.trades.toLocaleString() },
];

/** Whose trades are marked on the chart and listed: the session's main run or its learning/baseline twin. */
export type MarkersOf = 'main' | 'twin';

/** The run whose trades are marked (the twin only when the session has one) and its colour; null without a session. */
export function markedRun(session: Session | null, markersOf: MarkersOf): { run: BacktestResult; color: string } | null {
  if (!session) return null;
  return markersOf === 'twin' && session.compare ? { run: session.compare, color: RUN_COLORS.twin } : { run: session.result, color: RUN_COLORS.main };
}

/**
 * One grid axis typed by the user ("16, 32,48"; the sweep and the Evaluate view): its numbers in order, or null when the list is empty
 * or holds something that is not a (whole, when `integer`) number. Empty items between commas are skipped.
 */
export function parseList(text: string, integer: boolean): number[] | null {
  const v = text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x)
    .map(Number);
  return v.length > 0 && v.every((x) => Number.isFinite(x) && (!integer || Number.isInteger(x))) ? v : null;
}
