import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createNativeEngine } from '../../src/main/engine/native-adapter';
import { createReferenceEngine, K } from '../../src/main/engine/reference';
import type { NativeBinding } from '../../src/main/engine/native-types';
import { WarpdeskError } from '../../src/shared/errors';
import { f32Tolerance, isNative, levels, native, walk } from './helpers';

const ref = createReferenceEngine();
const initial = isNative ? native.simdLevel() : 'js';
afterAll(() => {
  if (isNative) native.setSimdLevel(initial);
});

const finite = fc.double({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true });
const arr = (min: number, max: number) => fc.array(finite, { minLength: min, maxLength: max }).map((v) => Float64Array.from(v));

describe.skipIf(!isNative)('WARPDESK_SIMD', () => {
  it('caps the level at load time; an unavailable level is reported and ignored', () => {
    const entry = require.resolve('../index.js');
    const run = (value: string) =>
      JSON.parse(
        execFileSync(process.execPath, ['-e', `const n = require(${JSON.stringify(entry)}); console.log(JSON.stringify([n.simdLevel(), n.simdNote]))`], {
          env: { ...process.env, WARPDESK_SIMD: value },
          encoding: 'utf8',
        }),
      ) as [string, string];
    expect(run('scalar')).toEqual(['scalar', '']);
    const best = levels[levels.length - 1]!;
    const [lv, note] = run('avx9000');
    expect(lv).toBe(best);
    expect(note).toMatch(/not available/);
  });
});

describe.skipIf(!isNative)('native addon loads', () => {
  it('reports native backend and the levels of this machine', () => {
    expect(native.backend).toBe('native');
    expect(levels[0]).toBe('scalar');
    expect(levels).toContain(native.simdLevel());
    expect(() => native.setSimdLevel('avx9000')).toThrow(/not available/);
  });
});

