/** The index's pruned search returns exactly the brute-force top set, for any window, pool and filter. */
import { describe, expect, it } from 'vitest';
import { getEngine } from '../../engine';
import { envelope, similarityFromDistance, zNormalize } from '../../../shared/numerics';
import { PatternIndex, recencyOf, reliabilityOf, type ScoreParams } from '../pattern-index';
import { rng, walk } from './helpers';

/** Rows and queries as the store holds them: engine-convention z-normalized, in f32. */
const z32 = (x: ArrayLike<number>): Float32Array => Float32Array.from(zNormalize(x));

describe('PatternIndex.search', () => {
  const engine = getEngine();
  const r = rng(77);
  const n = 40;
  const index = new PatternIndex();
  const rows: Array<{ id: string; type: string; at: number; quality: number | null; values: Float32Array }> = [];
  const now = 1_800_000_000_000;
  for (let i = 0; i < 3000; i++) {
    // Clusters of near-copies make many close scores (the hard case for pruning).
    const base = i % 7 === 0 ? walk(n, rng(i % 50)) : walk(n, r);
    const values = z32(base.map((x) => x + (r() - 0.5) * 0.05));
    const row = { id: `r${i}`, type: r() < 0.5 ? 'a' : 'b', at: now - Math.floor(r() * 800) * 86_400_000, quality: r() < 0.3 ? r() : null, values };
    rows.push(row);
    index.add({ id: row.id, patternType: row.type, dataset: 'd', timeframe: 't', at: row.at, quality: row.quality, values });
  }
  const meanQ = (t: string): number => {
    const q = rows.filter((x) => x.type === t && x.quality !== null).map((x) => x.quality!);
    return q.reduce((s, x) => s + x, 0) / q.length;
  };

  for (const [window, pool, type] of [
    [0, 10, undefined],
    [4, 1, 'a'],
    [4, 40, undefined],
    [n, 10, 'b'],
    [2, 25, 'a'],
  ] as const) {
    it(`window ${window}, pool ${pool}, type ${type ?? 'any'}`, () => {
      const score: ScoreParams = { now, halfLifeMs: 90 * 86_400_000, recencyFloor: 0.5 };
      for (let trial = 0; trial < 4; trial++) {
        const q = z32(trial % 2 ? walk(n, r) : rows[Math.floor(r() * rows.length)]!.values);
        const got = index.search(engine, q, window, pool, { patternType: type }, score);
        const cand = rows.filter((x) => type === undefined || x.type === type);
        const flat = new Float32Array(cand.length * n);
        cand.forEach((x, i) => flat.set(x.values, i * n));
        const d = engine.dtwBatch(q, flat, { window });
        const brute = cand
          .map((x, i) => ({ id: x.id, score: similarityFromDistance(d[i]!, n) * recencyOf(x.at, score) * reliabilityOf(x.quality, meanQ(x.type)) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, pool);
        expect(got.candidates.map((c) => c.id)).toEqual(brute.map((b) => b.id));
        got.candidates.forEach((c, i) => expect(c.score).toBeCloseTo(brute[i]!.score, 9));
        expect(got.stats.dtwComputed).toBeLessThan(cand.length);
      }
    });
  }

  it('envelope is the running max/min over the window', () => {
    const { upper, lower } = envelope([1, 3, 2, 5, 4], 1);
    expect([...upper]).toEqual([3, 3, 5, 5, 5]);
    expect([...lower]).toEqual([1, 1, 2, 2, 4]);
  });
});
