import { describe, expect, it } from 'vitest';
import { createReferenceEngine } from '../../engine';
import { computeForecasts, computeForecastsParallel } from '../forecast';
import { parseParams, runBacktest, runBacktestAsync } from '../run';
import { randomBars } from './util';

const engine = createReferenceEngine();

describe('async and parallel search passes', () => {
  it('parallel engine jobs give the same table as the sequential engine path', async () => {
    const bars = randomBars(400, 31);
    const p = parseParams({ window: 12, top: 4, horizon: 3, minHistory: 50, search: 'engine', step: 2 });
    const seq = computeForecasts(bars, p, engine);
    const fractions: number[] = [];
    const par = await computeForecastsParallel(bars, p, engine, { concurrency: 3, onProgress: (f) => fractions.push(f) });
    expect(Array.from(par.matchEnd)).toEqual(Array.from(seq.matchEnd));
    expect(Array.from(par.distance)).toEqual(Array.from(seq.distance));
    expect(fractions[fractions.length - 1]).toBe(1);
  });

  it('runBacktestAsync equals runBacktest (auto path) and can be cancelled', async () => {
    const bars = randomBars(350, 9);
    const input = { window: 10, top: 4, horizon: 2, minHistory: 40 };
    const a = runBacktest(bars, input, engine);
    const b = await runBacktestAsync(bars, input, engine);
    expect({ ...b, elapsedMs: 0 }).toEqual({ ...a, elapsedMs: 0 });
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(runBacktestAsync(bars, input, engine, { signal: ctrl.signal })).rejects.toMatchObject({ code: 'Cancelled' });
  });
});