for (const level of levels) {
  describe(`native kernels at level ${level}`, () => {
    const use = () => native.setSimdLevel(level);

    it('dtw (f64) is bit-identical to the reference; f32 within the documented tolerance', () => {
      use();
      fc.assert(
        fc.property(arr(1, 90), arr(1, 90), fc.option(fc.nat(100), { nil: undefined }), fc.boolean(), (a, b, w, abs) => {
          const expected = K.dtw(a, b, w ?? -1, abs);
          expect(native.dtw(a, b, w ?? -1, abs)).toBe(expected);
          const a32 = Float32Array.from(a);
          const b32 = Float32Array.from(b);
          const r32 = K.dtw(a32, b32, w ?? -1, abs);
          expect(Math.abs(native.dtw(a32, b32, w ?? -1, abs) - r32)).toBeLessThanOrEqual(f32Tolerance(a.length, b.length, r32));
          expect(native.dtw(a, a, w ?? -1, abs)).toBe(0);
        }),
        { numRuns: 150 },
      );
      // long inputs exercise the wavefront kernel's full vectors and band edges
      for (const [n, m, w] of [
        [300, 300, -1],
        [257, 301, 17],
        [1000, 1000, 100],
        [64, 640, 10],
      ] as const) {
        const a = walk(n, n),
          b = walk(m, m + 1);
        expect(native.dtw(a, b, w, false)).toBe(K.dtw(a, b, w, false));
        expect(native.dtw(a, b, w, true)).toBe(K.dtw(a, b, w, true));
      }
    });

    it('long single pairs (the strip-mined wavefront) are bit-identical to the reference', () => {
      use();
      // Strips are 1,024 rows (f64) / 2,048 rows (f32): lengths around and past those, any window, both costs.
      fc.assert(
        fc.property(fc.integer({ min: 2, max: 2600 }), fc.integer({ min: 2, max: 2600 }), fc.option(fc.nat(2700), { nil: undefined }), fc.boolean(), fc.nat(1e6), (n, m, w, abs, seed) => {
          const a = walk(n, seed);
          const b = walk(m, seed + 1);
          expect(native.dtw(a, b, w ?? -1, abs)).toBe(K.dtw(a, b, w ?? -1, abs));
          const a32 = Float32Array.from(a);
          const b32 = Float32Array.from(b);
          const r32 = K.dtw(a32, b32, w ?? -1, abs);
          expect(Math.abs(native.dtw(a32, b32, w ?? -1, abs) - r32)).toBeLessThanOrEqual(f32Tolerance(n, m, r32));
        }),
        { numRuns: 25 },
      );
      for (const [n, m, w] of [
        [1025, 1025, -1],
        [2049, 2048, -1],
        [3100, 700, 2500],
        [2050, 2049, 3],
      ] as const) {
        const a = walk(n, n + 3),
          b = walk(m, m + 5);
        expect(native.dtw(a, b, w, false)).toBe(K.dtw(a, b, w, false));
        expect(native.dtw(b, a, w, true)).toBe(K.dtw(b, a, w, true));
        const a32 = Float32Array.from(a),
          b32 = Float32Array.from(b);
        const r32 = K.dtw(a32, b32, w, true);
        expect(Math.abs(native.dtw(a32, b32, w, true) - r32)).toBeLessThanOrEqual(f32Tolerance(n, m, r32));
      }
    });

    it('dtwBatch (f64) equals the reference; f32 within tolerance', () => {
      use();
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 150 }), fc.option(fc.nat(12), { nil: undefined }), fc.nat(1000), (m, count, w, seed) => {
          const q = walk(m, seed);
          const c = walk(m * count, seed + 1);
          const got = native.dtwBatch(q, c, w ?? -1, false);
          for (let i = 0; i < count; i++) expect(got[i]).toBe(K.dtw(q, c.subarray(i * m, i * m + m), w ?? -1, false));
          const q32 = Float32Array.from(q);
          const c32 = Float32Array.from(c);
          const g32 = native.dtwBatch(q32, c32, w ?? -1, true);
          for (let i = 0; i < count; i++) {
            const r = K.dtw(q32, c32.subarray(i * m, i * m + m), w ?? -1, true);
            expect(Math.abs(g32[i]! - r)).toBeLessThanOrEqual(f32Tolerance(m, m, r));
          }
        }),
        { numRuns: 40 },
      );
    });

    it('searchTopK equals the brute-force answer exactly', () => {
      use();
      fc.assert(
        fc.property(fc.nat(1e6), fc.integer({ min: 3, max: 48 }), fc.integer({ min: 1, max: 6 }), fc.nat(8), fc.boolean(), fc.nat(30), (seed, m, k, w, z, excl) => {
          const s = walk(700, seed);
          const q = walk(m, seed + 99);
          expect(native.searchTopK(s, q, w, k, z, excl)).toEqual(K.bruteForce(s, q, w, k, z, excl));
        }),
        { numRuns: 40 },
      );
    });

    it('searchTopK at wide windows (the EAPrunedDTW lane kernel) equals the brute-force answer exactly', () => {
      use();
      // Windows from 32 up to the whole query take the pruned lane kernel; noisy copies of the query planted
      // in the series make many candidates finish near the threshold, where pruning decides the most.
      fc.assert(
        fc.property(
          fc.nat(1e6),
          fc.integer({ min: 32, max: 96 }),
          fc.integer({ min: 1, max: 5 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.boolean(),
          fc.nat(40),
          fc.double({ min: 0, max: 0.3, noNaN: true }),
          (seed, m, k, wFrac, z, excl, noise) => {
            const w = Math.max(32, Math.round(wFrac * m));
            const s = walk(1500, seed);
            const q = walk(m, seed + 99);
            const jitter = walk(m + 1, seed + 7);
            for (let c = 0; c < 6; c++) {
              const at = 37 + c * 230;
              for (let j = 0; j < m; j++) s[at + j] = (z ? 1 + c : 0) + q[j]! * (z ? 0.5 + c * 0.3 : 1) + noise * (c + 1) * (jitter[j + 1]! - jitter[j]!);
            }
            expect(native.searchTopK(s, q, w, k, z, excl)).toEqual(K.bruteForce(s, q, w, k, z, excl));
          },
        ),
        { numRuns: 30 },
      );
    });

    it('searchWalk equals the brute-force answer of every decision (seeds, shared envelope and statistics, threads)', () => {
      use();
      // Walks as the backtest makes them: queries sliding by `step`, ranges growing (from fixed) or sliding
      // (maxHistory: from moves too, so most decisions compute their statistics on the fly), planted copies so
      // the seeds are near the answer, 1 or 3 threads (pieces of the walk start without seeds).
      fc.assert(
        fc.property(
          fc.nat(1e6),
          fc.integer({ min: 3, max: 40 }),
          fc.integer({ min: 1, max: 5 }),
          fc.nat(8),
          fc.boolean(),
          fc.nat(30),
          fc.integer({ min: 1, max: 4 }),
          fc.option(fc.integer({ min: 60, max: 300 }), { nil: undefined }),
          fc.constantFrom(1, 3),
          (seed, m, k, w, z, excl, step, maxHistory, threads) => {
            const n = 420;
            const s = walk(n, seed);
            const q = walk(m, seed + 99);
            for (let c = 0; c < 4; c++) for (let j = 0; j < m; j++) s[20 + c * 90 + j] = c + q[j]! * (1 + c * 0.2);
            const qs: number[] = [];
            const from: number[] = [];
            const to: number[] = [];
            for (let t = m + 5; t + m <= n; t += step) {
              qs.push(t);
              to.push(t - 2);
              from.push(maxHistory === undefined ? 0 : Math.max(0, t - 2 - maxHistory));
            }
            native.setThreads(threads);
            const got = native.searchWalk(s, Int32Array.from(qs), Int32Array.from(from), Int32Array.from(to), m, w, k, z, excl);
            native.setThreads(0);
            for (let d = 0; d < qs.length; d++) {
              const want = to[d]! - from[d]! >= m ? K.bruteForce(s.subarray(from[d]!, to[d]!), s.subarray(qs[d]!, qs[d]! + m), w, k, z, excl) : [];
              const row = Array.from({ length: k }, (_, j) => got.index[d * k + j]!)
                .map((index, j) => ({ index, distance: got.distance[d * k + j]! }))
                .filter((r) => r.index >= 0)
                .map((r) => ({ index: r.index - from[d]!, distance: r.distance }));
              expect(row).toEqual(want);
            }
          },
        ),
        { numRuns: 25 },
      );
    });

    it('searchTopK over a long series equals the reference search (2 threads, chunk seams)', () => {
      use();
      const s = walk(120000, 42);
      const q = s.slice(70000, 70128);
      const want = ref.searchTopK(s, q, { window: 7, k: 5 });
      expect(native.searchTopK(s, q, 7, 5, true, 64)).toEqual(want);
      const f32 = Float32Array.from(s);
      expect(native.searchTopK(f32, q, 7, 5, true, 64)).toEqual(ref.searchTopK(f32, q, { window: 7, k: 5 }));
    });

    it('lcss and lcssMatrix equal the reference (f64), and f32 matrices agree', () => {
      use();
      fc.assert(
        fc.property(arr(1, 40), arr(1, 40), fc.double({ min: 0, max: 30, noNaN: true }), fc.integer({ min: -1, max: 12 }), (a, b, eps, delta) => {
          expect(native.lcss(a, b, eps, delta)).toBe(K.lcss(a, b, eps, delta < 0 ? Infinity : delta));
        }),
        { numRuns: 200 },
      );
      const list = Array.from({ length: 37 }, (_, i) => walk(90, i + 1));
      for (const delta of [0, 5, 200]) {
        const mat = native.lcssMatrix(list, 0.25, delta);
        const mat32 = native.lcssMatrix(
          list.map((x) => Float32Array.from(x)),
          0.25,
          delta,
        );
        for (let i = 0; i < list.length; i++)
          for (let j = 0; j < list.length; j++) {
            const want = i === j ? 1 : K.lcss(list[i]!, list[j]!, 0.25, delta);
            expect(mat[i * list.length + j]).toBe(want);
            expect(mat32[i * list.length + j]).toBe(i === j ? 1 : K.lcss(Float32Array.from(list[i]!), Float32Array.from(list[j]!), 0.25, delta));
          }
      }
      // unequal lengths take the per-pair path
      const mixed = [walk(30, 1), walk(45, 2), walk(12, 3)];
      const mm = native.lcssMatrix(mixed, 0.3, 4);
      expect(mm[1]).toBe(K.lcss(mixed[0]!, mixed[1]!, 0.3, 4));
      expect(mm[5]).toBe(K.lcss(mixed[1]!, mixed[2]!, 0.3, 4));
    });

    it('multivariate dtw and warping paths equal the reference', () => {
      use();
      const a = walk(3 * 40, 5),
        b = walk(3 * 33, 6);
      expect(native.dtwMulti(a, b, 3, 9, false)).toBe(K.dtwMulti(a, b, 3, 9, false));
      const r = native.dtwPath(a, b, 20, true);
      const want = K.dtwPath(a, b, 20, true);
      expect(r.distance).toBe(want.distance);
      expect(Array.from(r.path)).toEqual(want.path.flat());
    });
  });
}

