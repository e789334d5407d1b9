/**
 * The loop's variants (issue 13 item 4), each on small deterministic cases: the volatility-scaled edge stands
 * aside exactly when |mean| ≤ κ σ √H; the credible gate rule opens later than the mean rule on the same
 * calibration (the posterior mean minus one posterior sd, written out here); gate smoothing bounds every step
 * of the gate path by a times the jump the learned gates make; the regimes learn under ':hv' / ':lv' pattern
 * types chosen by the last W returns' volatility against the last 8W's. And each leaves the defaults alone.
 */
import { describe, expect, it } from 'vitest';
import { calibrationBins, emptyAdaptState, updateAdaptState } from '../../memory/adapt';
import { openScratchMemory } from '../../memory';
import { createReferenceEngine } from '../../engine';
import { computeForecasts } from '../../backtest/forecast';
import { parseParams, runStrategy } from '../../backtest/run';
import { barsFromCloses, randomBars } from '../../backtest/test/util';
import type { ThresholdInfo } from '../../memory';
import { gatesFrom, GATE_CLOSED, StrategyLoop, type Decision, type LoopMemory } from '../loop';
import { recentVolatility, volatilityRegime } from '../regime';
import type { Analog } from '../analogs';

const engine = createReferenceEngine();

function analogs(forward: number[]): Analog[] {
  return forward.map((r, i) => ({ start: i * 3, end: i * 3 + 2, distance: 0, similarity: 1, forwardReturn: r }));
}

describe('volatility-scaled edge (volEdge)', () => {
  const closes = Array.from({ length: 60 }, (_, i) => 100 * Math.exp(0.01 * Math.sin(i * 1.7) + 0.002 * i));
  const bars = barsFromCloses(closes);
  const t = 50;
  const params = parseParams({ window: 10, top: 4, horizon: 4, threshold: 0.5 });
  const sigma = recentVolatility(bars, t, params.window)!;
  const floor = sigma * Math.sqrt(params.horizon);

  it('computes σ from the last W log returns up to t only', () => {
    const r = Array.from({ length: 10 }, (_, j) => Math.log(closes[t - 9 + j]! / closes[t - 10 + j]!));
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    expect(sigma).toBeCloseTo(Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1)), 14);
    const changed = barsFromCloses(closes.map((c, i) => (i > t ? c * 3 : c)));
    expect(recentVolatility(changed, t, 10)).toBe(sigma);
  });

  it('stands aside exactly when |mean forward return| ≤ κ σ √H', () => {
    const kappa = 0.5;
    const decide = (mean: number, volEdge: number): Decision => new StrategyLoop({ params: { ...params, volEdge }, patternType: 'x', dataset: 'd', timeframe: '1d' }).step(bars, t, analogs([mean, mean, mean, mean]));
    expect(decide(kappa * floor * 1.01, kappa).reason).toBe('trade');
    expect(decide(kappa * floor * 0.99, kappa).reason).toBe('no-edge');
    expect(decide(-kappa * floor * 0.99, kappa).reason).toBe('no-edge');
    expect(decide(kappa * floor * 0.99, 0).reason).toBe('trade'); // off: today's rule
  });
});

