/**
 * The engine's similarity formula, for callers that only hold a distance (search results, the memory's
 * index): similarity = 1 / (1 + distance / n) for a squared-cost DTW distance over series of length n;
 * exactly 1 only at distance 0, otherwise capped just below 1. Documented in native/README.md.
 */
export function similarityFromDistance(distance: number, n: number): number {
  if (distance <= 0) return 1;
  const s = 1 / (1 + distance / n);
  return s >= 1 ? 1 - 2 ** -53 : s;
}
