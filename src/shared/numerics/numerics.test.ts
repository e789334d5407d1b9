/**
 * The shared numeric conventions against brute-force oracles written out plainly here (no pruning, no
 * deques, no running state), compared bit for bit where the engine defines the bits (Object.is, so the sign
 * of a zero counts too). The native addon is held to the same bits through the reference engine
 * (native/test/native.test.ts, src/main/engine/reference.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  distanceForSimilarity,
  forecastCone,
  envelope,
  lbKeogh,
  lbOrder,
  normalizeQuery,
  pairSimilarity,
  PruningSet,
  selectTopK,
  similarityFromDistance,
  SIMILARITY_BELOW_ONE,
  WindowStats,
  windowStatsAll,
  ZBLOCK,
  zNormalize,
  zNormalizeWindowInto,
  znormStats,
  type Ranked,
} from '.';

const value = fc.oneof({ weight: 8, arbitrary: fc.double({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }) }, { weight: 1, arbitrary: fc.constantFrom(0, -0, 1, 1e-9, 123456.789) });
const series = (min: number, max: number) => fc.array(value, { minLength: min, maxLength: max }).map((v) => Float64Array.from(v));
/** Walks with long flat stretches and plateaus (where the flat rule and ties matter). */
const steppy = (min: number, max: number) =>
  fc.array(fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 40 }).map((runs) => {
    const out: number[] = [];
    let x = 100;
    for (const [step, len] of runs) for (let i = 0; i < len && out.length < max; i++) out.push((x += step * 0.25));
    while (out.length < min) out.push(x);
    return Float64Array.from(out);
  });

// ---- oracles ----------------------------------------------------------------------------------------

/** The convention spelled out: sums and sums of squares, then mean, variance, std and the flat rule. */
function statsOracle(sum: number, sumsq: number, m: number): { mean: number; std: number; flat: boolean } {
  const mean = sum / m;
  const variance = sumsq / m - mean * mean;
  const std = variance > 0 ? Math.sqrt(variance) : 0;
  return { mean, std, flat: std === 0 || !(std > 1e-6 * Math.abs(mean)) };
}

/** Candidate s: sequential sums at its block start, then one running update per start up to s. */
function windowOracle(x: ArrayLike<number>, m: number, s: number): { mean: number; std: number; flat: boolean } {
  const b = Math.floor(s / ZBLOCK) * ZBLOCK;
  let sum = 0;
  let sumsq = 0;
  for (let j = 0; j < m; j++) {
    sum += x[b + j]!;
    sumsq += x[b + j]! * x[b + j]!;
  }
  for (let t = b + 1; t <= s; t++) {
    sum += x[t + m - 1]! - x[t - 1]!;
    sumsq += x[t + m - 1]! * x[t + m - 1]! - x[t - 1]! * x[t - 1]!;
  }
  return statsOracle(sum, sumsq, m);
}

function envelopeOracle(x: ArrayLike<number>, w: number): { upper: number[]; lower: number[] } {
  const upper: number[] = [];
  const lower: number[] = [];
  for (let i = 0; i < x.length; i++) {
    let hi = -Infinity;
    let lo = Infinity;
    for (let j = Math.max(0, i - w); j <= Math.min(x.length - 1, i + w); j++) {
      if (x[j]! > hi) hi = x[j]!;
      if (x[j]! < lo) lo = x[j]!;
    }
    upper.push(hi);
    lower.push(lo);
  }
  return { upper, lower };
}

function lbOracle(c: ArrayLike<number>, upper: ArrayLike<number>, lower: ArrayLike<number>, order: ArrayLike<number>): number {
  let lb = 0;
  for (let t = 0; t < order.length; t++) {
    const j = order[t]!;
    if (c[j]! > upper[j]!) lb += (c[j]! - upper[j]!) * (c[j]! - upper[j]!);
    else if (c[j]! < lower[j]!) lb += (c[j]! - lower[j]!) * (c[j]! - lower[j]!);
  }
  return lb;
}