describe('credible gate rule (gateRule)', () => {
  it('needs the posterior mean minus one posterior sd to reach the threshold', () => {
    // 12 verdicts at unanimity (10 of 10 agree), 9 successes; 30 at 0.8 agreement, 20 successes
    let s = emptyAdaptState();
    for (let i = 0; i < 12; i++) s = updateAdaptState(s, 0.9, 1, i < 9);
    for (let i = 0; i < 30; i++) s = updateAdaptState(s, 0.9, 0.8, i < 20);
    const bins = calibrationBins(s);
    const info = { calibration: bins, similarityThreshold: 0.4 } as unknown as ThresholdInfo;
    const memory: LoopMemory = { recordExperience: () => ({ id: '' }), settle: () => ({ success: true, quality: 1 }), threshold: () => info };
    const lower = (c: number): number => {
      const b = bins[Math.min(9, Math.floor(c * 10))]!;
      const m = (b.from + b.to) / 2;
      const a = 4 * m + b.successes;
      const f = 4 * (1 - m) + b.n - b.successes;
      return a / (a + f) - Math.sqrt((a * f) / ((a + f) ** 2 * (a + f + 1)));
    };
    const threshold = 0.66;
    expect(bins[9]!.calibrated).toBeGreaterThanOrEqual(threshold);
    expect(bins[8]!.calibrated).toBeGreaterThanOrEqual(threshold);
    expect(lower(1)).toBeGreaterThanOrEqual(threshold);
    expect(lower(0.8)).toBeLessThan(threshold);
    const p = { learning: true, threshold, top: 10 };
    expect(gatesFrom({ ...p, gateRule: 'mean' }, memory, 'x').gate).toBeLessThanOrEqual(0.8);
    const credible = gatesFrom({ ...p, gateRule: 'credible' }, memory, 'x').gate;
    expect(credible).toBeGreaterThan(0.8);
    // the credible gate is the lowest level from which every level up passes the cautious rule
    for (let level = 10; level >= 5; level--) if (level / 10 >= credible) expect(lower(level / 10)).toBeGreaterThanOrEqual(threshold);
    expect(credible === GATE_CLOSED || lower(credible - 0.1) < threshold).toBe(true);
  });
});

describe('gate smoothing (gateSmoothing) and regimes', () => {
  const bars = randomBars(420, 17);
  const base = parseParams({ window: 10, top: 6, horizon: 3, minHistory: 40, threshold: 0.55, learning: true });
  const table = computeForecasts(bars, base, engine);

  const walk = (extra: Partial<typeof base>): { gates: number[]; sims: number[] } => {
    const gates: number[] = [];
    const sims: number[] = [];
    runStrategy(bars, table, { ...base, ...extra }, { onDecision: (d) => (gates.push(d.gate), sims.push(d.similarityThreshold)) });
    return { gates, sims };
  };

  it('moves the gates a fraction a of the way: every step is at most a times the largest possible jump', () => {
    const raw = walk({});
    const smooth = walk({ gateSmoothing: 0.25 });
    const steps = (xs: number[]): number => xs.slice(1).reduce((m, x, i) => Math.max(m, Math.abs(x - xs[i]!)), 0);
    expect(smooth.gates[0]).toBe(raw.gates[0]);
    expect(steps(raw.gates)).toBeGreaterThan(0.25 * (GATE_CLOSED - 0.5)); // the learned gate does jump
    expect(steps(smooth.gates)).toBeLessThanOrEqual(0.25 * (GATE_CLOSED - 0.5) + 1e-12);
    expect(steps(smooth.sims)).toBeLessThanOrEqual(0.25 + 1e-12);
    expect(smooth.gates.some((g) => Math.abs(g * 6 - Math.round(g * 6)) > 1e-9 && g !== GATE_CLOSED)).toBe(true); // off the 1/k grid
  });

  it('classifies the volatility regime from bars ≤ t and learns per regime', () => {
    const calm = Array.from({ length: 100 }, (_, i) => 100 * (1 + 0.001 * Math.sin(i)));
    const wild = [...calm, ...Array.from({ length: 10 }, (_, i) => 100 * (1 + 0.05 * Math.sin(i * 2)))];
    const b = barsFromCloses(wild);
    expect(volatilityRegime(b, 109, 10)).toBe('hv');
    expect(volatilityRegime(b, 99, 10)).toBe('lv');
    expect(volatilityRegime(b, 15, 10)).toBeNull();

    const memory = openScratchMemory();
    try {
      runStrategy(bars, table, { ...base, regimes: 'volatility' }, { memory, patternType: 'analog:t' });
      const hv = memory.threshold('analog:t:hv').version;
      const lv = memory.threshold('analog:t:lv').version;
      expect(hv).toBeGreaterThan(0);
      expect(lv).toBeGreaterThan(0);
      expect(memory.threshold('analog:t').version).toBeLessThan(hv + lv); // only decisions before 2W have no regime
    } finally {
      memory.remove();
    }
  });

  it('leaves the loop unchanged with every variant off', () => {
    const a = walk({});
    const b = walk({ gateSmoothing: 1, gateRule: 'mean', volEdge: 0, regimes: 'none' });
    expect(b).toEqual(a);
  });
});
