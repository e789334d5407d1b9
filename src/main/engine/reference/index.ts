/**
 * The TypeScript reference engine: the whole PatternEngine API on top of ./kernels. It is the oracle the
 * native addon is tested against and the fallback when the addon can't load.
 * Must never: block the caller in the *Async methods (they run in a worker thread).
 */
import { WarpdeskError } from '../../../shared/errors';
import type { AsyncOptions, DtwOptions, DtwResult, LcssOptions, MultivariateOptions, NumericArray, PatternEngine, PatternInput, SearchMatch, SearchOptions, SearchWalk, WalkMatches } from '../types';
import { checkArray, checkCells, MAX_CELLS, checkCost, checkInt, checkLcssOptions, checkPattern, checkWindow, identical, MAX_PATH_CELLS, quantize, checkDistance, checkDistances, checkMatrixSize } from '../validate';
import { K } from './kernels';
import { refineRows } from './refine-rows';
import { rowBounds } from './row-bounds';
import { runReferenceJob } from './worker';

export { K };

export interface SearchParams {
  window: number;
  k: number;
  znormalize: boolean;
  exclusion: number;
}

export function checkSearch(series: unknown, query: unknown, options: SearchOptions): { s: NumericArray; q: NumericArray; p: SearchParams } {
  const s = checkArray(series, 'series');
  const q = checkArray(query, 'query');
  if (!options || typeof options !== 'object') throw new WarpdeskError('InvalidInput', 'The search options must be an object with window and k.');
  if (q.length > s.length) throw new WarpdeskError('InvalidDimensions', `The query (${q.length} values) is longer than the series (${s.length} values).`);
  if (q.length > 262144) throw new WarpdeskError('TooLarge', `The search query has ${q.length} values; at most 262,144 are accepted.`);
  const w = checkWindow(options.window);
  const window = w < 0 ? q.length : Math.min(w, q.length);
  const k = checkInt(options.k, 'k', 1, 100000);
  if (options.znormalize !== undefined && typeof options.znormalize !== 'boolean') throw new WarpdeskError('InvalidInput', 'The znormalize option must be true or false.');
  const znormalize = options.znormalize ?? true;
  const exclusion = checkInt(options.exclusionZone, 'exclusionZone', 0, Number.MAX_SAFE_INTEGER, Math.floor(q.length / 2));
  const cells = (s.length - q.length + 1) * q.length * Math.min(q.length, 2 * window + 1);
  if (cells > MAX_CELLS * 100) throw new WarpdeskError('TooLarge', `The search would need ${cells.toExponential(2)} DTW cells without pruning, more than 1e13; use a shorter query or window.`);
  return { s, q, p: { window, k, znormalize, exclusion } };
}

/** Validates a searchWalk call: the search options as checkSearch, and every decision's query and range inside the series. */
export function checkWalk(series: unknown, walk: SearchWalk, options: SearchOptions): { s: NumericArray; p: SearchParams; D: number } {
  const s = checkArray(series, 'series');
  if (!walk || typeof walk !== 'object') throw new WarpdeskError('InvalidInput', 'The walk must be an object with queryStart, from, to and length.');
  const { queryStart, from, to } = walk;
  for (const [name, a] of [
    ['queryStart', queryStart],
    ['from', from],
    ['to', to],
  ] as const) {
    if (!(a instanceof Int32Array)) throw new WarpdeskError('InvalidInput', `The walk's ${name} must be an Int32Array.`);
  }
  const D = queryStart.length;
  if (from.length !== D || to.length !== D) throw new WarpdeskError('InvalidDimensions', "The walk's queryStart, from and to must have the same length.");
  const m = checkInt(walk.length, 'query length', 1, 262144);
  if (m > s.length) throw new WarpdeskError('InvalidDimensions', `The query (${m} values) is longer than the series (${s.length} values).`);
  const probe = checkSearch(s, s.subarray(0, m), options).p;
  let starts = 0;
  for (let d = 0; d < D; d++) {
    if (queryStart[d]! < 0 || queryStart[d]! + m > s.length) throw new WarpdeskError('InvalidInput', `Query ${d} lies outside the series.`);
    if (from[d]! < 0 || to[d]! < from[d]! || to[d]! > s.length) throw new WarpdeskError('InvalidInput', `Search range ${d} lies outside the series.`);
    starts += Math.max(0, to[d]! - from[d]! - m + 1);
  }
  const cells = starts * m * Math.min(m, 2 * probe.window + 1);
  if (cells > MAX_CELLS * 1e5) throw new WarpdeskError('TooLarge', `The walk would need ${cells.toExponential(2)} DTW cells without pruning, more than 1e16; use fewer decisions or a shorter history.`);
  if (D * probe.k > 5e8) throw new WarpdeskError('TooLarge', 'The walk would return more than 5e8 matches.');
  return { s, p: probe, D };
}

