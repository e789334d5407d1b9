/**
 * The low-level API of the native addon as loaded from `native/index.js` (mirrors native/index.d.ts).
 * `window` -1 means full; all arrays are read in place. Errors thrown carry a `code` (a WarpdeskError code).
 */
export type NumArr = Float32Array | Float64Array;

export interface NativeJob<T> {
  promise: Promise<T>;
  cancel(): void;
  /** Fraction done in [0, 1]. */
  progress(): number;
}

export interface NativeBinding {
  backend: 'native' | 'js';
  reason?: string;
  simdLevel(): string;
  availableLevels(): string[];
  setSimdLevel(level: string): string;
  dtw(a: NumArr, b: NumArr, window: number, absolute: boolean): number;
  dtwPath(a: NumArr, b: NumArr, window: number, absolute: boolean): { distance: number; path: Int32Array };
  dtwBatch(query: NumArr, candidates: NumArr, window: number, absolute: boolean): Float64Array;
  dtwBatchAsync(query: NumArr, candidates: NumArr, window: number, absolute: boolean): NativeJob<Float64Array>;
  setThreads(n: number): number;
  dtwMulti(a: NumArr, b: NumArr, channels: number, window: number, absolute: boolean): number;
  searchTopK(series: NumArr, query: NumArr, window: number, k: number, znormalize: boolean, exclusion: number): Array<{ index: number; distance: number }>;
  searchTopKAsync(series: NumArr, query: NumArr, window: number, k: number, znormalize: boolean, exclusion: number): NativeJob<Array<{ index: number; distance: number }>>;
  searchWalk(series: NumArr, queryStart: Int32Array, from: Int32Array, to: Int32Array, length: number, window: number, k: number, znormalize: boolean, exclusion: number): { index: Int32Array; distance: Float64Array };
  searchWalkAsync(
    series: NumArr,
    queryStart: Int32Array,
    from: Int32Array,
    to: Int32Array,
    length: number,
    window: number,
    k: number,
    znormalize: boolean,
    exclusion: number,
  ): NativeJob<{ index: Int32Array; distance: Float64Array }>;
  lcss(a: NumArr, b: NumArr, epsilon: number, delta: number): number;
  lcssMatrix(series: NumArr[], epsilon: number, delta: number): Float64Array;
  lcssMatrixAsync(series: NumArr[], epsilon: number, delta: number): NativeJob<Float64Array>;
  rowBounds(input: import('./types').RowBoundsInput): import('./types').RowBoundsResult;
  refineRows(input: import('./types').RefineRowsInput): import('./types').RefineRowsResult;
}
