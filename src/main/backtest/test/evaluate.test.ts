import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createReferenceEngine } from '../../engine';
import { openMemory, openScratchMemory, staticKeyProvider, generateKey } from '../../memory';
import { evaluate } from '../evaluate';
import { computeForecasts } from '../forecast';
import { gatesFrom } from '../../strategy';
import { parseParams, runBacktest, runStrategy } from '../run';
import { randomBars } from './util';

const engine = createReferenceEngine();

describe('evaluation', () => {
  it('chooses on validation, reports test, and says so when there is no significant improvement', () => {
    const bars = randomBars(900, 21);
    const ev = evaluate(bars, { window: 12, top: 5, horizon: 3, minHistory: 60 }, engine, { resamples: 200 });
    expect(ev.split.trainEnd).toBe(540);
    expect(ev.split.validationEnd).toBe(720);
    expect(Object.keys(ev.test).sort()).toEqual(['baseline', 'buy-and-hold', 'learning', 'random']);
    expect(ev.comparisons).toHaveLength(5);
    for (const c of ev.comparisons) {
      if (c.sharpeP !== null) {
        expect(c.sharpeP).toBeGreaterThan(0);
        expect(c.sharpeP).toBeLessThanOrEqual(1);
      }
    }
    // A random walk has nothing to learn: the report must not claim an improvement.
    expect(ev.summary).toMatch(/No significant improvement|worse|Not enough|stood aside/);
    expect(ev.summary).not.toMatch(/improved/);
    // Deterministic for a seed.
    const again = evaluate(bars, { window: 12, top: 5, horizon: 3, minHistory: 60 }, engine, { resamples: 200 });
    expect(again).toEqual(ev);
  });

  it('the random baseline has the same exposure as the learning run', () => {
    const bars = randomBars(600, 4);
    const ev = evaluate(bars, { window: 10, top: 4, horizon: 2, minHistory: 50 }, engine, { resamples: 50 });
    expect(ev.test['random']!.exposure).toBeCloseTo(ev.test['learning']!.exposure, 12);
  });

  it('the learned gate closes when confident views keep failing, and reopens when they succeed', () => {
    const memory = openScratchMemory();
    try {
      const p = parseParams({ window: 8, top: 10, horizon: 1, learning: true, threshold: 0.6 });
      const record = (success: boolean): void => {
        const e = memory.recordExperience({ patternType: 'analog:test', dataset: 'd', timeframe: '1D', query: [1, 2, 3], matches: [{ similarity: 0.9 }], signal: 'long', confidence: 0.75, horizon: 1 });
        memory.settle(e.id, { realizedReturn: success ? 0.01 : -0.01, mae: 0, timeToTarget: null });
      };
      expect(gatesFrom(p, memory, 'analog:test').gate).toBeCloseTo(0.6, 12); // priors: calibrated = bin midpoints
      for (let i = 0; i < 40; i++) record(false);
      expect(gatesFrom(p, memory, 'analog:test').gate).toBeGreaterThan(0.7);
      for (let i = 0; i < 200; i++) record(true);
      expect(gatesFrom(p, memory, 'analog:test').gate).toBeLessThanOrEqual(0.7);
      expect(gatesFrom({ ...p, learning: false }, memory, 'analog:test').gate).toBe(0.6); // adaptation off: the fixed gate
    } finally {
      memory.remove();
    }
  });

  it('learns through the real memory module in a scratch workspace (experiences recorded and settled)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-bt-mem-'));
    try {
      const memory = await openMemory({ dataDir: dir, keyProvider: staticKeyProvider([generateKey()]) });
      const bars = randomBars(260, 8);
      const p = parseParams({ window: 10, top: 4, horizon: 3, minHistory: 40, learning: true, step: 2 });
      const table = computeForecasts(bars, p, engine);
      const run = runStrategy(bars, table, p, { memory, patternType: 'backtest:test', dataset: 'walk', timeframe: '1D' });
      const stats = memory.stats() as unknown as Record<string, unknown>;
      expect(JSON.stringify(stats)).toMatch(/\d/);
      const listed = memory.listExperiences({ patternType: 'backtest:test', limit: 1000 });
      // every decision with analogs records an experience
      expect(listed.length).toBe(run.policy.recorded);
      expect(listed.length).toBe(table.decisions.length);
      const judged = listed.filter((e) => memory.getVerdict(e.id) !== null).length;
      // every experience whose horizon passed before the last decision was settled
      expect(judged).toBeGreaterThan(table.decisions.length - 3);
      expect(run.policy.thresholdPath!.length).toBe(table.decisions.length);
      memory.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a backtest result is plain JSON with equity, positions and trades per bar', () => {
    const bars = randomBars(300, 2);
    const r = runBacktest(bars, { window: 10, top: 4, horizon: 2, minHistory: 40 }, engine);
    expect(r.equity).toHaveLength(300);
    expect(r.position).toHaveLength(300);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(r.metrics.trades).toBe(r.trades.filter((t) => t.entryIndex >= r.firstDecision + 1).length);
  });
});
