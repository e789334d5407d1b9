import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WarpdeskError } from '../../shared/errors';
import type { Bars } from '../../shared/market';
import { createReferenceEngine } from '../engine';
import { findAnalogs, summarizeForward } from './analogs';
import { similarityFromDistance as similarityOf } from '../engine';

const engine = createReferenceEngine('tests use the reference');

function walk(n: number, seed: number): Bars {
  let s = seed >>> 0;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const close = new Float64Array(n);
  let x = 100;
  for (let i = 0; i < n; i++) close[i] = x *= 1 + (rnd() - 0.5) * 0.02;
  const time = Float64Array.from({ length: n }, (_, i) => Date.UTC(2000, 0, 1) + i * 86_400_000);
  return { time, open: close.slice(), high: close.map((c) => c * 1.01), low: close.map((c) => c * 0.99), close, volume: new Float64Array(n) };
}

describe('findAnalogs', () => {
  it('finds a planted copy of the query first, with similarity 1 minus nothing, and measures what followed', async () => {
    const bars = walk(600, 7);
    // Plant an exact scaled copy of the query (bars 560..589) at 100..129: z-normalized DTW distance 0.
    for (let j = 0; j < 30; j++) bars.close[100 + j] = bars.close[560 + j]! * 0.5 + 3;
    const r = await findAnalogs(engine, bars, { queryStart: 560, queryEnd: 589, k: 5, windowRatio: 0.1, horizon: 10 });
    expect(r.matches[0]!.start).toBe(100);
    expect(r.matches[0]!.distance).toBeCloseTo(0, 9);
    expect(r.matches[0]!.similarity).toBeCloseTo(1, 9);
    expect(r.matches[0]!.forwardReturn).toBeCloseTo(bars.close[139]! / bars.close[129]! - 1, 12);
    expect(r.matches).toHaveLength(5);
    for (let i = 1; i < r.matches.length; i++) expect(r.matches[i]!.distance).toBeGreaterThanOrEqual(r.matches[i - 1]!.distance);
    expect(r.window).toBe(3);
    expect(r.candidates).toBe(560 - 30 + 1);
  });

  it('never looks past the query: matches end before it, and changing later bars changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 49 }), async (seed, offset) => {
        const bars = walk(300, seed);
        const q = { queryStart: 200, queryEnd: 229, k: 3, windowRatio: 0.1, horizon: 5 };
        const a = await findAnalogs(engine, bars, q);
        const changed = walk(300, seed);
        changed.close[230 + offset] = changed.close[230 + offset]! * 3;
        const b = await findAnalogs(engine, changed, q);
        expect(b.matches).toEqual(a.matches);
        for (const m of a.matches) {
          expect(m.end).toBeLessThan(q.queryStart);
          if (m.end + q.horizon > q.queryEnd) expect(m.forwardReturn).toBeNull();
        }
      }),
      { numRuns: 15 },
    );
  });

  it('refuses queries without enough history, as a typed error', async () => {
    const bars = walk(100, 1);
    await expect(findAnalogs(engine, bars, { queryStart: 20, queryEnd: 59, k: 3, windowRatio: 0.1, horizon: 5 })).rejects.toThrow(/not enough history/);
    await expect(findAnalogs(engine, bars, { queryStart: 50, queryEnd: 200, k: 3, windowRatio: 0.1, horizon: 5 })).rejects.toBeInstanceOf(WarpdeskError);
  });
});

describe('helpers', () => {
  it('similarity is 1 at distance 0 and decreases', () => {
    expect(similarityOf(0, 10)).toBe(1);
    expect(similarityOf(5, 10)).toBeLessThan(similarityOf(1, 10));
  });
  it('summarizes forward returns, ignoring unknown ones', () => {
    const m = (r: number | null) => ({ start: 0, end: 1, startTime: 0, endTime: 0, distance: 0, similarity: 1, forwardReturn: r });
    expect(summarizeForward([m(0.1), m(-0.2), m(null), m(0.3)])).toEqual({ mean: (0.1 - 0.2 + 0.3) / 3, median: 0.1, positiveShare: 2 / 3, count: 3 });
    expect(summarizeForward([m(null)]).count).toBe(0);
  });
});
