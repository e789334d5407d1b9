// Metrics up to a replay position: the whole run gives the stored metrics; a position before the end never
// counts later bars or trades not yet closed.
import { describe, expect, it } from 'vitest';
import { createReferenceEngine } from '../../engine';
import { metricsUpTo } from '../replay';
import { runBacktest } from '../run';
import { randomBars } from './util';

const engine = createReferenceEngine();

describe('metricsUpTo', () => {
  const bars = randomBars(400, 5);
  const r = runBacktest(bars, { window: 10, top: 4, horizon: 3, minHistory: 40, commissionBps: 2, slippageBps: 1 }, engine);

  it('equals the stored metrics at the last bar', () => {
    const m = metricsUpTo(r, r.barCount - 1);
    for (const [k, v] of Object.entries(r.metrics)) {
      if (typeof v === 'number') expect(m[k as keyof typeof m] as number).toBeCloseTo(v, 9);
      else expect(m[k as keyof typeof m]).toBe(v);
    }
  });

  it('counts only bars and closed trades up to the position', () => {
    const upto = r.firstDecision + 100;
    const m = metricsUpTo(r, upto);
    expect(m.bars).toBe(upto - r.firstDecision);
    expect(m.totalReturn).toBeCloseTo(r.equity[upto]! / r.equity[r.firstDecision]! - 1, 9);
    expect(m.trades).toBe(r.trades.filter((t) => !t.open && t.exitIndex <= upto && t.entryIndex > r.firstDecision).length);
    // Changing what happens after the position changes nothing.
    const later = { ...r, equity: r.equity.map((e, i) => (i > upto ? e * 2 : e)) };
    expect(metricsUpTo(later, upto)).toEqual(m);
  });
});
