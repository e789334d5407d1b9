/**
 * Turns target positions into per-bar net returns, an equity curve and a trade list.
 *
 * Timing (explicit): target[t] is decided at bar t's close.
 *  - execution 'next-open': it fills at bar t+1's open. Bar t+1's return compounds the overnight gap
 *    close[t] -> open[t+1] with the old position, the trading cost on |new - old|, then open -> close with
 *    the new position.
 *  - execution 'close': it fills at bar t's own close; bar t+1's return is new position * close-to-close
 *    after the cost.
 * Positions are fractions of equity (1 = fully invested long, -1 = fully short), rebalanced per bar.
 * Cost per unit of position traded = (commissionBps + slippageBps) / 10,000.
 * Must never look at a bar beyond the one being settled.
 */
import type { Bars } from '../../shared/market';
import type { BacktestParams, Trade } from '../../shared/contract/backtest';

export interface Simulation {
  /** Net return of each bar (0 for bar 0). */
  ret: Float64Array;
  /** Equity at each bar's close, starting at 1. */
  equity: Float64Array;
  /** Position held over (most of) each bar. */
  held: Float64Array;
  /** |position change| traded during each bar. */
  traded: Float64Array;
  trades: Trade[];
}

export type CostParams = Pick<BacktestParams, 'execution' | 'commissionBps' | 'slippageBps'>;

export function simulate(bars: Bars, target: Float64Array, p: CostParams): Simulation {
  const n = bars.close.length;
  const close = bars.close;
  const open = bars.open;
  const ret = new Float64Array(n);
  const equity = new Float64Array(n);
  const held = new Float64Array(n);
  const traded = new Float64Array(n);
  const trades: Trade[] = [];
  const c = (p.commissionBps + p.slippageBps) / 10_000;
  let eq = 1;
  if (n > 0) equity[0] = 1;

  // Open trade bookkeeping.
  let cur: { side: 1 | -1; entryIndex: number; entryPrice: number; growth: number; sizeSum: number; bars: number } | null = null;
  const closeTrade = (exitIndex: number, exitPrice: number, isOpen: boolean): void => {
    if (!cur) return;
    trades.push({
      side: cur.side === 1 ? 'long' : 'short',
      entryIndex: cur.entryIndex,
      exitIndex,
      entryTime: bars.time[cur.entryIndex]!,
      exitTime: bars.time[exitIndex]!,
      entryPrice: cur.entryPrice,
      exitPrice,
      size: cur.bars > 0 ? cur.sizeSum / cur.bars : 0,
      bars: cur.bars,
      netReturn: cur.growth - 1,
      open: isOpen,
    });
    cur = null;
  };

  for (let i = 1; i < n; i++) {
    const oldPos = i >= 2 ? target[i - 2]! : 0;
    const newPos = target[i - 1]!;
    const prevClose = close[i - 1]!;
    let fillPrice: number;
    let gapFactor: number;
    let dayFactor: number;
    if (p.execution === 'next-open') {
      const o = open[i]!;
      fillPrice = Number.isFinite(o) && o > 0 ? o : prevClose;
      gapFactor = 1 + oldPos * (fillPrice / prevClose - 1);
      dayFactor = 1 + newPos * (close[i]! / fillPrice - 1);
    } else {
      fillPrice = prevClose;
      gapFactor = 1;
      dayFactor = 1 + newPos * (close[i]! / prevClose - 1);
    }
    const delta = Math.abs(newPos - oldPos);
    // A flip is a close plus an open (charged as two fills, so trades and equity agree exactly).
    const flip = oldPos * newPos < 0;
    const costFactor = flip ? (1 - c * Math.abs(oldPos)) * (1 - c * Math.abs(newPos)) : 1 - c * delta;
    const factor = gapFactor * costFactor * dayFactor;
    eq *= factor;
    ret[i] = factor - 1;
    equity[i] = eq;
    held[i] = newPos;
    traded[i] = delta;

    // Trades: a trade is a maximal run of same-signed position.
    const oldSign = Math.sign(oldPos);
    const newSign = Math.sign(newPos);
    if (cur) cur.growth *= gapFactor;
    if (oldSign !== newSign) {
      if (cur) {
        cur.growth *= 1 - c * Math.abs(oldPos);
        closeTrade(i, fillPrice, false);
      }
      if (newSign !== 0) {
        cur = { side: newSign as 1 | -1, entryIndex: i, entryPrice: fillPrice, growth: 1 - c * Math.abs(newPos), sizeSum: 0, bars: 0 };
      }
    } else if (cur) {
      cur.growth *= costFactor;
    }
    if (cur) {
      cur.growth *= dayFactor;
      cur.sizeSum += Math.abs(newPos);
      cur.bars++;
    }
  }
  if (cur) closeTrade(n - 1, close[n - 1]!, true);
  return { ret, equity, held, traded, trades };
}
