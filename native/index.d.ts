/**
 * Low-level API of the Warpdesk native engine (`require('./native')` from the repo root). Application code
 * uses the facade in src/main/engine instead, which validates input with the same rules and converts errors
 * into WarpdeskError. See README.md for semantics. `window`/`delta` = -1 means unbounded.
 * Errors thrown (or rejected) carry `code`: InvalidInput | InvalidDimensions | NonFinite | TooLarge | Cancelled | Internal.
 */
export type NumArr = Float32Array | Float64Array;

export interface NativeJob<T> {
  promise: Promise<T>;
  cancel(): void;
  /** Fraction done in [0, 1]. */
  progress(): number;
}

export interface Match {
  index: number;
  distance: number;
}

/**
 * 'native' when the addon loaded; 'js' when it did not (see `reason`): then every function below throws an
 * error with code 'Unavailable' (the app's fallback is the TypeScript reference engine behind the facade).
 */
export const backend: 'native' | 'js';
export const reason: string | undefined;
/** Non-empty when WARPDESK_SIMD named a level this machine can't run. */
export const simdNote: string;
export function simdLevel(): string;
export function availableLevels(): string[];
/** Switches the kernel level at run time (must be one of availableLevels()); returns the new level. */
export function setSimdLevel(level: string): string;
export function threads(): number;
/** Sets the worker thread count for later calls (0 = default: WARPDESK_THREADS or all cores); returns it. */
export function setThreads(n: number): number;
export function dtw(a: NumArr, b: NumArr, window: number, absolute: boolean): number;
export function dtwPath(a: NumArr, b: NumArr, window: number, absolute: boolean): { distance: number; path: Int32Array };
export function dtwBatch(query: NumArr, candidates: NumArr, window: number, absolute: boolean): Float64Array;
export function dtwBatchAsync(query: NumArr, candidates: NumArr, window: number, absolute: boolean): NativeJob<Float64Array>;
export function dtwMulti(a: NumArr, b: NumArr, channels: number, window: number, absolute: boolean): number;
export function searchTopK(series: NumArr, query: NumArr, window: number, k: number, znormalize: boolean, exclusionZone?: number): Match[];
export function searchTopKAsync(series: NumArr, query: NumArr, window: number, k: number, znormalize: boolean, exclusionZone?: number): NativeJob<Match[]>;
/**
 * Many top-k searches over one series (one per decision of a walk): decision d's matches are exactly
 * searchTopK(series.subarray(from[d], to[d]), series.subarray(queryStart[d], queryStart[d] + length), ...) with
 * absolute starts, at [d * k, d * k + k) of the result (-1 / NaN past the last match).
 */
export function searchWalk(
  series: NumArr,
  queryStart: Int32Array,
  from: Int32Array,
  to: Int32Array,
  length: number,
  window: number,
  k: number,
  znormalize: boolean,
  exclusionZone?: number,
): { index: Int32Array; distance: Float64Array };
export function searchWalkAsync(
  series: NumArr,
  queryStart: Int32Array,
  from: Int32Array,
  to: Int32Array,
  length: number,
  window: number,
  k: number,
  znormalize: boolean,
  exclusionZone?: number,
): NativeJob<{ index: Int32Array; distance: Float64Array }>;
export function lcss(a: NumArr, b: NumArr, epsilon: number, delta: number): number;
export function lcssMatrix(series: NumArr[], epsilon: number, delta: number): Float64Array;
export function lcssMatrixAsync(series: NumArr[], epsilon: number, delta: number): NativeJob<Float64Array>;
/**
 * The memory index's fused first pass (src/main/memory/pattern-index.ts, RowBoundsInput in
 * src/main/engine/types.ts): writes every eligible row's weight and returns the `limit` best score bounds
 * sim(LB_PAA) x weight that are >= thr, best first (ties by row). Reads the arrays in place.
 */
export function rowBounds(input: Record<string, unknown>): { rows: Int32Array; bounds: Float64Array; eligible: number };
/** The memory index's LB_Keogh + exact DTW pass (RefineRowsInput in src/main/engine/types.ts); updates the top set in place. */
export function refineRows(input: Record<string, unknown>): { topCount: number; lowerBounded: number; dtwComputed: number };