describe.skipIf(!isNative)('native engine through the facade', () => {
  const eng = createNativeEngine(native as unknown as NativeBinding);

  it('matches the reference engine on the public API', () => {
    const a = walk(200, 1),
      b = walk(180, 2);
    expect(eng.dtw(a, b, { window: 30 })).toEqual(ref.dtw(a, b, { window: 30 }));
    expect(eng.dtw(a, b, { path: true })).toEqual(ref.dtw(a, b, { path: true }));
    const q = eng.quantize(a);
    expect(eng.dtw(q, b)).toEqual(ref.dtw(q, b));
    expect(eng.dtwMultivariate(a, b.subarray(0, 100), { channels: 2 })).toEqual(ref.dtwMultivariate(a, b.subarray(0, 100), { channels: 2 }));
  });

  it('async search: same answer, progress reaches 1, cancellation rejects with Cancelled', async () => {
    const s = walk(300000, 3);
    const q = s.slice(123456, 123456 + 128);
    const progress: number[] = [];
    const sync = eng.searchTopK(s, q, { window: 7, k: 3 });
    expect(sync[0]!.index).toBe(123456);
    expect(await eng.searchTopKAsync(s, q, { window: 7, k: 3, onProgress: (f) => progress.push(f) })).toEqual(sync);
    expect(progress[progress.length - 1]).toBe(1);
    // cancel mid-run: abort at the first progress report of a long search (a 2M-point series)
    const ac = new AbortController();
    const long = walk(2_000_000, 13);
    let reports = 0;
    const p = eng.searchTopKAsync(long, walk(256, 14), {
      window: 26,
      k: 3,
      signal: ac.signal,
      onProgress: () => {
        reports++;
        ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'Cancelled' });
    expect(reports).toBeGreaterThan(0);
    const bq = walk(128, 1);
    const bc = Float32Array.from(walk(128 * 5000, 2));
    expect(await eng.dtwBatchAsync(Float32Array.from(bq), bc, { window: 12 })).toEqual(eng.dtwBatch(Float32Array.from(bq), bc, { window: 12 }));
    const ac2 = new AbortController();
    const pb = eng.dtwBatchAsync(bq, walk(128 * 20000, 3), { signal: ac2.signal });
    ac2.abort();
    await expect(pb).rejects.toMatchObject({ code: 'Cancelled' });
    const list = Array.from({ length: 10 }, (_, i) => walk(100, i));
    expect(await eng.lcssMatrixAsync(list, { epsilon: 0.2, delta: 10 })).toEqual(eng.lcssMatrix(list, { epsilon: 0.2, delta: 10 }));
  });

  it('the event loop keeps running during an async search', async () => {
    const s = walk(2_000_000, 8);
    const q = walk(256, 9);
    let settled = false;
    const pending = eng.searchTopKAsync(s, q, { window: 64, k: 3 }).then((r) => {
      settled = true;
      return r;
    });
    // event-loop turns taken while the search runs on its own thread (a blocking call would allow none)
    let turns = 0;
    while (!settled) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!settled) turns++;
    }
    expect(turns).toBeGreaterThan(0);
    expect(await pending).toEqual(eng.searchTopK(s, q, { window: 64, k: 3 }));
  });

  it('bad input becomes WarpdeskError with a code, also straight from the addon', () => {
    const ok = new Float64Array([1, 2, 3]);
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return (e as { code?: string }).code;
      }
      return undefined;
    };
    expect(codeOf(() => eng.dtw(ok, new Float64Array([NaN])))).toBe('NonFinite');
    expect(codeOf(() => eng.dtwBatch(ok, new Float64Array(4)))).toBe('InvalidDimensions');
    expect(codeOf(() => eng.searchTopK(ok, ok, { window: 1, k: 0 }))).toBe('InvalidInput');
    // the addon's own checks (bypassing the facade) never crash
    expect(codeOf(() => native.dtw(new Float64Array(0), ok, -1, false))).toBe('InvalidInput');
    expect(codeOf(() => native.dtw(ok, new Float32Array([Infinity]), -1, false))).toBe('NonFinite');
    expect(codeOf(() => native.dtw(ok, [1, 2] as unknown as Float64Array, -1, false))).toBe('InvalidInput');
    expect(codeOf(() => native.dtw(ok, ok, 1.5, false))).toBe('InvalidInput');
    expect(codeOf(() => native.dtwBatch(ok, new Float64Array(5), -1, false))).toBe('InvalidDimensions');
    expect(codeOf(() => native.searchTopK(ok, new Float64Array(4), 1, 1, true, 0))).toBe('InvalidDimensions');
    expect(codeOf(() => native.searchTopK(ok, ok, 1, 0, true, 0))).toBe('InvalidInput');
    expect(codeOf(() => native.dtwPath(new Float64Array(1e5), new Float64Array(1e5), -1, false))).toBe('TooLarge');
    expect(codeOf(() => native.dtwBatch(new Float64Array(1e5), new Float64Array(2e7), -1, false))).toBe('TooLarge');
    expect(codeOf(() => native.lcssMatrix([], 1, 1))).toBe('InvalidInput');
    expect(codeOf(() => native.lcss(ok, ok, -1, 1))).toBe('InvalidInput');
    expect(codeOf(() => native.dtwMulti(ok, ok, 2, -1, false))).toBe('InvalidDimensions');
    let err: unknown;
    try {
      eng.dtw(ok, new Float32Array([1, Infinity]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WarpdeskError);
  });
});