/** Puts decision d's matches (starts relative to `base`) into a walk's answer, absolute. */
function putWalkMatches(out: WalkMatches, d: number, k: number, base: number, matches: readonly SearchMatch[]): void {
  matches.forEach((m, j) => {
    out.index[d * k + j] = base + m.index;
    out.distance[d * k + j] = m.distance;
  });
}

/** An empty walk answer: -1 indices and NaN distances. */
export function emptyWalk(D: number, k: number): WalkMatches {
  return { index: new Int32Array(D * k).fill(-1), distance: new Float64Array(D * k).fill(Number.NaN) };
}

export function checkDtw(a: unknown, b: unknown, options?: DtwOptions): { x: NumericArray; y: NumericArray; window: number; absolute: boolean; path: boolean } {
  const x = checkPattern(a, 'first series');
  const y = checkPattern(b, 'second series');
  const o = options ?? {};
  if (typeof o !== 'object') throw new WarpdeskError('InvalidInput', 'The DTW options must be an object.');
  const window = checkWindow(o.window);
  const absolute = checkCost(o.cost) === 'absolute';
  const path = !!o.path;
  checkCells(x.length, y.length, window, 'DTW');
  if (path && (x.length + 1) * (y.length + 1) > MAX_PATH_CELLS) throw new WarpdeskError('TooLarge', `A warping path for ${x.length} x ${y.length} values needs too much memory; ask for the distance only.`);
  return { x, y, window, absolute, path };
}

export function checkBatch(query: unknown, candidates: unknown, options?: { window?: number; cost?: string }): { q: NumericArray; c: NumericArray; window: number; absolute: boolean } {
  const q = checkArray(query, 'query');
  const c = checkArray(candidates, 'candidates');
  if (c.length % q.length !== 0) throw new WarpdeskError('InvalidDimensions', `The candidates hold ${c.length} values, not a whole number of queries of ${q.length} values.`, { length: c.length, queryLength: q.length });
  const o = options ?? {};
  const window = checkWindow(o.window);
  const absolute = checkCost(o.cost) === 'absolute';
  checkCells(c.length, q.length, window, 'batch');
  return { q, c, window, absolute };
}

export function checkMulti(a: unknown, b: unknown, options: MultivariateOptions): { x: NumericArray; y: NumericArray; channels: number; window: number; absolute: boolean } {
  const x = checkArray(a, 'first series');
  const y = checkArray(b, 'second series');
  if (!options || typeof options !== 'object') throw new WarpdeskError('InvalidInput', 'The multivariate options must be an object with channels.');
  const channels = checkInt(options.channels, 'channels', 1, 4096);
  if (x.length % channels !== 0 || y.length % channels !== 0) throw new WarpdeskError('InvalidDimensions', `The series lengths (${x.length}, ${y.length}) are not multiples of ${channels} channels.`);
  const window = checkWindow(options.window);
  const absolute = checkCost(options.cost) === 'absolute';
  checkCells((x.length / channels) * channels, y.length / channels, window, 'multivariate DTW');
  return { x, y, channels, window, absolute };
}

export function checkSeriesList(list: unknown): NumericArray[] {
  if (!Array.isArray(list)) throw new WarpdeskError('InvalidInput', 'The series list must be an array of Float32Array or Float64Array.');
  if (list.length === 0) throw new WarpdeskError('InvalidInput', 'The series list must not be empty.');
  if (list.length > 65536) throw new WarpdeskError('TooLarge', `The series list has ${list.length} series; at most 65536 are accepted.`);
  checkMatrixSize(list.length, 'LCSS matrix');
  return list.map((s, i) => checkArray(s, `series #${i}`));
}

function cancelledError(): WarpdeskError {
  return new WarpdeskError('Cancelled', 'The engine job was cancelled.');
}

