/**
 * Issue 14 item 4: the index search through the engine's rowBounds + refineRows (native and TS reference)
 * returns exactly the old answers (the pre-change search, kept as a test oracle) and the brute-force
 * ranking (score descending, ties by insertion order): same ids, same distances, same order, also after MMR.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReferenceEngine, getEngine, loadNativeBinding, type PatternEngine } from '../../engine';
import { similarityFromDistance, zNormalize } from '../../../shared/numerics';
import { mmrSelect, PatternIndex, recencyOf, reliabilityOf, type ScoreParams } from '../pattern-index';
import { PatternIndex as LegacyIndex } from './legacy-pattern-index';
import { rng, walk } from './helpers';

const DAY = 86_400_000;
const now = 1_800_000_000_000;
const z32 = (x: ArrayLike<number>): Float32Array => Float32Array.from(zNormalize(x));
const engines: Array<[string, PatternEngine]> = [['reference', createReferenceEngine()]];
if (getEngine().backend === 'native') engines.push(['native', getEngine()]);

interface Row {
  id: string;
  type: string;
  at: number;
  quality: number | null;
  values: Float32Array;
}

function build(seed: number, count: number, n: number, dupEvery: number): Row[] {
  const r = rng(seed);
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    // every dupEvery-th row repeats an earlier one exactly (same values, time and quality): tied scores
    const src = dupEvery > 0 && i > 0 && i % dupEvery === 0 ? rows[Math.floor(r() * i)]! : undefined;
    rows.push({
      id: `r${i}`,
      type: r() < 0.5 ? 'a' : 'b',
      at: src ? src.at : now - Math.floor(r() * 400) * DAY,
      quality: src ? src.quality : r() < 0.4 ? r() : null,
      values: src ? src.values : z32(walk(n, r)),
    });
  }
  return rows;
}

const params = fc.record({
  seed: fc.integer({ min: 1, max: 1e9 }),
  count: fc.integer({ min: 1, max: 900 }),
  n: fc.integer({ min: 4, max: 48 }),
  windowRatio: fc.double({ min: 0, max: 1, noNaN: true }),
  k: fc.integer({ min: 1, max: 12 }),
  poolFactor: fc.integer({ min: 1, max: 5 }),
  lambda: fc.double({ min: 0, max: 1, noNaN: true }),
  pure: fc.boolean(),
  type: fc.constantFrom(undefined, 'a', 'b'),
  exclude: fc.integer({ min: 0, max: 5 }),
});
type Params = typeof params extends fc.Arbitrary<infer T> ? T : never;

/**
 * The index's top `pool` rows equal the brute-force ranking (every eligible row's exact DTW from the same
 * engine's `dtwBatch`, score descending, ties by insertion order); some rows repeat, so scores tie.
 */
function matchesBruteForce(engine: PatternEngine, p: Params, dupEvery: number): void {
  const rows = build(p.seed, p.count, p.n, dupEvery);
  const idx = new PatternIndex();
  rows.forEach((row) => idx.add({ id: row.id, patternType: row.type, dataset: 'd', timeframe: 't', at: row.at, quality: row.quality, values: row.values }));
  const q = rows[Math.floor(rng(p.seed + 2)() * rows.length)]!.values; // a stored row: distance-0 ties
  const window = Math.ceil(p.windowRatio * p.n);
  const pool = p.k * p.poolFactor;
  const score: ScoreParams = { now, halfLifeMs: 90 * DAY, recencyFloor: 0.5 };
  const got = idx.search(engine, q, window, pool, { patternType: p.type }, score, p.pure);
  const cand = rows.map((row, i) => ({ row, i })).filter(({ row }) => p.type === undefined || row.type === p.type);
  const meanQ = (t: string): number => idx.typeMeanQuality(t);
  const flat = new Float32Array(cand.length * p.n);
  cand.forEach(({ row }, j) => flat.set(row.values, j * p.n));
  const d = cand.length ? engine.dtwBatch(q, flat, { window }) : new Float64Array(0);
  const brute = cand
    .map(({ row, i }, j) => ({
      id: row.id,
      i,
      distance: d[j]!,
      score: similarityFromDistance(d[j]!, p.n) * (p.pure ? 1 : recencyOf(row.at, score) * reliabilityOf(row.quality, meanQ(row.type))),
    }))
    .sort((x, y) => y.score - x.score || x.i - y.i)
    .slice(0, pool);
  expect(got.candidates.map((c) => [c.id, c.distance])).toEqual(brute.map((c) => [c.id, c.distance]));
  got.candidates.forEach((c, j) => expect(c.score).toBeCloseTo(brute[j]!.score, 12));
}

