/**
 * The engine's similarity formula (native/README.md "Similarity"): similarity = 1 / (1 + distance / n) for a
 * squared-cost DTW distance over series of length n (max(n, m) for a pair of lengths n and m), in (0, 1].
 * Exactly 1 only at distance 0 (pairs: only for identical inputs); anything else is capped at 1 - 2^-53.
 * Pure (no Node or DOM imports). Must never: be written out again elsewhere.
 */

/** The largest similarity a non-identical pair can have. */
export const SIMILARITY_BELOW_ONE = 1 - 2 ** -53;

function scaled(distance: number, n: number): number {
  const s = 1 / (1 + distance / n);
  return s >= 1 ? SIMILARITY_BELOW_ONE : s;
}

/** For callers that only hold a distance (search results, the memory's index): 1 exactly at distance <= 0. */
export function similarityFromDistance(distance: number, n: number): number {
  if (distance <= 0) return 1;
  return scaled(distance, n);
}

/** A pair's similarity (the engine's `dtw(...).similarity`): 1 only when the inputs are identical. */
export function pairSimilarity(distance: number, n: number, m: number, identical: boolean): number {
  if (identical) return 1;
  return scaled(distance, Math.max(n, m));
}

/** The largest distance that still reaches similarity s (s in (0, 1]); the inverse used to prune. */
export function distanceForSimilarity(s: number, n: number): number {
  if (s >= 1) return 0;
  if (s <= 0) return Number.POSITIVE_INFINITY;
  return n * (1 / s - 1);
}
