import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createReferenceEngine } from '../../engine';
import { openMemory, staticKeyProvider, generateKey } from '../../memory';
import { evaluate } from '../evaluate';
import { computeForecasts } from '../forecast';
import { MemoryLearningLoop } from '../memory-loop';
import { CalibratedThreshold } from '../policy';
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

  it('the calibrated threshold rises when confident forecasts keep failing', () => {
    const loop = new CalibratedThreshold(10, 0.6, 0.05, 0.6, 5);
    for (let i = 0; i < 40; i++) {
      const h = loop.recordExperience({ t: i, time: i, direction: 1, agreement: 0.7, mean: 0.01, analogs: 10, horizon: 1, matches: [], window: 8 });
      loop.recordOutcome(h, { realizedReturn: -0.01, mae: 0.01 });
    }
    expect(loop.threshold()).toBeGreaterThan(1);
    for (let i = 0; i < 200; i++) {
      const h = loop.recordExperience({ t: i, time: i, direction: 1, agreement: 0.8, mean: 0.01, analogs: 10, horizon: 1, matches: [], window: 8 });
      loop.recordOutcome(h, { realizedReturn: 0.01, mae: 0 });
    }
    expect(loop.threshold()).toBeLessThanOrEqual(0.8);
  });

  it('learns through the real memory module in a scratch workspace (experiences recorded and settled)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-bt-mem-'));
    try {
      const memory = await openMemory({ dataDir: dir, keyProvider: staticKeyProvider([generateKey()]) });
      const bars = randomBars(260, 8);
      const p = parseParams({ window: 10, top: 4, horizon: 3, minHistory: 40, learning: true, step: 2 });
      const table = computeForecasts(bars, p, engine);
      const loop = new MemoryLearningLoop(memory, { patternType: 'backtest:test', dataset: 'walk', timeframe: '1D', k: p.top, target: p.threshold, close: bars.close });
      const run = runStrategy(bars, table, p, loop);
      const stats = memory.stats() as unknown as Record<string, unknown>;
      expect(JSON.stringify(stats)).toMatch(/\d/);
      const listed = memory.listExperiences({ patternType: 'backtest:test', limit: 1000 });
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
