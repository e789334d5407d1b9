/**
 * Pure helpers for distributing a top-k pattern search over a long series: cut the candidate start positions
 * into contiguous shards (each shard ships its slice of the series plus query-length-1 bars of overlap), and
 * merge the shards' top-k lists with the engine's own rule (ascending distance, greedy exclusion zone).
 * Must never do I/O.
 */

export interface ShardPlan {
  shard: number;
  /** First candidate start index (global). */
  start: number;
  /** One past the last candidate start index (global). */
  end: number;
}

export interface Match {
  index: number;
  distance: number;
}

/** Splits candidate starts [0, seriesLength - queryLength] into at most `count` non-empty contiguous shards. */
export function planShards(seriesLength: number, queryLength: number, count: number): ShardPlan[] {
  const candidates = seriesLength - queryLength + 1;
  if (candidates <= 0 || queryLength < 1) return [];
  const n = Math.max(1, Math.min(Math.floor(count), candidates));
  const plans: ShardPlan[] = [];
  for (let s = 0; s < n; s++) {
    const start = Math.floor((s * candidates) / n);
    const end = Math.floor(((s + 1) * candidates) / n);
    if (end > start) plans.push({ shard: plans.length, start, end });
  }
  return plans;
}

/** The slice of the series a shard needs: [start, end - 1 + queryLength). */
export function shardSlice(series: Float64Array, plan: ShardPlan, queryLength: number): Float64Array {
  return series.subarray(plan.start, plan.end - 1 + queryLength);
}

/** Merges per-shard top-k lists: ascending distance (ties: lower index), greedy exclusion zone, first k. */
export function mergeTopK(lists: Match[][], k: number, exclusionZone: number): Match[] {
  const all = lists.flat().sort((a, b) => a.distance - b.distance || a.index - b.index);
  const out: Match[] = [];
  const seen = new Set<number>();
  for (const m of all) {
    if (out.length >= k) break;
    if (seen.has(m.index)) continue;
    if (out.some((o) => Math.abs(o.index - m.index) <= exclusionZone)) continue;
    seen.add(m.index);
    out.push(m);
  }
  return out;
}
