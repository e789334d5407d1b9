/**
 * The engine's top-k selection with an exclusion zone, and the pruning set that makes a search exact.
 *  - Greedy selection: candidates in ascending (distance, index) order; a start is taken unless it lies
 *    within `exclusion` (|Δ| <= exclusion) of one already taken; stop at k. This is the answer of every
 *    search (native, reference, the backtester's index); native/README.md "Search semantics".
 *  - Pruning set: at most k seen candidates pairwise more than 2·exclusion apart; once it holds k, its
 *    largest distance T bounds the answer (each member has a distinct selected representative no worse
 *    than itself), so a candidate with distance > T can never be selected.
 * Pure (no Node or DOM imports). Must never: reorder ties other than by the lower index.
 */

export interface Ranked {
  index: number;
  distance: number;
}

/** Ascending distance, ties by the lower index. */
export function byDistanceThenIndex(a: Ranked, b: Ranked): number {
  return a.distance - b.distance || a.index - b.index;
}

/**
 * Positions (into `sortedIndex`, which lists starts already in (distance, index) order) of the greedy
 * picks: at most k, each more than `exclusion` away from every earlier pick.
 */
export function greedyPositions(sortedIndex: ArrayLike<number>, k: number, exclusion: number): number[] {
  const picks: number[] = [];
  const taken: number[] = [];
  for (let o = 0; o < sortedIndex.length && picks.length < k; o++) {
    const index = sortedIndex[o]!;
    let ok = true;
    for (let t = 0; t < taken.length; t++) {
      if (Math.abs(taken[t]! - index) <= exclusion) {
        ok = false;
        break;
      }
    }
    if (ok) {
      picks.push(o);
      taken.push(index);
    }
  }
  return picks;
}

/** The greedy selection over candidates in any order (the input is not modified; the picked objects are returned). */
export function selectTopK<T extends Ranked>(cands: readonly T[], k: number, exclusion: number): T[] {
  const sorted = cands.slice().sort(byDistanceThenIndex);
  return greedyPositions(
    sorted.map((c) => c.index),
    k,
    exclusion,
  ).map((o) => sorted[o]!);
}

/** The engine's pruning set (see the header); `threshold` is +Infinity until it holds k candidates. */
export class PruningSet {
  private readonly idx: Float64Array;
  private readonly dist: Float64Array;
  private count = 0;
  private readonly zone2: number;
  threshold = Number.POSITIVE_INFINITY;

  constructor(
    private readonly k: number,
    exclusion: number,
  ) {
    this.idx = new Float64Array(k);
    this.dist = new Float64Array(k);
    this.zone2 = 2 * exclusion;
  }

  get size(): number {
    return this.count;
  }

  /** Offers a candidate; returns the threshold in force afterwards. */
  offer(index: number, distance: number): number {
    const k = this.k;
    const bi = this.idx;
    const bd = this.dist;
    const count = this.count;
    if (count === k && !(distance < this.threshold)) return this.threshold;
    let conflicts = 0;
    let at = -1;
    for (let t = 0; t < count; t++) {
      if (Math.abs(bi[t]! - index) <= this.zone2) {
        conflicts++;
        at = t;
      }
    }
    if (conflicts === 0) {
      if (count < k) {
        bi[count] = index;
        bd[count] = distance;
        this.count = count + 1;
      } else {
        let worst = 0;
        for (let t = 1; t < count; t++) if (bd[t]! > bd[worst]!) worst = t;
        bi[worst] = index;
        bd[worst] = distance;
      }
    } else if (conflicts === 1 && distance < bd[at]!) {
      bi[at] = index;
      bd[at] = distance;
    } else return this.threshold;
    if (this.count === k) {
      let mx = Number.NEGATIVE_INFINITY;
      for (let t = 0; t < k; t++) if (bd[t]! > mx) mx = bd[t]!;
      this.threshold = mx;
    }
    return this.threshold;
  }

  /** The members, in their slot order. */
  members(): Ranked[] {
    return Array.from({ length: this.count }, (_, t) => ({ index: this.idx[t]!, distance: this.dist[t]! }));
  }

  /** The members' starts, in their slot order. */
  indices(): number[] {
    return Array.from(this.idx.subarray(0, this.count));
  }
}
