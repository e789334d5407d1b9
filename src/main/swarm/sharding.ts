/**
 * Exact sharded top-k search: cut the candidate starts of a long series into contiguous shards, let each
 * shard reduce its candidates to a small pruning set, and merge the sets into EXACTLY the answer of the
 * engine's single-node `searchTopK` over the whole series. Pure except for the search function it is given.
 * Must never do I/O, and never return a set the merge cannot reduce to the single-node answer.
 *
 * The single-node answer G: candidates in ascending key (distance, then index); a candidate is taken unless
 * it lies within E = exclusionZone of one already taken; the first k taken. Write F for the same greedy
 * without the limit k (G = the first k of F) and τ for the key of G's k-th member (∞ if |F| < k).
 *
 * Why each shard's greedy top-k is not enough (the old merge): a shard drops a candidate c for a neighbour t
 * within E; if t is itself suppressed by a candidate of another shard, c is in G but no shard returned it.
 * The engine's pruning set alone (k candidates pairwise > 2E apart) is not enough either: it bounds τ, but
 * c need not be in it. What a shard (owning starts [first, end)) does instead:
 *  1. Bound. P = the engine's greedy top-k with exclusion 2E over the shard: k candidates pairwise more than
 *     2E apart; write B for the key of its k-th member (∞ if fewer). B >= τ: each member p is taken or
 *     suppressed by a taken r with |r - p| <= E and key(r) < key(p); the 2E spacing makes those r distinct,
 *     so F has k members with key <= B (the engine's own pruning argument).
 *  2. Candidates up to B. Every candidate with key <= B is a member of P or within 2E of one with a smaller
 *     key (that is why the greedy skipped it), so the shard searches the windows of starts within 2E of P's
 *     members (4E + 1 starts each) for their best K (exclusion 0: exactly the first K keys), opening windows
 *     in the order of their member's key and growing K only while the walk below needs keys beyond the K-th.
 *  3. Walk them in key order and classify:
 *     - certainly taken: no earlier candidate within E is taken or undecided, and c is more than E away
 *       from the starts other shards own (so every candidate within E of c is here). Then c ∈ F.
 *     - certainly suppressed: an earlier certainly-taken candidate lies within E. Then c ∉ F, and c never
 *       suppresses anything: dropped.
 *     - undecided otherwise (near the border, or within E of an earlier undecided candidate): returned.
 *     Stop after the k-th certainly-taken candidate (k members of F: its key also bounds τ) or at B.
 *  So every shard returns every member of F in its range with key <= τ, and otherwise only candidates not
 *  in F or with key > τ. Greedy over the union in key order, by induction along the keys, takes exactly the
 *  members of F up to τ (what no shard returned is not in F and suppresses nothing) and stops at k: G.
 *
 * Size: at most the candidates with key <= B, i.e. k(4E + 1); in practice about k plus the chains that reach
 * the borders. Distances must be bit-identical to the single-node search, so every slice given to the engine
 * starts at a multiple of ZNORM_BLOCK (where the engine restarts its z-normalisation running sums); the up to
 * ZNORM_BLOCK - 1 starts before the wanted ones ride along and are ignored.
 *
 * (The old shards were sliced at their first start, so their distances also differed in the last bits.)
 *
 * Choice: no new engine option. Both steps use `searchTopK` semantics as they are (step 1 with exclusion 2E,
 * step 2 with exclusion 0 on window slices), so the native and the reference backends give the same sets;
 * the classification is here in TypeScript. Cost: one search with exclusion 2E plus small searches over at
 * most k windows (their number of calls is the price of not adding an engine option): about a plain top-k
 * search of the shard at k = 10, several times it when k matches fill the shard (k = 100, E = 32, 15k starts).
 */
import { ZNORM_BLOCK } from '../engine';
import { WarpdeskError } from '../../shared/errors';
import { selectTopK } from '../../shared/numerics';

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

export interface ShardSearchOptions {
  window: number;
  k: number;
  exclusionZone: number;
  znormalize: boolean;
}

/** An engine search with `searchTopK` semantics (sync or async); indices local to the series given. */
export type ShardSearch = (series: Float64Array, query: Float64Array, options: ShardSearchOptions) => Promise<Match[]> | Match[];

