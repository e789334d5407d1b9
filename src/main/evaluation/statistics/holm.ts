/**
 * Holm-Bonferroni adjusted p-values (Holm 1979): with the m p-values sorted ascending p(1) ≤ … ≤ p(m),
 * adj(i) = min(1, max over j ≤ i of (m − j + 1) p(j)), returned in the input's order. Rejecting every hypothesis
 * whose adjusted p-value is ≤ α is exactly Holm's step-down procedure at family-wise level α. Same as R's
 * p.adjust(p, "holm"). Pure. NaN p-values are refused (a test that could not be run is not a p-value).
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  for (const p of pValues) if (!(p >= 0 && p <= 1)) throw new RangeError(`holmAdjust: p-values must lie in [0, 1] (got ${p}).`);
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, j) => {
    running = Math.max(running, Math.min(1, (m - j) * p));
    out[i] = running;
  });
  return out;
}
