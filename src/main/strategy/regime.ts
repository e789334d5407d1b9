/**
 * Causal volatility facts of the bar at t for the loop's variants: the standard deviation of the last n log
 * returns of the closes ending at t, and the volatility regime (the last W returns' volatility against the last
 * 8W's: 'hv' above, 'lv' at or below; null until 2W returns exist). Reads closes ≤ t only. Pure.
 */
import type { Bars } from '../../shared/market';

/** Sample standard deviation of the log returns close[i]/close[i−1], i in (t − n, t]; null with fewer than 2. */
export function recentVolatility(bars: Pick<Bars, 'close'>, t: number, n: number): number | null {
  const from = Math.max(1, t - n + 1);
  const m = t - from + 1;
  if (m < 2) return null;
  let sum = 0;
  let sq = 0;
  for (let i = from; i <= t; i++) {
    const a = bars.close[i - 1]!;
    const b = bars.close[i]!;
    const r = a > 0 && b > 0 ? Math.log(b / a) : 0;
    sum += r;
    sq += r * r;
  }
  const mean = sum / m;
  return Math.sqrt(Math.max(0, (sq - m * mean * mean) / (m - 1)));
}

export type VolatilityRegime = 'hv' | 'lv';

export function volatilityRegime(bars: Pick<Bars, 'close'>, t: number, window: number): VolatilityRegime | null {
  if (t < 2 * window) return null;
  const short = recentVolatility(bars, t, window);
  const long = recentVolatility(bars, t, 8 * window);
  if (short === null || long === null) return null;
  return short > long ? 'hv' : 'lv';
}
