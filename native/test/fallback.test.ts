/** native/lib/fallback.js (served by native/index.js when the binary can't load) agrees with the reference. */
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { K } from '../../src/main/engine/reference';
import { walk } from './helpers';

const fb = createRequire(__filename)(path.join(__dirname, '..', 'lib', 'fallback.js')) as {
  dtw(a: Float64Array, b: Float64Array, w: number, abs: boolean): number;
  dtwPath(a: Float64Array, b: Float64Array, w: number, abs: boolean): { distance: number; path: Int32Array };
  dtwBatch(q: Float64Array, c: Float64Array, w: number, abs: boolean): Float64Array;
  dtwMulti(a: Float64Array, b: Float64Array, ch: number, w: number, abs: boolean): number;
  searchTopK(s: Float64Array, q: Float64Array, w: number, k: number, z: boolean, e: number): unknown;
  searchTopKAsync(s: Float64Array, q: Float64Array, w: number, k: number, z: boolean, e: number): { promise: Promise<unknown>; cancel(): void; progress(): number };
  lcss(a: Float64Array, b: Float64Array, eps: number, delta: number): number;
  lcssMatrix(l: Float64Array[], eps: number, delta: number): Float64Array;
};

describe('JS fallback of the native API', () => {
  it('matches the reference kernels', async () => {
    const a = walk(60, 1), b = walk(47, 2);
    expect(fb.dtw(a, b, 5, false)).toBe(K.dtw(a, b, 5, false));
    expect(Array.from(fb.dtwPath(a, b, -1, true).path)).toEqual(K.dtwPath(a, b, -1, true).path.flat());
    const c = walk(60 * 7, 3);
    expect(Array.from(fb.dtwBatch(a, c, 3, false))).toEqual(Array.from({ length: 7 }, (_, i) => K.dtw(a, c.subarray(i * 60, i * 60 + 60), 3, false)));
    expect(fb.dtwMulti(a, walk(40, 4), 2, -1, false)).toBe(K.dtwMulti(a, walk(40, 4), 2, -1, false));
    const s = walk(1500, 5), q = walk(30, 6);
    expect(fb.searchTopK(s, q, 3, 3, true, 15)).toEqual(K.bruteForce(s, q, 3, 3, true, 15));
    expect(await fb.searchTopKAsync(s, q, 3, 3, true, 15).promise).toEqual(K.bruteForce(s, q, 3, 3, true, 15));
    const job = fb.searchTopKAsync(s, q, 3, 3, true, 15);
    job.cancel();
    await expect(job.promise).rejects.toMatchObject({ code: 'Cancelled' });
    expect(fb.lcss(a, b, 0.2, 4)).toBe(K.lcss(a, b, 0.2, 4));
    expect(fb.lcssMatrix([a, b], 0.2, 4)[1]).toBe(K.lcss(a, b, 0.2, 4));
    expect(() => fb.dtw(new Float64Array([NaN]), a, -1, false)).toThrow(expect.objectContaining({ code: 'NonFinite' }));
  });
});
