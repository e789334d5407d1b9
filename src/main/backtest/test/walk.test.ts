/**
 * The walk search pass (engine.searchWalk): one engine call for many decisions, streamed in pieces for learn.
 * Oracle: the reference engine's one-searchTopK-per-decision table. The streamed policy walk must decide
 * exactly as the walk over the finished table.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReferenceEngine, getEngine } from '../../engine';
import { computeForecasts, computeForecastsWalk, streamForecastsWalk, type ForecastTable } from '../forecast';
import { runPolicyAsync } from '../policy';
import { parseParams } from '../run';
import { randomBars } from './util';

const reference = createReferenceEngine();
const engine = getEngine();

const rows = (t: ForecastTable): unknown => ({ matchEnd: Array.from(t.matchEnd), distance: Array.from(t.distance), forward: Array.from(t.forward), candidates: t.candidates });

describe(`walk search pass (${engine.backend} engine)`, () => {
  it('the walk (sync slices, one async job, streamed pieces) gives the table of one reference search per decision', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(1e6),
        fc.integer({ min: 6, max: 20 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(0, 90),
        fc.integer({ min: 1, max: 6 }),
        async (seed, window, top, step, maxHistory, pieces) => {
          const bars = randomBars(360, seed);
          const p = parseParams({ window, top, horizon: 3, step, maxHistory, minHistory: 4 * window, search: 'engine' });
          const want = rows(computeForecasts(bars, p, reference));
          expect(rows(computeForecasts(bars, p, engine))).toEqual(want);
          expect(rows(await computeForecastsWalk(bars, p, engine))).toEqual(want);
          const progress: number[] = [];
          const stream = streamForecastsWalk(bars, p, engine, { pieces, onProgress: (f) => progress.push(f) });
          expect(rows(await stream.done)).toEqual(want);
          expect(stream.ready()).toBe(stream.table.decisions.length);
          expect(progress[progress.length - 1]).toBe(1);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('a learning walk over a streamed table decides exactly as over the finished table', async () => {
    const bars = randomBars(700, 5);
    const p = parseParams({ window: 12, top: 4, horizon: 3, minHistory: 48, search: 'engine', learning: true });
    const whole = await runPolicyAsync(bars, computeForecasts(bars, p, engine), p);
    const stream = streamForecastsWalk(bars, p, engine, { pieces: 7 });
    let waits = 0;
    const streamed = await runPolicyAsync(bars, stream.table, p, {
      rowsReady: stream.ready,
      rowsNext: () => {
        waits++;
        return stream.next();
      },
    });
    await stream.done;
    expect(waits).toBeGreaterThan(0);
    expect(streamed.walked).toBe(whole.walked);
    expect(Array.from(streamed.signal)).toEqual(Array.from(whole.signal));
    expect(Array.from(streamed.confidence)).toEqual(Array.from(whole.confidence));
    expect(Array.from(streamed.gate)).toEqual(Array.from(whole.gate));
    expect(Array.from(streamed.target)).toEqual(Array.from(whole.target));
    expect(streamed.recorded).toBe(whole.recorded);
  });

  it('a cancelled stream stops the walk between decisions', async () => {
    const bars = randomBars(700, 8);
    const p = parseParams({ window: 12, top: 4, horizon: 3, minHistory: 48, search: 'engine', learning: true });
    const ctrl = new AbortController();
    const stream = streamForecastsWalk(bars, p, engine, { pieces: 5, signal: ctrl.signal });
    const r = await runPolicyAsync(bars, stream.table, p, {
      signal: ctrl.signal,
      rowsReady: stream.ready,
      rowsNext: stream.next,
      onDecision: () => ctrl.abort(),
    });
    expect(r.walked).toBe(1);
    await expect(stream.done).rejects.toMatchObject({ code: 'Cancelled' });
  });
});
