import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WarpdeskError } from '../../shared/errors';
import { createReferenceEngine, K } from './reference';
import { runReferenceJob, workerFallbackReason } from './reference/worker';

const engine = createReferenceEngine();
const finite = fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true });
const arr = (min = 1, max = 24) => fc.array(finite, { minLength: min, maxLength: max }).map((v) => Float64Array.from(v));

function walk(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  let x = 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x += s / 2 ** 32 - 0.5;
    out[i] = x;
  }
  return out;
}

describe('reference engine: dtw', () => {
  it('dtw(a, a) = 0 and similarity 1; symmetric; similarity in [0,1]', () => {
    fc.assert(
      fc.property(arr(), arr(), fc.option(fc.nat(30), { nil: undefined }), fc.constantFrom('squared', 'absolute'), (a, b, window, cost) => {
        const self = engine.dtw(a, a, { window, cost: cost as 'squared' });
        expect(self.distance).toBe(0);
        expect(self.similarity).toBe(1);
        const ab = engine.dtw(a, b, { window, cost: cost as 'squared' });
        const ba = engine.dtw(b, a, { window, cost: cost as 'squared' });
        expect(ab.distance).toBe(ba.distance);
        expect(ab.similarity).toBe(ba.similarity);
        expect(ab.similarity).toBeGreaterThanOrEqual(0);
        expect(ab.similarity).toBeLessThanOrEqual(1);
        if (ab.similarity === 1) expect(Array.from(a)).toEqual(Array.from(b));
      }),
      { numRuns: 300 },
    );
  });

  it('window 0 on equal lengths is squared Euclidean distance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(fc.array(finite, { minLength: n, maxLength: n }), fc.array(finite, { minLength: n, maxLength: n }))),
        ([a, b]) => {
          let ed = 0;
          for (let i = 0; i < a.length; i++) ed += (a[i]! - b[i]!) * (a[i]! - b[i]!);
          expect(engine.dtw(Float64Array.from(a), Float64Array.from(b), { window: 0 }).distance).toBeCloseTo(ed, 9);
        },
      ),
    );
  });

  it('path starts at (0,0), ends at (n-1,m-1), is monotone and sums to the distance', () => {
    fc.assert(
      fc.property(arr(), arr(), (a, b) => {
        const r = engine.dtw(a, b, { path: true });
        const p = r.path!;
        expect(p[0]).toEqual([0, 0]);
        expect(p[p.length - 1]).toEqual([a.length - 1, b.length - 1]);
        let sum = 0;
        for (let t = 0; t < p.length; t++) {
          const [i, j] = p[t]!;
          sum += (a[i]! - b[j]!) ** 2;
          if (t > 0) {
            const [pi, pj] = p[t - 1]!;
            expect(i - pi >= 0 && i - pi <= 1 && j - pj >= 0 && j - pj <= 1 && i + j > pi + pj).toBe(true);
          }
        }
        expect(sum).toBeCloseTo(r.distance, 6);
        expect(r.distance).toBe(engine.dtw(a, b).distance);
      }),
      { numRuns: 200 },
    );
  });

  it('dtwBatch equals single dtw calls; multivariate with 1 channel equals dtw', () => {
    const q = walk(32, 1);
    const c = walk(32 * 20, 2);
    const out = engine.dtwBatch(q, c, { window: 4 });
    for (let i = 0; i < 20; i++) expect(out[i]).toBe(engine.dtw(q, c.subarray(i * 32, i * 32 + 32), { window: 4 }).distance);
    expect(engine.dtwMultivariate(q, c.subarray(0, 32), { channels: 1, window: 3 }).distance).toBe(engine.dtw(q, c.subarray(0, 32), { window: 3 }).distance);
  });

  it('quantized patterns stay within the documented bound', () => {
    fc.assert(
      fc.property(arr(2, 60), (a) => {
        const qz = engine.quantize(a);
        for (let i = 0; i < a.length; i++) expect(Math.abs(qz.offset + qz.scale * qz.codes[i]! - a[i]!)).toBeLessThanOrEqual(qz.maxError);
        const b = walk(a.length, 3);
        const exact = engine.dtw(a, b, { cost: 'absolute' }).distance;
        const approx = engine.dtw(qz, b, { cost: 'absolute' }).distance;
        expect(Math.abs(exact - approx)).toBeLessThanOrEqual((2 * a.length - 1) * qz.maxError * (1 + 1e-9) + 1e-9);
        const sq = Math.sqrt(engine.dtw(a, b).distance);
        const sqq = Math.sqrt(engine.dtw(qz, b).distance);
        expect(Math.abs(sq - sqq)).toBeLessThanOrEqual(Math.sqrt(2 * a.length - 1) * qz.maxError * (1 + 1e-9) + 1e-9);
      }),
    );
  });
});

