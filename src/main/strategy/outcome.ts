/**
 * The realized outcome of a decision at bar `end` over `horizon` bars, from the bars (the only place outcomes
 * are computed): realized return = close[end + H] / close[end] − 1; MAE = the worst move against the view over
 * the horizon (lows for long, highs for short, both for flat) relative to close[end]; time to target = the first
 * bar whose favourable extreme reaches |target| (null without a target, or if never). Null while the data ends
 * before end + H. Reads bars end..end + H only.
 */
import type { Bars } from '../../shared/market';
import type { OutcomeInput, Signal } from '../memory';

export function outcomeFromBars(bars: Bars, end: number, horizon: number, signal: Signal, target: number | null): OutcomeInput | null {
  const n = bars.time.length;
  if (end < 0 || end + horizon >= n) return null;
  const c0 = bars.close[end]!;
  if (!(c0 > 0)) return null;
  let worstLow = Infinity;
  let worstHigh = -Infinity;
  let timeToTarget: number | null = null;
  const t = target === null ? 0 : Math.abs(target);
  for (let k = 1; k <= horizon; k++) {
    const lo = Math.min(bars.low[end + k]!, bars.close[end + k]!);
    const hi = Math.max(bars.high[end + k]!, bars.close[end + k]!);
    if (lo < worstLow) worstLow = lo;
    if (hi > worstHigh) worstHigh = hi;
    if (timeToTarget === null && t > 1e-9 && signal !== 'flat') {
      const favourable = signal === 'long' ? hi / c0 - 1 : 1 - lo / c0;
      if (favourable >= t) timeToTarget = k;
    }
  }
  const down = Math.max(0, 1 - worstLow / c0);
  const up = Math.max(0, worstHigh / c0 - 1);
  const mae = signal === 'long' ? down : signal === 'short' ? up : Math.max(down, up);
  return { realizedReturn: Math.max(-0.999999, bars.close[end + horizon]! / c0 - 1), mae, timeToTarget };
}
