/**
 * The pattern engine's public API: one interface, two backends (native SIMD addon in `native/`, and the
 * TypeScript reference in `./reference`). Everything else in Warpdesk (app, CLI, backtester, memory, swarm)
 * uses the engine only through `getEngine()` from `src/main/engine/index.ts`.
 *
 * Conventions (both backends):
 *  - `window` is the Sakoe-Chiba half-width in samples (integer >= 0); |i - j| <= window. Omitted = full.
 *    Callers with a ratio R use Math.ceil(R * length).
 *  - Inputs are Float32Array or Float64Array, read without copying.
 *  - Bad input throws WarpdeskError (codes InvalidInput, InvalidDimensions, NonFinite, TooLarge).
 */

export type NumericArray = Float32Array | Float64Array;

/**
 * z-normalisation block of the subsequence search (both backends): a candidate's running sums restart from
 * scratch at every start s with s % ZNORM_BLOCK == 0 and are updated incrementally in between. A search over
 * `series.subarray(o)` therefore gives bit-identical distances to the search over the whole series exactly
 * when o is a multiple of ZNORM_BLOCK (what sharded searches rely on).
 */
export { ZBLOCK as ZNORM_BLOCK } from '../../shared/numerics';
export type DtwCost = 'squared' | 'absolute';

export interface DtwOptions {
  window?: number;
  cost?: DtwCost;
  path?: boolean;
}

export interface DtwResult {
  distance: number;
  /** In [0, 1]; 1 only for identical inputs; symmetric. Formula documented in the engine README. */
  similarity: number;
  /** Warping path as [i, j] pairs from (0,0) to (n-1,m-1), when requested. */
  path?: Array<[number, number]>;
}

export interface SearchOptions {
  /** Sakoe-Chiba half-width in samples. */
  window: number;
  k: number;
  /** z-normalize the query and every candidate subsequence (default true). */
  znormalize?: boolean;
  /** Two matches' start indices must differ by more than this (default: floor(query.length / 2)). */
  exclusionZone?: number;
}

/**
 * The searches of a walk over one series (searchWalk): decision d searches the windows inside
 * series[from[d], to[d]) for the query series[queryStart[d], queryStart[d] + length). Decisions whose range
 * holds fewer than `length` values have no matches.
 */
export interface SearchWalk {
  queryStart: Int32Array;
  from: Int32Array;
  to: Int32Array;
  /** Query length, the same for every decision. */
  length: number;
}

/** searchWalk's answer: decision d's matches at [d * k, d * k + k), best first; absolute starts, -1 / NaN past the last. */
export interface WalkMatches {
  index: Int32Array;
  distance: Float64Array;
}

export interface SearchMatch {
  /** Start index of the matching subsequence in the series. */
  index: number;
  distance: number;
}

export interface AsyncOptions {
  /** Called with a fraction in [0, 1] as work proceeds. */
  onProgress?: (fraction: number) => void;
  /** Aborting rejects with WarpdeskError('Cancelled'). */
  signal?: AbortSignal;
}

/** 8-bit quantized pattern: value_i ~= offset + scale * codes[i], |error| <= maxError (see native/README.md). */
export interface QuantizedPattern {
  readonly kind: 'quantized';
  codes: Uint8Array;
  scale: number;
  offset: number;
  /** Documented bound on |x_i - (offset + scale * codes[i])|: scale/2 + 4 * 2^-53 * max(|min|, |max|) + 2^-1070. */
  maxError: number;
}

/** A pattern as the DTW functions accept it. */
export type PatternInput = NumericArray | QuantizedPattern;

export interface LcssOptions {
  /** Two samples match when |a_i - b_j| <= epsilon (>= 0). */
  epsilon: number;
  /** ... and |i - j| <= delta (integer >= 0). Omitted = unbounded. */
  delta?: number;
}

export interface MultivariateOptions {
  /** Number of channels; inputs are row-major (time x channels), i.e. [a0c0, a0c1, ..., a1c0, ...]. */
  channels: number;
  window?: number;
  cost?: DtwCost;
}

/**
 * Input of `rowBounds`, the memory index's fused first pass (src/main/memory/pattern-index.ts): per row
 * `stride` f64 PAA means of which the first `segments` are used; the query envelope's per-segment max/min
 * (segU/segL), lengths and visiting order; the row metadata arrays (read in place); filter codes (-1 = any);
 * recency f = min(1, c x decay[r]), rec = floor + (1 - floor) f; reliability 0.5 + 0.5 (quality or typeMean
 * of the row's type); `pure` = all weights 1. `weight` is written for every eligible row.
 */