export function createReferenceEngine(fallbackReason?: string): PatternEngine {
  return {
    backend: 'js',
    fallbackReason,
    simdLevel: () => 'js',
    dtw(a: PatternInput, b: PatternInput, options?: DtwOptions): DtwResult {
      const { x, y, window, absolute, path } = checkDtw(a, b, options);
      if (path) {
        const r = K.dtwPath(x, y, window, absolute);
        checkDistance(r.distance);
        return { distance: r.distance, similarity: K.similarity(r.distance, x.length, y.length, identical(x, y)), path: r.path };
      }
      const distance = checkDistance(K.dtw(x, y, window, absolute));
      return { distance, similarity: K.similarity(distance, x.length, y.length, identical(x, y)) };
    },
    dtwBatch(query, candidates, options) {
      const { q, c, window, absolute } = checkBatch(query, candidates, options);
      const m = q.length;
      const count = c.length / m;
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = K.dtw(q, c.subarray(i * m, (i + 1) * m), window, absolute);
      return checkDistances(out);
    },
    dtwBatchAsync(query, candidates, options) {
      try {
        if (options?.signal?.aborted) return Promise.reject(cancelledError());
        const { q, c, window, absolute } = checkBatch(query, candidates, options);
        return runReferenceJob<Float64Array>({ type: 'batch', query: q, candidates: c, window, absolute }, options?.onProgress, options?.signal).then((d) => checkDistances(d));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    searchTopK(series, query, options): SearchMatch[] {
      const { s, q, p } = checkSearch(series, query, options);
      const search = K.createSearch(s, q, p.window, p.k, p.znormalize, p.exclusion);
      search.step(search.total);
      return search.result();
    },
    searchTopKAsync(series, query, options: SearchOptions & AsyncOptions): Promise<SearchMatch[]> {
      try {
        if (options?.signal?.aborted) return Promise.reject(cancelledError());
        const { s, q, p } = checkSearch(series, query, options);
        return runReferenceJob<SearchMatch[]>({ type: 'search', series: s, query: q, ...p }, options.onProgress, options.signal);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    searchWalk(series, walk, options): WalkMatches {
      const { s, p, D } = checkWalk(series, walk, options);
      const out = emptyWalk(D, p.k);
      for (let d = 0; d < D; d++) {
        const a = walk.from[d]!;
        if (walk.to[d]! - a < walk.length) continue;
        const q = walk.queryStart[d]!;
        putWalkMatches(out, d, p.k, a, this.searchTopK(s.subarray(a, walk.to[d]!), s.subarray(q, q + walk.length), options));
      }
      return out;
    },
    async searchWalkAsync(series, walk, options): Promise<WalkMatches> {
      const { s, p, D } = checkWalk(series, walk, options);
      const out = emptyWalk(D, p.k);
      for (let d = 0; d < D; d++) {
        const a = walk.from[d]!;
        if (walk.to[d]! - a < walk.length) continue;
        const q = walk.queryStart[d]!;
        const matches = await this.searchTopKAsync(s.subarray(a, walk.to[d]!), s.subarray(q, q + walk.length), {
          window: options.window,
          k: options.k,
          znormalize: options.znormalize,
          exclusionZone: options.exclusionZone,
          signal: options.signal,
        });
        putWalkMatches(out, d, p.k, a, matches);
        options.onProgress?.((d + 1) / D);
      }
      return out;
    },
    quantize,
    dtwMultivariate(a, b, options): DtwResult {
      const { x, y, channels, window, absolute } = checkMulti(a, b, options);
      const distance = checkDistance(K.dtwMulti(x, y, channels, window, absolute), 'multivariate DTW distance');
      return { distance, similarity: K.similarity(distance, x.length / channels, y.length / channels, identical(x, y)) };
    },
    lcss(a, b, options: LcssOptions): number {
      const x = checkArray(a, 'first series');
      const y = checkArray(b, 'second series');
      const { epsilon, delta } = checkLcssOptions(options);
      checkCells(x.length, y.length, -1, 'LCSS');
      return K.lcss(x, y, epsilon, delta);
    },
    lcssMatrix(list, options): Float64Array {
      const series = checkSeriesList(list);
      const { epsilon, delta } = checkLcssOptions(options);
      const n = series.length;
      const out = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        out[i * n + i] = 1;
        for (let j = i + 1; j < n; j++) out[i * n + j] = out[j * n + i] = K.lcss(series[i]!, series[j]!, epsilon, delta);
      }
      return out;
    },
    lcssMatrixAsync(list, options): Promise<Float64Array> {
      try {
        if (options?.signal?.aborted) return Promise.reject(cancelledError());
        const series = checkSeriesList(list);
        const { epsilon, delta } = checkLcssOptions(options);
        return runReferenceJob<Float64Array>({ type: 'lcssMatrix', series, epsilon, delta }, options.onProgress, options.signal);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    rowBounds,
    refineRows,
  };
}