/** Banded squared-cost DTW over the full matrix (|i - j| <= w), for the lower-bound property. */
function dtwOracle(a: ArrayLike<number>, b: ArrayLike<number>, w: number): number {
  const n = a.length;
  const D = Array.from({ length: n + 1 }, () => new Array<number>(n + 1).fill(Infinity));
  D[0]![0] = 0;
  for (let i = 1; i <= n; i++) for (let j = Math.max(1, i - w); j <= Math.min(n, i + w); j++) D[i]![j] = (a[i - 1]! - b[j - 1]!) ** 2 + Math.min(D[i - 1]![j - 1]!, D[i - 1]![j]!, D[i]![j - 1]!);
  return D[n]![n]!;
}

/** Greedy selection by its definition: pick after pick, the least (distance, index) not within the zone of a pick. */
function selectOracle(cands: Ranked[], k: number, exclusion: number): Ranked[] {
  const picks: Ranked[] = [];
  for (;;) {
    if (picks.length >= k) return picks;
    let best: Ranked | undefined;
    for (const c of cands) {
      if (picks.some((p) => Math.abs(p.index - c.index) <= exclusion)) continue;
      if (!best || c.distance < best.distance || (c.distance === best.distance && c.index < best.index)) best = c;
    }
    if (!best) return picks;
    picks.push(best);
  }
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

// ---- properties -------------------------------------------------------------------------------------

describe('z-normalisation (the engine convention)', () => {
  it('a single series: sequential sums, flat rule; z has mean 0 and std 1 when not flat', () => {
    fc.assert(
      fc.property(fc.oneof(series(1, 80), steppy(1, 80)), (x) => {
        let sum = 0;
        let sumsq = 0;
        for (const v of x) {
          sum += v;
          sumsq += v * v;
        }
        const want = statsOracle(sum, sumsq, x.length);
        const st = znormStats(x);
        expect(Object.is(st.mean, want.mean) && Object.is(st.std, want.std) && st.flat === want.flat).toBe(true);
        const z = zNormalize(x);
        const zWant = Array.from(x, (v) => (want.flat ? 0 : (v - want.mean) / want.std));
        expect(same(z, zWant)).toBe(true);
        expect(same(normalizeQuery(x, true), zWant)).toBe(true);
        expect(same(normalizeQuery(x, false), x)).toBe(true);
        // (a sanity check of the formula, away from cancellation and from squares that underflow)
        if (!want.flat && x.length > 1 && want.std > 1e-3 * Math.abs(want.mean) && want.std > 1e-100) {
          const zm = z.reduce((a, v) => a + v, 0) / z.length;
          const zs = Math.sqrt(z.reduce((a, v) => a + (v - zm) ** 2, 0) / z.length);
          expect(Math.abs(zm)).toBeLessThan(1e-6);
          expect(Math.abs(zs - 1)).toBeLessThan(1e-6);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a constant window is flat and normalises to zeros', () => {
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 50 }), (v, n) => {
        const x = new Float64Array(n).fill(v);
        expect(znormStats(x).flat).toBe(true);
        expect(Array.from(zNormalize(x)).every((z) => Object.is(z, 0))).toBe(true);
      }),
    );
  });

  it('window statistics: running sums restarted every 64 starts, in any seek order', () => {
    fc.assert(
      fc.property(
        fc.oneof(series(1, 400), steppy(1, 400)).chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: 1, max: x.length }))),
        fc.array(fc.nat(), { maxLength: 30 }),
        ([x, m], jumps) => {
          const n = x.length - m + 1;
          const ws = new WindowStats(x, m);
          expect(ws.starts).toBe(n);
          const all = windowStatsAll(x, m);
          for (let s = 0; s < n; s++) {
            const want = windowOracle(x, m, s);
            expect(Object.is(all.mean[s], want.mean) && Object.is(all.std[s], want.std) && all.flat[s] === (want.flat ? 1 : 0)).toBe(true);
          }
          for (const j of jumps) {
            const s = j % n;
            const want = windowOracle(x, m, s);
            ws.seek(s);
            expect(Object.is(ws.mean, want.mean) && Object.is(ws.std, want.std) && ws.flat === want.flat).toBe(true);
            const out = new Float64Array(m + 2);
            zNormalizeWindowInto(x, s, m, ws, out, 1);
            expect(
              same(
                out.subarray(1, m + 1),
                Array.from(x.subarray(s, s + m), (v) => (want.flat ? 0 : (v - want.mean) / want.std)),
              ),
            ).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('envelope and LB_Keogh', () => {
  it('envelope equals the max/min scan over [i - w, i + w], to the sign of zero', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          series(1, 120),
          steppy(1, 120),
          fc.array(fc.constantFrom(0, -0, 1, -1), { minLength: 1, maxLength: 40 }).map((v) => Float64Array.from(v)),
        ),
        fc.nat(130),
        (x, w) => {
          const got = envelope(x, w);
          const want = envelopeOracle(x, w);
          expect(same(got.upper, want.upper)).toBe(true);
          expect(same(got.lower, want.lower)).toBe(true);
          const U = new Float64Array(x.length);
          const L = new Float64Array(x.length);
          expect(envelope(x, w, U, L).upper).toBe(U);
          expect(same(L, want.lower)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('lbOrder lists positions by decreasing |q|, ties by position', () => {
    fc.assert(
      fc.property(series(1, 60), (q) => {
        const o = Array.from(lbOrder(q));
        expect([...o].sort((a, b) => a - b)).toEqual(Array.from({ length: q.length }, (_, i) => i));
        for (let t = 1; t < o.length; t++) {
          const a = Math.abs(q[o[t - 1]!]!);
          const b = Math.abs(q[o[t]!]!);
          expect(a > b || (a === b && o[t - 1]! < o[t]!)).toBe(true);
        }
      }),
    );
  });

  it('LB_Keogh is the ordered sum, abandons exactly when the sum passes the limit, and bounds DTW', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((m) => fc.tuple(series(m, m), series(m + 10, m + 10), fc.nat(m), fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: undefined }))),
        ([qRaw, raw, w, limit]) => {
          const m = qRaw.length;
          const q = zNormalize(qRaw);
          const { upper, lower } = envelope(q, w);
          const order = lbOrder(q);
          const c = zNormalize(raw.subarray(3, 3 + m));
          const full = lbOracle(c, upper, lower, order);
          const got = lbKeogh(c, 0, upper, lower, limit, order);
          if (limit === undefined || !(full > limit)) expect(Object.is(got, full)).toBe(true);
          else expect(got).toBeGreaterThan(limit);
          expect(
            Object.is(
              lbKeogh(c, 0, upper, lower),
              lbOracle(
                c,
                upper,
                lower,
                Array.from({ length: m }, (_, i) => i),
              ),
            ),
          ).toBe(true);
          // on the fly from the raw series under its window statistics: the same bits as on the normalised copy
          const st = znormStats(raw, 3, m);
          expect(Object.is(lbKeogh(raw, 3, upper, lower, limit, order, st), got)).toBe(true);
          // a lower bound of the banded DTW (up to rounding of the sums)
          const d = dtwOracle(q, c, w);
          expect(lbKeogh(c, 0, upper, lower)).toBeLessThanOrEqual(d * (1 + 1e-12) + 1e-12);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('greedy exclusion selection and the pruning set', () => {
  // Small integer distances make many ties; indices are distinct starts.
  const cands = fc
    .uniqueArray(fc.nat(300), { minLength: 0, maxLength: 80 })
    .chain((idx) =>
      fc
        .tuple(fc.constant(idx), fc.array(fc.oneof(fc.integer({ min: 0, max: 12 }), fc.double({ min: 0, max: 50, noNaN: true })), { minLength: idx.length, maxLength: idx.length }))
        .map(([i, d]) => i.map((index, t) => ({ index, distance: d[t]! }))),
    );

  it('selectTopK equals the pick-by-pick definition', () => {
    fc.assert(
      fc.property(cands, fc.integer({ min: 1, max: 12 }), fc.nat(20), (cs, k, excl) => {
        const got = selectTopK(cs, k, excl);
        expect(got).toEqual(selectOracle(cs, k, excl));
        for (let i = 0; i < got.length; i++) for (let j = i + 1; j < got.length; j++) expect(Math.abs(got[i]!.index - got[j]!.index)).toBeGreaterThan(excl);
      }),
      { numRuns: 500 },
    );
  });

  it('offered in any order, the pruning set never excludes a selected candidate (distance > T cannot be picked)', () => {
    fc.assert(
      fc.property(cands, fc.integer({ min: 1, max: 8 }), fc.nat(20), fc.integer(), (cs, k, excl, seed) => {
        const shuffled = cs.slice();
        let s = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const set = new PruningSet(k, excl);
        let T = Infinity;
        for (const c of shuffled) T = set.offer(c.index, c.distance);
        expect(T).toBe(set.threshold);
        expect(set.size).toBeLessThanOrEqual(k);
        const members = set.members();
        expect(set.indices()).toEqual(members.map((m) => m.index));
        for (let i = 0; i < members.length; i++) for (let j = i + 1; j < members.length; j++) expect(Math.abs(members[i]!.index - members[j]!.index)).toBeGreaterThan(2 * excl);
        if (set.size < k) expect(T).toBe(Infinity);
        else expect(T).toBe(Math.max(...members.map((m) => m.distance)));
        const want = selectOracle(cs, k, excl);
        expect(
          selectTopK(
            cs.filter((c) => c.distance <= T),
            k,
            excl,
          ),
        ).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });
});

describe('similarity', () => {
  it('1 / (1 + d / n), 1 only at distance 0 (pairs: only when identical), capped below 1 otherwise', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), fc.integer({ min: 1, max: 100000 }), fc.integer({ min: 1, max: 100000 }), fc.boolean(), (d, n, m, identical) => {
        const raw = 1 / (1 + d / n);
        expect(similarityFromDistance(d, n)).toBe(d <= 0 ? 1 : raw >= 1 ? SIMILARITY_BELOW_ONE : raw);
        const rawPair = 1 / (1 + d / Math.max(n, m));
        expect(pairSimilarity(d, n, m, identical)).toBe(identical ? 1 : rawPair >= 1 ? SIMILARITY_BELOW_ONE : rawPair);
        const sim = similarityFromDistance(d, n);
        if (d > 0 && sim < SIMILARITY_BELOW_ONE) expect(Math.abs(distanceForSimilarity(sim, n) - d)).toBeLessThanOrEqual(1e-9 * Math.max(1, d) * (1 + d / n));
      }),
      { numRuns: 500 },
    );
    expect(distanceForSimilarity(1, 10)).toBe(0);
    expect(distanceForSimilarity(0, 10)).toBe(Infinity);
    expect(similarityFromDistance(1e-300, 10)).toBe(SIMILARITY_BELOW_ONE);
  });
});

describe('forecastCone', () => {
  it('rescales the paths to the last close and takes percentiles step by step', () => {
    const paths = [
      [0.1, 0.2],
      [0, 0],
      [-0.1, -0.2],
    ];
    const c = forecastCone(paths, 100, 5)!;
    expect(c.steps).toBe(2);
    expect(c.paths).toBe(3);
    expect(c.bands[50]).toEqual([100, 100, 100]);
    expect(c.bands[90][2]).toBeCloseTo(116, 10);
    expect(c.bands[10][1]).toBeCloseTo(92, 10);
    expect(c.bands[25][1]).toBeCloseTo(95, 10);
  });
  it('is null without paths, and stops at the shortest path', () => {
    expect(forecastCone([], 1, 3)).toBeNull();
    expect(forecastCone([[0.1, 0.2, 0.3], [0.1]], 10, 3)!.steps).toBe(1);
  });
});
