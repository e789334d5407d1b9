/**
 * The forecast cone: percentiles, step by step, of the analogs' forward paths (AnalogSchema.path, returns
 * relative to each analog's last close), rescaled to the query's last close. Used by the Analogs view to draw
 * the fan to the right of the last bar; any other consumer must use this, not a second percentile rule.
 * Pure (no Node or DOM imports). Must never: extrapolate past the paths' common length.
 */

/** The percentiles of the fan, outermost first; 50 is the median path. */
export const CONE_PERCENTILES = [10, 25, 50, 75, 90] as const;
export type ConePercentile = (typeof CONE_PERCENTILES)[number];

export interface ForecastCone {
  /** Steps after the last bar (1 … H); step 0 is the last close itself, included in every row. */
  steps: number;
  /** How many paths it was built from. */
  paths: number;
  /** Prices per percentile, index j = j bars after the last bar (index 0 = the last close). */
  bands: Record<ConePercentile, number[]>;
}

/** Linear-interpolated percentile (0-100) of ascending-sorted values. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * The cone of `paths` (each a list of returns relative to its start) from `lastClose`, over the steps that
 * every path reaches, at most `horizon`. Null when there is no path with at least one step.
 */
export function forecastCone(paths: readonly (readonly number[])[], lastClose: number, horizon: number): ForecastCone | null {
  const usable = paths.filter((p) => p.length > 0);
  if (usable.length === 0 || !Number.isFinite(lastClose)) return null;
  const steps = Math.min(horizon, ...usable.map((p) => p.length));
  const bands = Object.fromEntries(CONE_PERCENTILES.map((p) => [p, [lastClose]])) as Record<ConePercentile, number[]>;
  for (let j = 0; j < steps; j++) {
    const col = usable.map((p) => p[j]!).sort((a, b) => a - b);
    for (const p of CONE_PERCENTILES) bands[p].push(lastClose * (1 + percentileSorted(col, p)));
  }
  return { steps, paths: usable.length, bands };
}