describe.each(engines)('PatternIndex.search on the %s engine', (_name, engine) => {
  it('returns the old answers (same ids, distances, order), also after MMR', () => {
    fc.assert(
      fc.property(params, (p) => {
        const rows = build(p.seed, p.count, p.n, 0);
        const idx = new PatternIndex();
        idx.lbImproved = [undefined, true, false][p.seed % 3];
        const old = new LegacyIndex();
        for (const row of rows) {
          const e = { id: row.id, patternType: row.type, dataset: 'd', timeframe: 't', at: row.at, quality: row.quality, values: row.values };
          idx.add(e);
          old.add(e);
        }
        const r = rng(p.seed + 1);
        const q = z32(walk(p.n, r));
        const window = Math.ceil(p.windowRatio * p.n);
        const pool = p.k * p.poolFactor;
        const exclude = new Set(Array.from({ length: p.exclude }, () => `r${Math.floor(r() * p.count)}`));
        const score: ScoreParams = { now, halfLifeMs: 90 * DAY, recencyFloor: 0.5 };
        const got = idx.search(engine, q, window, pool, { patternType: p.type, exclude }, score, p.pure);
        const want = old.search(engine, q, window, pool, { patternType: p.type, exclude }, score, p.pure);
        const key = (c: { id: string; distance: number; score: number }) => [c.id, c.distance, c.score];
        expect(got.candidates.map(key)).toEqual(want.candidates.map(key));
        expect(got.stats.rows).toBe(want.stats.rows);
        const a = mmrSelect(engine, got.candidates, p.k, p.lambda, window);
        const b = mmrSelect(engine, want.candidates, p.k, p.lambda, window);
        expect(a.map((c) => [c.id, c.distance, c.mmr])).toEqual(b.map((c) => [c.id, c.distance, c.mmr]));
      }),
      { numRuns: 60 },
    );
  });

  it('equals the brute-force ranking, ties (duplicate rows) broken by insertion order', () => {
    fc.assert(
      fc.property(params, fc.integer({ min: 2, max: 6 }), (p, dupEvery) => matchesBruteForce(engine, p, dupEvery)),
      { numRuns: 60 },
    );
  });
});

describe('refineRows at every SIMD level (its early-abandoning DTW batch is compiled once per level)', () => {
  const native = loadNativeBinding().binding;
  it.runIf(getEngine().backend === 'native' && native !== undefined)('equals the brute-force ranking at that level', () => {
    const initial = native!.simdLevel();
    try {
      fc.assert(
        fc.property(fc.constantFrom(...native!.availableLevels()), params, fc.integer({ min: 2, max: 6 }), (level, p, dupEvery) => {
          native!.setSimdLevel(level);
          matchesBruteForce(getEngine(), p, dupEvery);
        }),
        { numRuns: 120 },
      );
    } finally {
      native!.setSimdLevel(initial);
    }
  });
});

describe('rowBounds: native and reference agree exactly', () => {
  // (refineRows is checked through the answers above: the backends' f32 DTW kernels may differ in the last bits)
  it.runIf(getEngine().backend === 'native')('same rows, bounds, eligible count and weights for the same input', () => {
    const native = getEngine();
    const ref = createReferenceEngine();
    fc.assert(
      fc.property(params, fc.integer({ min: 0, max: 300 }), fc.double({ min: -0.1, max: 1, noNaN: true }), (p, limit, thr) => {
        const rows = build(p.seed, p.count, p.n, 3);
        const idx = new PatternIndex();
        rows.forEach((row) => idx.add({ id: row.id, patternType: row.type, dataset: 'd', timeframe: 't', at: row.at, quality: row.quality, values: row.values }));
        const q = z32(walk(p.n, rng(p.seed + 3)));
        const window = Math.ceil(p.windowRatio * p.n);
        const inputs: Array<Parameters<PatternEngine['rowBounds']>[0]> = [];
        const capture = {
          rowBounds: (i: Parameters<PatternEngine['rowBounds']>[0]) => {
            inputs.push(i);
            return native.rowBounds(i);
          },
          refineRows: native.refineRows,
        };
        const score: ScoreParams = { now, halfLifeMs: 30 * DAY, recencyFloor: 0.2 };
        idx.search(capture, q, window, p.k * p.poolFactor, { patternType: p.type }, score, p.pure);
        fc.pre(inputs.length > 0); // (no row of the filtered type: the search returns before any engine call)
        const base = { ...inputs[0]!, thr, limit };
        const wn = new Float64Array(base.count);
        const wr = new Float64Array(base.count);
        const a = native.rowBounds({ ...base, weight: wn });
        const b = ref.rowBounds({ ...base, weight: wr });
        expect([...a.rows]).toEqual([...b.rows]);
        expect([...a.bounds]).toEqual([...b.bounds]);
        expect(a.eligible).toBe(b.eligible);
        expect([...wn]).toEqual([...wr]);
        a.bounds.forEach((x, j) => {
          expect(x).toBeGreaterThanOrEqual(thr);
          if (j > 0) expect(x).toBeLessThanOrEqual(a.bounds[j - 1]!);
        });
        expect(a.rows.length).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 80 },
    );
  });
});
