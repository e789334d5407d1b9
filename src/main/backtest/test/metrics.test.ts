import { describe, expect, it } from 'vitest';
import { computeMetrics, periodsPerYear } from '../metrics';
import { simulate } from '../simulate';
import { barsFromCloses } from './util';

const DAY = 86_400_000;

describe('metrics', () => {
  it('matches hand-computed values on a 5-bar case', () => {
    // returns: bar1 +10%, bar2 -20%, bar3 +25%, bar4 0
    const ret = Float64Array.from([0, 0.1, -0.2, 0.25, 0]);
    const held = Float64Array.from([0, 1, 1, 1, 0]);
    const traded = Float64Array.from([0, 1, 0, 0, 1]);
    const time = Float64Array.from([0, 1, 2, 3, 4].map((i) => i * DAY));
    const m = computeMetrics({ time, ret, held, traded, trades: [], start: 1, end: 5, periodsPerYear: 252 });
    // equity 1.1, 0.88, 1.1, 1.1 -> total +10%
    expect(m.totalReturn).toBeCloseTo(0.1, 12);
    expect(m.maxDrawdown).toBeCloseTo(0.88 / 1.1 - 1, 12); // -20%
    expect(m.maxDrawdownBars).toBe(1);
    const mean = (0.1 - 0.2 + 0.25 + 0) / 4;
    const sd = Math.sqrt(((0.1 - mean) ** 2 + (-0.2 - mean) ** 2 + (0.25 - mean) ** 2 + (0 - mean) ** 2) / 3);
    expect(m.sharpe!).toBeCloseTo((mean / sd) * Math.sqrt(252), 10);
    expect(m.annualVol).toBeCloseTo(sd * Math.sqrt(252), 12);
    const down = Math.sqrt((0.2 * 0.2) / 4);
    expect(m.sortino!).toBeCloseTo((mean / down) * Math.sqrt(252), 10);
    expect(m.exposure).toBeCloseTo(3 / 4, 12);
    expect(m.turnover).toBe(2);
    expect(m.barHitRate).toBeCloseTo(2 / 3, 12);
    // CAGR over 4 days
    const years = (4 * DAY) / (365.25 * DAY);
    expect(m.cagr!).toBeCloseTo(Math.pow(1.1, 1 / years) - 1, 6);
    expect(m.calmar!).toBeCloseTo(m.cagr! / 0.2, 6);
  });

  it('returns null ratios instead of Infinity/NaN when undefined', () => {
    const ret = new Float64Array(10);
    const m = computeMetrics({ time: Float64Array.from({ length: 10 }, (_, i) => i * DAY), ret, held: new Float64Array(10), traded: new Float64Array(10), trades: [], start: 1, end: 10, periodsPerYear: 252 });
    expect(m.sharpe).toBeNull();
    expect(m.sortino).toBeNull();
    expect(m.calmar).toBeNull();
    expect(m.hitRate).toBeNull();
    expect(m.profitFactor).toBeNull();
    expect(m.totalReturn).toBe(0);
  });

  it('estimates bars per year from the series spacing', () => {
    const daily = Float64Array.from({ length: 366 }, (_, i) => i * DAY);
    expect(periodsPerYear(daily)).toBeCloseTo(365.25, 6);
    const halfHour = Float64Array.from({ length: 1000 }, (_, i) => i * 1_800_000);
    expect(periodsPerYear(halfHour)).toBeCloseTo(365.25 * 48, 6);
  });

  it('profit factor and hit rate come from trades', () => {
    // long over bars 1-2 (+10% then +10%), flat, short over bar 5 (price up 10% -> loss)
    const bars = barsFromCloses([100, 110, 121, 121, 121, 133.1]);
    const target = Float64Array.from([1, 1, 0, 0, -1, 0]);
    const sim = simulate(bars, target, { execution: 'close', commissionBps: 0, slippageBps: 0 });
    expect(sim.trades).toHaveLength(2);
    expect(sim.trades[0]!.side).toBe('long');
    expect(sim.trades[0]!.netReturn).toBeCloseTo(0.21, 12);
    expect(sim.trades[1]!.side).toBe('short');
    expect(sim.trades[1]!.netReturn).toBeCloseTo(-0.1, 12);
    const m = computeMetrics({ time: bars.time, ret: sim.ret, held: sim.held, traded: sim.traded, trades: sim.trades, start: 1, end: 6, periodsPerYear: 252 });
    expect(m.trades).toBe(2);
    expect(m.hitRate).toBe(0.5);
    expect(m.profitFactor!).toBeCloseTo(0.21 / 0.1, 12);
  });
});