export interface RowBoundsInput {
  count: number;
  n: number;
  segments: number;
  stride: number;
  paa: Float64Array;
  segU: Float64Array;
  segL: Float64Array;
  segLen: Float64Array;
  segOrder: Int32Array;
  active: Uint8Array;
  type: Int32Array;
  dataset: Int32Array;
  timeframe: Int32Array;
  filterType: number;
  filterDataset: number;
  filterTimeframe: number;
  decay: Float64Array;
  quality: Float64Array;
  typeMean: Float64Array;
  types: number;
  c: number;
  floor: number;
  pure: boolean;
  weight: Float64Array;
  /** Rows whose bound is below thr are left out (-1: none). */
  thr: number;
  /** At most this many rows are returned: the best bounds. */
  limit: number;
}

/** The best-bounded rows, descending bound (ties by row ascending), and how many rows passed the filter. */
export interface RowBoundsResult {
  rows: Int32Array;
  bounds: Float64Array;
  eligible: number;
}

/**
 * Input of `refineRows`, the memory index's second pass: `values` holds `count` rows of n f32 values; `rows`
 * and `bounds` come from rowBounds; `done` marks rows already refined (updated); the top set of at most
 * `pool` rows (topRows/topScore/topDist, best first, `topCount` used) is updated in place.
 */
export interface RefineRowsInput {
  count: number;
  n: number;
  values: Float32Array;
  query: Float32Array;
  upper: Float64Array;
  lower: Float64Array;
  window: number;
  rows: Int32Array;
  bounds: Float64Array;
  weight: Float64Array;
  done: Uint8Array;
  pool: number;
  batch: number;
  topRows: Int32Array;
  topScore: Float64Array;
  topDist: Float64Array;
  topCount: number;
  /**
   * LB_Improved after LB_Keogh. Default per backend, same answers either way: off on native (SIMD DTW is
   * cheaper than the scalar bound), on in the reference (its DTW is the expensive part).
   */
  improved?: boolean;
}

export interface RefineRowsResult {
  topCount: number;
  lowerBounded: number;
  dtwComputed: number;
}

export interface PatternEngine {
  readonly backend: 'native' | 'js';
  /** Why the engine is on the JS backend (undefined when native). */
  readonly fallbackReason?: string;
  /** Kernel level chosen at run time: 'scalar' | 'sse4' | 'avx2' | 'avx512' | 'neon' ('js' for the reference). */
  simdLevel(): string;
  dtw(a: PatternInput, b: PatternInput, options?: DtwOptions): DtwResult;
  /** candidates: count x query.length values, flat. Returns count distances. */
  dtwBatch(query: NumericArray, candidates: NumericArray, options?: { window?: number; cost?: DtwCost }): Float64Array;
  /** Same as dtwBatch, off the JS thread, with progress and cancellation. */
  dtwBatchAsync(query: NumericArray, candidates: NumericArray, options?: { window?: number; cost?: DtwCost } & AsyncOptions): Promise<Float64Array>;
  /** Exact top-k subsequence search (the brute-force answer), sorted by distance ascending. */
  searchTopK(series: NumericArray, query: NumericArray, options: SearchOptions): SearchMatch[];
  /** Same answer as searchTopK, computed off the JS thread, with progress and cancellation. */
  searchTopKAsync(series: NumericArray, query: NumericArray, options: SearchOptions & AsyncOptions): Promise<SearchMatch[]>;
  /**
   * Many exact top-k searches over one series, one per decision of a walk: decision d's matches are exactly
   * searchTopK(series.subarray(from[d], to[d]), series.subarray(queryStart[d], queryStart[d] + length), options)
   * with indices made absolute. The native engine shares work between decisions (envelope, statistics, seeds).
   */
  searchWalk(series: NumericArray, walk: SearchWalk, options: SearchOptions): WalkMatches;
  /** Same answer as searchWalk, computed off the JS thread, with progress and cancellation. */
  searchWalkAsync(series: NumericArray, walk: SearchWalk, options: SearchOptions & AsyncOptions): Promise<WalkMatches>;
  /** 8-bit quantization of a pattern (codes + scale + offset). */
  quantize(pattern: NumericArray): QuantizedPattern;
  /** Dependent multivariate DTW: one warping path for all channels; cost summed over channels. */
  dtwMultivariate(a: NumericArray, b: NumericArray, options: MultivariateOptions): DtwResult;
  /** LCSS similarity in [0, 1] (matches / min length). */
  lcss(a: NumericArray, b: NumericArray, options: LcssOptions): number;
  /** Symmetric N x N LCSS similarity matrix (row-major, diagonal 1), computed in parallel. */
  lcssMatrix(series: NumericArray[], options: LcssOptions): Float64Array;
  /** Same as lcssMatrix, off the JS thread, with progress and cancellation. */
  lcssMatrixAsync(series: NumericArray[], options: LcssOptions & AsyncOptions): Promise<Float64Array>;
  /** The memory index's fused weight + LB_PAA pass (see RowBoundsInput): best `limit` score bounds >= thr. */
  rowBounds(input: RowBoundsInput): RowBoundsResult;
  /** The memory index's LB_Keogh + exact DTW pass over rowBounds' rows (see RefineRowsInput). */
  refineRows(input: RefineRowsInput): RefineRowsResult;
}
