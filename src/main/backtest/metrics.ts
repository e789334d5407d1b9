/**
 * Performance metrics of a strategy over a bar range, from per-bar net returns. Pure arithmetic, no I/O.
 *
 * Conventions: risk-free rate 0; annualization by `periodsPerYear` estimated from the data's own bar
 * spacing (bars per 365.25 days of the whole series), so daily equities get ~252 and 30-minute FX ~12,500;
 * Sharpe = mean/std (sample std, n-1) * sqrt(ppy); Sortino = mean / sqrt(mean(min(r,0)^2)) * sqrt(ppy);
 * drawdowns from the equity curve rebased to 1 at the range start; CAGR over the calendar span of the
 * range; profit factor = gross profit / gross loss over the trades entered in the range (null without
 * losses). Ratios that are undefined (zero deviation, no trades, no span) are null, never Infinity/NaN.
 */
import type { Metrics, Trade } from '../../shared/contract/backtest';

const YEAR_MS = 365.25 * 86_400_000;

/** Bars per year implied by the series' own time span. */
export function periodsPerYear(time: Float64Array): number {
  const n = time.length;
  if (n < 2) return 252;
  const span = time[n - 1]! - time[0]!;
  if (!(span > 0)) return 252;
  return ((n - 1) / span) * YEAR_MS;
}

export interface MetricsInput {
  time: Float64Array;
  ret: Float64Array;
  held: Float64Array;
  traded: Float64Array;
  trades: Trade[];
  /** Bars [start, end) are measured; ret[start] is the first return counted. */
  start: number;
  end: number;
  periodsPerYear: number;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function computeMetrics(m: MetricsInput): Metrics {
  const { ret, held, traded, time } = m;
  const start = Math.max(0, m.start);
  const end = Math.min(ret.length, m.end);
  const count = Math.max(0, end - start);
  let eq = 1;
  let peak = 1;
  let maxDd = 0;
  let underwater = 0;
  let maxUnder = 0;
  let sum = 0;
  let downSq = 0;
  let exposure = 0;
  let turnover = 0;
  let exposedBars = 0;
  let exposedWins = 0;
  for (let i = start; i < end; i++) {
    const r = ret[i]!;
    sum += r;
    if (r < 0) downSq += r * r;
    eq *= 1 + r;
    if (eq >= peak) {
      peak = eq;
      underwater = 0;
    } else {
      underwater++;
      if (underwater > maxUnder) maxUnder = underwater;
      const dd = eq / peak - 1;
      if (dd < maxDd) maxDd = dd;
    }
    const h = Math.abs(held[i]!);
    exposure += h;
    turnover += traded[i]!;
    if (h > 0) {
      exposedBars++;
      if (r > 0) exposedWins++;
    }
  }
  const mean = count > 0 ? sum / count : 0;
  let varSum = 0;
  for (let i = start; i < end; i++) varSum += (ret[i]! - mean) ** 2;
  const std = count > 1 ? Math.sqrt(varSum / (count - 1)) : 0;
  const downDev = count > 0 ? Math.sqrt(downSq / count) : 0;
  const ppy = m.periodsPerYear;
  const totalReturn = eq - 1;
  const spanStart = start > 0 ? time[start - 1]! : (time[start] ?? 0);
  const spanEnd = end > 0 ? time[end - 1]! : 0;
  const years = (spanEnd - spanStart) / YEAR_MS;
  const cagr = years > 0 && eq > 0 ? Math.pow(eq, 1 / years) - 1 : null;
  const sharpe = std > 0 ? (mean / std) * Math.sqrt(ppy) : null;
  const sortino = downDev > 0 ? (mean / downDev) * Math.sqrt(ppy) : null;
  const calmar = cagr !== null && maxDd < 0 ? cagr / Math.abs(maxDd) : null;

  const trades = m.trades.filter((t) => t.entryIndex >= start && t.entryIndex < end);
  let wins = 0;
  let grossWin = 0;
  let grossLoss = 0;
  for (const t of trades) {
    if (t.netReturn > 0) {
      wins++;
      grossWin += t.netReturn;
    } else grossLoss -= t.netReturn;
  }
  return {
    bars: count,
    totalReturn,
    cagr: cagr === null ? null : finite(cagr),
    annualVol: std * Math.sqrt(ppy),
    sharpe: sharpe === null ? null : finite(sharpe),
    sortino: sortino === null ? null : finite(sortino),
    maxDrawdown: maxDd,
    maxDrawdownBars: maxUnder,
    calmar: calmar === null ? null : finite(calmar),
    hitRate: trades.length > 0 ? wins / trades.length : null,
    barHitRate: exposedBars > 0 ? exposedWins / exposedBars : null,
    profitFactor: grossLoss > 0 ? grossWin / grossLoss : null,
    exposure: count > 0 ? exposure / count : 0,
    turnover,
    trades: trades.length,
  };
}
