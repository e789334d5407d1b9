import { describe, expect, it } from 'vitest';
import { simulate } from '../simulate';
import { barsFromCloses } from './util';

describe('simulate', () => {
  it('close execution: position decided at t earns close[t] -> close[t+1]', () => {
    const bars = barsFromCloses([100, 110, 99]);
    const sim = simulate(bars, Float64Array.from([1, 1, 0]), { execution: 'close', commissionBps: 0, slippageBps: 0 });
    expect(sim.ret[0]).toBe(0);
    expect(sim.ret[1]).toBeCloseTo(0.1, 12);
    expect(sim.ret[2]).toBeCloseTo(-0.1, 12);
    expect(sim.equity[2]).toBeCloseTo(0.99, 12);
  });

  it('next-open execution: the old position carries the gap, the new one the session', () => {
    // close 100; next bar opens 105 and closes 110. Decision at bar 0 close: long.
    const bars = barsFromCloses([100, 110, 110], [100, 105, 110]);
    const sim = simulate(bars, Float64Array.from([1, 0, 0]), { execution: 'next-open', commissionBps: 0, slippageBps: 0 });
    // bar 1: gap with old position 0, then 105 -> 110 long
    expect(sim.ret[1]).toBeCloseTo(110 / 105 - 1, 12);
    // bar 2: gap 110 -> 110 with old position 1 (no change), then flat
    expect(sim.ret[2]).toBeCloseTo(0, 12);
    expect(sim.trades[0]!.entryPrice).toBe(105);
    expect(sim.trades[0]!.exitPrice).toBe(110);
  });

  it('charges commission + slippage per unit of position traded', () => {
    const bars = barsFromCloses([100, 100, 100, 100]);
    // long, then flip to short (2 units), then flat (1 unit): 1 + 2 + 1 = 4 units traded
    const sim = simulate(bars, Float64Array.from([1, -1, 0, 0]), { execution: 'close', commissionBps: 7, slippageBps: 3 });
    const c = 10 / 10_000;
    expect(sim.ret[1]).toBeCloseTo(-c, 15);
    expect(sim.ret[2]).toBeCloseTo((1 - c) * (1 - c) - 1, 15);
    expect(sim.ret[3]).toBeCloseTo(-c, 15);
    expect(sim.equity[3]).toBeCloseTo((1 - c) ** 4, 15);
    const traded = Array.from(sim.traded).reduce((a, b) => a + b, 0);
    expect(traded).toBe(4);
    // the flip's cost is split: closing the long and opening the short
    expect(sim.trades[0]!.netReturn).toBeCloseTo((1 - c) * (1 - c) - 1, 15);
    expect(sim.trades[1]!.netReturn).toBeCloseTo((1 - c) * (1 - c) - 1, 15);
  });

  it('the product of trade returns and flat bars equals the equity', () => {
    const closes = [100, 103, 101, 104, 108, 107, 111, 109, 112];
    const opens = [100, 102, 102, 103, 107, 108, 110, 110, 111];
    const bars = barsFromCloses(closes, opens);
    const target = Float64Array.from([1, 1, -1, -1, 0, 1, 0.5, 0, 0]);
    const sim = simulate(bars, target, { execution: 'next-open', commissionBps: 5, slippageBps: 5 });
    const prod = sim.trades.reduce((a, t) => a * (1 + t.netReturn), 1);
    expect(prod).toBeCloseTo(sim.equity[sim.equity.length - 1]!, 12);
  });
});