describe.skipIf(!isNative)('native addon never crashes on junk arguments', () => {
  it('every function throws a coded error (or returns) for arbitrary argument lists', () => {
    const junk: unknown[] = [
      undefined,
      null,
      0,
      -1,
      1.5,
      NaN,
      Infinity,
      1e300,
      '',
      'x',
      {},
      [],
      [1, 2],
      true,
      new Float64Array(0),
      new Float64Array([1, 2, 3]),
      new Float32Array([NaN]),
      new Int32Array(3),
      new Float64Array(8),
      () => 1,
    ];
    const fns = [
      'dtw',
      'dtwPath',
      'dtwBatch',
      'dtwBatchAsync',
      'dtwMulti',
      'searchTopK',
      'searchTopKAsync',
      'searchWalk',
      'searchWalkAsync',
      'lcss',
      'lcssMatrix',
      'lcssMatrixAsync',
      'setSimdLevel',
      'setThreads',
    ] as const;
    const codes = new Set(['InvalidInput', 'InvalidDimensions', 'NonFinite', 'TooLarge', 'Cancelled']);
    const nat = native as unknown as Record<string, (...args: unknown[]) => unknown>;
    fc.assert(
      fc.property(fc.constantFrom(...fns), fc.array(fc.constantFrom(...junk), { maxLength: 6 }), (fn, args) => {
        try {
          const r = nat[fn]!(...args) as { promise?: Promise<unknown> } | undefined;
          if (r && typeof r === 'object' && 'promise' in r && r.promise) r.promise.catch(() => undefined);
        } catch (e) {
          expect(codes.has((e as { code?: string }).code ?? '')).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
    native.setSimdLevel(initial);
    native.setThreads(0);
  });
});
