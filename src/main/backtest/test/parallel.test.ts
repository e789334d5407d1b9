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

describe('search pass in worker processes', () => {
  it('splits decisions by work and merges a table identical to the sequential one', async () => {
    const { computeForecastsInWorkers, splitByWork } = await import('../forecast-workers');
    const ranges = splitByWork(Float64Array.from([1, 1, 1, 1, 10, 10, 10, 10]), 3);
    expect(ranges[0]!.from).toBe(0);
    expect(ranges[ranges.length - 1]!.to).toBe(8);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.from).toBe(ranges[i - 1]!.to);
    const bars = randomBars(500, 44);
    const p = parseParams({ window: 12, top: 4, horizon: 3, minHistory: 50, search: 'indexed' });
    const seq = computeForecasts(bars, p, engine);
    const par = await computeForecastsInWorkers(bars, p, { workers: 2, env: { WARPDESK_ENGINE: 'js' } });
    expect(Array.from(par.matchEnd)).toEqual(Array.from(seq.matchEnd));
    expect(Array.from(par.distance)).toEqual(Array.from(seq.distance));
    expect(Array.from(par.forward)).toEqual(Array.from(seq.forward));
    expect(par.candidates).toBe(seq.candidates);
  });
});