/** What a shard receives: `values` start at global index `offset` (a multiple of ZNORM_BLOCK); it owns the candidates from `first` on. */
export interface ShardInput {
  values: Float64Array;
  offset: number;
  first: number;
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

/** The values a shard needs: from the ZNORM_BLOCK boundary at or before plan.start to the end of its last candidate. */
export function shardSlice(series: Float64Array, plan: ShardPlan, queryLength: number): ShardInput {
  const offset = plan.start - (plan.start % ZNORM_BLOCK);
  return { values: series.subarray(offset, plan.end - 1 + queryLength), offset, first: plan.start };
}

const byKey = (a: Match, b: Match): number => a.distance - b.distance || a.index - b.index;
/** Whether a's key (distance, index) is <= b's. */
const keyAtMost = (a: Match, b: Match): boolean => byKey(a, b) <= 0;

/** A sorted set of positions with "any within [lo, hi]?" by binary search. */
class Positions {
  private readonly xs: number[] = [];
  private rank(x: number): number {
    let lo = 0;
    let hi = this.xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.xs[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  add(x: number): void {
    this.xs.splice(this.rank(x), 0, x);
  }
  any(lo: number, hi: number): boolean {
    const r = this.rank(lo);
    return r < this.xs.length && this.xs[r]! <= hi;
  }
}

/** Step 3 of the module header, fed candidates in ascending key order; `done` once k are certainly taken. */
class Walk {
  readonly out: Match[] = [];
  done = false;
  private readonly taken = new Positions();
  private readonly undecided = new Positions();
  private nTaken = 0;
  constructor(private readonly o: { k: number; exclusionZone: number; first: number; end: number }) {}
  /** Within E of a start another shard owns (none left of global 0; the right end always counts). */
  private nearBorder(i: number): boolean {
    const E = this.o.exclusionZone;
    return (this.o.first > 0 && i - this.o.first < E) || this.o.end - 1 - i < E;
  }
  push(c: Match): void {
    if (this.done) return;
    const E = this.o.exclusionZone;
    const i = c.index;
    if (this.taken.any(i - E, i + E)) return; // certainly suppressed: not in the answer, suppresses nothing
    this.out.push(c);
    if (this.nearBorder(i) || this.undecided.any(i - E, i + E)) {
      this.undecided.add(i);
    } else {
      this.taken.add(i);
      // k members of the answer's greedy: nothing later in key order can be among the first k
      if (++this.nTaken >= this.o.k) this.done = true;
    }
  }
}

/**
 * Step 3 alone: the pruning set of a shard owning starts [first, end), given ALL of its candidates with key
 * <= some bound B >= τ (any order; global indices). Output in key order.
 */
export function shardPruningSet(candidates: Match[], o: { k: number; exclusionZone: number; first: number; end: number }): Match[] {
  const w = new Walk(o);
  for (const c of candidates.slice().sort(byKey)) w.push(c);
  return w.out;
}

/** Most starts one engine call of step 2 covers (a multiple of ZNORM_BLOCK, well under the engine's k limit). */
const CHUNK = 65_536;
/** First K asked of a window in step 2 (grows 4x while needed). */
const WINDOW_K0 = 32;

/** Starts [from, to] of the shard searched in step 2 on values from `at` (a multiple of ZNORM_BLOCK). */
interface Unit {
  at: number;
  from: number;
  to: number;
  /** The smallest key of a packing member whose window made this unit: nothing is needed from it before. */
  opensAt: Match;
  /** Starts asked for so far (0: not open yet). */
  K: number;
  /** Once open: key of the K-th best start fetched (all starts up to it are fetched); null when all are. */
  worst: Match | null;
}

/**
 * Runs one shard and returns its pruning set (global indices, key order): see the module header. `search`
 * only ever sees subarrays of `input.values` that start at a multiple of ZNORM_BLOCK (globally).
 */
export async function searchShard(search: ShardSearch, input: ShardInput, query: Float64Array, options: ShardSearchOptions): Promise<Match[]> {
  const m = query.length;
  const local = input.values.length - m + 1;
  const skip = input.first - input.offset;
  if (input.offset % ZNORM_BLOCK !== 0 || local < 1 || skip < 0 || skip >= local)
    throw new WarpdeskError('InvalidInput', `A search shard must start at a multiple of ${ZNORM_BLOCK} at or before its first candidate, and own at least one candidate.`);
  const { k, exclusionZone: E } = options;
  const first = input.first;
  const end = input.offset + local;

  // 1. The bound B: the engine's greedy top-k with exclusion 2E (members before `first` still bound τ).
  // (a zone wider than the slice means the same as the slice's length, and keeps 2E a safe integer)
  const packing = (await search(input.values, query, { ...options, exclusionZone: Math.min(2 * E, local) })).map((x) => ({ index: x.index + input.offset, distance: x.distance })).sort(byKey);
  const bound = packing.length >= k ? packing[k - 1]! : null;

  // 2. Units: the members' windows [p - 2E, p + 2E] within the shard, overlapping ones joined, cut in chunks.
  const windows = packing
    .map((p) => ({ a: Math.max(first, p.index - 2 * E), b: Math.min(end - 1, p.index + 2 * E), p }))
    .filter((w) => w.a <= w.b)
    .sort((x, y) => x.a - y.a);
  const units: Unit[] = [];
  for (let i = 0; i < windows.length;) {
    let { a, b, p } = windows[i]!;
    for (i++; i < windows.length && windows[i]!.a - (windows[i]!.a % ZNORM_BLOCK) <= b + 1; i++) {
      b = Math.max(b, windows[i]!.b);
      if (byKey(windows[i]!.p, p) < 0) p = windows[i]!.p;
    }
    for (let from = a; from <= b;) {
      const at = from - (from % ZNORM_BLOCK);
      const to = Math.min(b, at + CHUNK - 1);
      units.push({ at, from, to, opensAt: p, K: 0, worst: null });
      from = to + 1;
    }
  }
  units.sort((x, y) => byKey(x.opensAt, y.opensAt));

  // Fetch a unit's best K starts (exclusion 0 = the first K keys, exact), keeping its own starts <= B.
  const seen = new Set<number>();
  let pending: Match[] = [];
  const fetch = async (u: Unit): Promise<void> => {
    const starts = u.to - u.at + 1;
    u.K = Math.min(starts, u.K === 0 ? WINDOW_K0 : 4 * u.K);
    const values = input.values.subarray(u.at - input.offset, u.to - input.offset + m);
    const best = await search(values, query, { ...options, k: u.K, exclusionZone: 0 });
    const last = best[best.length - 1];
    u.worst = u.K < starts && best.length === u.K && last ? { index: last.index + u.at, distance: last.distance } : null;
    for (const x of best) {
      const c = { index: x.index + u.at, distance: x.distance };
      if (c.index < u.from || c.index > u.to || seen.has(c.index) || (bound && !keyAtMost(c, bound))) continue;
      seen.add(c.index);
      pending.push(c);
    }
  };

  // 3. Walk in key order. Every start with key <= B lies in the window of a member with a key no larger, so
  // the fetched starts are complete below the next unit to open and up to each open unit's worst key.
  const walk = new Walk({ k, exclusionZone: E, first, end });
  let next = 0; // units[next..] are not open yet
  for (;;) {
    let limit: Unit | null = next < units.length ? units[next]! : null;
    let limitKey: Match | null = limit ? limit.opensAt : null;
    for (let u = 0; u < next; u++) {
      const w = units[u]!.worst;
      if (w && (!limitKey || byKey(w, limitKey) < 0)) {
        limit = units[u]!;
        limitKey = w;
      }
    }
    // Complete up to limitKey (strictly below it when it is a unit not open yet: its member is not fetched).
    const ready: Match[] = [];
    const rest: Match[] = [];
    for (const c of pending) (!limit || byKey(c, limitKey!) < 0 || (limit.K > 0 && keyAtMost(c, limitKey!)) ? ready : rest).push(c);
    pending = rest;
    for (const c of ready.sort(byKey)) walk.push(c);
    if (walk.done || !limit || (bound && byKey(limitKey!, bound) > 0)) return walk.out;
    if (limit.K === 0) next++;
    await fetch(limit);
  }
}

/**
 * Merges the shards' pruning sets with the engine's own selection (src/shared/numerics): ascending distance (ties:
 * lower index), greedy exclusion zone, first k. A start returned by two shards is one candidate (distance 0 apart).
 */
export function mergeTopK(lists: Match[][], k: number, exclusionZone: number): Match[] {
  return selectTopK(lists.flat(), k, exclusionZone);
}
