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

export interface PatternEngine {
  readonly backend: 'native' | 'js';
  /** Kernel level chosen at run time: 'scalar' | 'sse4' | 'avx2' | 'avx512' | 'neon' ('js' for the reference). */
  simdLevel(): string;
  dtw(a: NumericArray, b: NumericArray, options?: DtwOptions): DtwResult;
  /** candidates: count x query.length values, flat. Returns count distances. */
  dtwBatch(query: NumericArray, candidates: NumericArray, options?: { window?: number; cost?: DtwCost }): Float64Array;
  /** Exact top-k subsequence search (the brute-force answer), sorted by distance ascending. */
  searchTopK(series: NumericArray, query: NumericArray, options: SearchOptions): SearchMatch[];
  /** Same answer as searchTopK, computed off the JS thread, with progress and cancellation. */
  searchTopKAsync(series: NumericArray, query: NumericArray, options: SearchOptions & AsyncOptions): Promise<SearchMatch[]>;
}