describe('reference engine: search', () => {
  it('searchTopK equals brute force (z-normalised and raw, with exclusion zones)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 4, max: 24 }), fc.integer({ min: 1, max: 5 }), fc.nat(6), fc.boolean(), fc.nat(12), (seed, m, k, w, z, excl) => {
        const s = walk(300, seed);
        const q = walk(m, seed + 7);
        const got = engine.searchTopK(s, q, { window: w, k, znormalize: z, exclusionZone: excl });
        expect(got).toEqual(K.bruteForce(s, q, w, k, z, excl));
      }),
      { numRuns: 60 },
    );
  });

  it('finds a planted pattern and respects the default exclusion zone', () => {
    const s = walk(5000, 11);
    const q = s.slice(1234, 1234 + 64);
    const r = engine.searchTopK(s, q, { window: 7, k: 4 });
    expect(r[0]!.index).toBe(1234);
    for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) expect(Math.abs(r[i]!.index - r[j]!.index)).toBeGreaterThan(32);
    for (let i = 1; i < r.length; i++) expect(r[i]!.distance).toBeGreaterThanOrEqual(r[i - 1]!.distance);
  });

  it('async search gives the same answer in a worker, reports progress, and cancels', async () => {
    const s = walk(40000, 5);
    const q = s.slice(777, 777 + 128);
    const progress: number[] = [];
    const sync = engine.searchTopK(s, q, { window: 13, k: 3 });
    const r = await engine.searchTopKAsync(s, q, { window: 13, k: 3, onProgress: (f) => progress.push(f) });
    expect(r).toEqual(sync);
    expect(progress[progress.length - 1]).toBe(1);
    // it ran in the worker thread (worker-thread.ts through tsx), not in the in-process fallback
    expect(workerFallbackReason()).toBeUndefined();
    const ac = new AbortController();
    const p = engine.searchTopKAsync(s, q, { window: 13, k: 3, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'Cancelled' });
  });

  it('async batch equals the sync batch', async () => {
    const q = walk(40, 1);
    const c = walk(40 * 300, 2);
    const progress: number[] = [];
    expect(await engine.dtwBatchAsync(q, c, { window: 5, onProgress: (f) => progress.push(f) })).toEqual(engine.dtwBatch(q, c, { window: 5 }));
    expect(progress[progress.length - 1]).toBe(1);
  });

  it('in-process fallback gives the same answer', async () => {
    const s = walk(3000, 9);
    const q = s.slice(100, 132);
    const r = await runReferenceJob({ type: 'search', series: s, query: q, window: 3, k: 2, znormalize: true, exclusion: 16 }, undefined, undefined, true);
    expect(r).toEqual(engine.searchTopK(s, q, { window: 3, k: 2 }));
  });
});

describe('reference engine: lcss', () => {
  it('lcss is symmetric, in [0,1], 1 on identical inputs; matrix matches pairs', async () => {
    fc.assert(
      fc.property(arr(1, 30), arr(1, 30), fc.double({ min: 0, max: 50, noNaN: true }), fc.nat(10), (a, b, epsilon, delta) => {
        const x = engine.lcss(a, b, { epsilon, delta });
        expect(x).toBe(engine.lcss(b, a, { epsilon, delta }));
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1);
        expect(engine.lcss(a, a, { epsilon, delta })).toBe(1);
      }),
    );
    const list = [walk(50, 1), walk(50, 2), walk(50, 3)];
    const mat = engine.lcssMatrix(list, { epsilon: 0.3, delta: 5 });
    expect(mat[1]).toBe(engine.lcss(list[0]!, list[1]!, { epsilon: 0.3, delta: 5 }));
    expect(await engine.lcssMatrixAsync(list, { epsilon: 0.3, delta: 5 })).toEqual(mat);
  });
});

describe('reference engine: bad input', () => {
  const ok = new Float64Array([1, 2, 3]);
  const cases: Array<[string, () => unknown, string]> = [
    ['empty', () => engine.dtw(new Float64Array(0), ok), 'InvalidInput'],
    ['NaN', () => engine.dtw(new Float64Array([1, NaN]), ok), 'NonFinite'],
    ['Infinity', () => engine.dtw(ok, new Float32Array([Infinity])), 'NonFinite'],
    ['wrong type', () => engine.dtw([1, 2] as unknown as Float64Array, ok), 'InvalidInput'],
    ['negative window', () => engine.dtw(ok, ok, { window: -1 }), 'InvalidInput'],
    ['fractional window', () => engine.dtw(ok, ok, { window: 1.5 }), 'InvalidInput'],
    ['bad cost', () => engine.dtw(ok, ok, { cost: 'cubic' as 'squared' }), 'InvalidInput'],
    ['batch mismatch', () => engine.dtwBatch(ok, new Float64Array(7)), 'InvalidDimensions'],
    ['k < 1', () => engine.searchTopK(ok, ok, { window: 1, k: 0 }), 'InvalidInput'],
    ['query longer', () => engine.searchTopK(ok, new Float64Array(4), { window: 1, k: 1 }), 'InvalidDimensions'],
    ['absurd path', () => engine.dtw(new Float64Array(100000), new Float64Array(100000), { path: true }), 'TooLarge'],
    ['absurd area', () => engine.dtwBatch(new Float64Array(1e5), new Float64Array(1e5 * 200)), 'TooLarge'],
    ['channels', () => engine.dtwMultivariate(ok, new Float64Array(4), { channels: 2 }), 'InvalidDimensions'],
    ['lcss epsilon', () => engine.lcss(ok, ok, { epsilon: -1 }), 'InvalidInput'],
  ];
  for (const [name, fn, code] of cases) {
    it(`${name} -> ${code}`, () => {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WarpdeskError);
      expect((err as WarpdeskError).code).toBe(code);
    });
  }
  it('async validation rejects instead of throwing', async () => {
    await expect(engine.searchTopKAsync(ok, ok, { window: 1, k: 0 })).rejects.toMatchObject({ code: 'InvalidInput' });
  });
});
