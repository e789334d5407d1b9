/**
 * Reference of the native `rowBounds` (native/src/addon.cpp), the memory index's fused first pass: for
 * every eligible row the weight w = recency x reliability (written into `weight`) and the score bound
 * ub = sim(LB_PAA) x w; returns the `limit` rows of largest ub that are >= thr, best first (ties by row).
 * Same doubles in the same order as the C++ (no FMA), so both backends return identical arrays.
 * Must never: return a row whose bound is below thr, or leave an eligible row's weight unwritten.
 */
import type { RowBoundsInput, RowBoundsResult } from '../types';

export function rowBounds(o: RowBoundsInput): RowBoundsResult {
  const { count, n, segments: S, stride, limit, thr, c, floor, pure, paa, segU, segL, segLen, segOrder, active, type, dataset, timeframe, decay, quality, typeMean, weight } = o;
  const ft = o.filterType;
  const fd = o.filterDataset;
  const ff = o.filterTimeframe;
  // binary heap, root = worst kept row (smallest bound, then largest row)
  const hb = new Float64Array(Math.min(limit, count));
  const hr = new Int32Array(Math.min(limit, count));
  let size = 0;
  const better = (b1: number, r1: number, b2: number, r2: number): boolean => b1 > b2 || (b1 === b2 && r1 < r2);
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      let m = l;
      if (l + 1 < size && better(hb[m]!, hr[m]!, hb[l + 1]!, hr[l + 1]!)) m = l + 1;
      if (!better(hb[i]!, hr[i]!, hb[m]!, hr[m]!)) return;
      const tb = hb[i]!,
        tr = hr[i]!;
      hb[i] = hb[m]!;
      hr[i] = hr[m]!;
      hb[m] = tb;
      hr[m] = tr;
      i = m;
    }
  };
  let eligible = 0;
  for (let r = 0; r < count; r++) {
    if (!active[r]) continue;
    if ((ft >= 0 && type[r] !== ft) || (fd >= 0 && dataset[r] !== fd) || (ff >= 0 && timeframe[r] !== ff)) continue;
    eligible++;
    let w = 1;
    if (!pure) {
      let f = c * decay[r]!;
      if (!(f <= 1)) f = 1;
      const rec = floor + (1 - floor) * f;
      const q = quality[r]!;
      w = rec * (0.5 + 0.5 * (q === q ? q : typeMean[type[r]!]!));
    }
    weight[r] = w;
    if (limit === 0) continue;
    const full = size >= limit;
    const floorB = full ? Math.max(thr, hb[0]!) : thr;
    if (w < floorB) continue;
    let cap = Infinity;
    if (floorB >= 0) {
      const s = floorB / w;
      cap = s >= 1 ? 0 : s <= 0 ? Infinity : n * (1 / s - 1);
    }
    const base = r * stride;
    let lb = 0;
    let abandoned = false;
    for (let i = 0; i < S; i++) {
      const g = segOrder[i]!;
      const v = paa[base + g]!;
      const u = segU[g]!;
      if (v > u) lb += segLen[g]! * (v - u) * (v - u);
      else {
        const l = segL[g]!;
        if (v < l) lb += segLen[g]! * (v - l) * (v - l);
      }
      if (lb > cap) {
        abandoned = true;
        break;
      }
    }
    if (abandoned) continue;
    let sim: number;
    if (lb <= 0) sim = 1;
    else {
      sim = 1 / (1 + lb / n);
      if (sim >= 1) sim = 1 - 2 ** -53;
    }
    const ub = sim * w;
    if (ub < thr) continue;
    if (!full) {
      let i = size++;
      hb[i] = ub;
      hr[i] = r;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!better(hb[p]!, hr[p]!, hb[i]!, hr[i]!)) break;
        const tb = hb[i]!,
          tr = hr[i]!;
        hb[i] = hb[p]!;
        hr[i] = hr[p]!;
        hb[p] = tb;
        hr[p] = tr;
        i = p;
      }
    } else if (better(ub, r, hb[0]!, hr[0]!)) {
      hb[0] = ub;
      hr[0] = r;
      siftDown(0);
    }
  }
  const idx = Array.from({ length: size }, (_, i) => i).sort((a, b) => (better(hb[a]!, hr[a]!, hb[b]!, hr[b]!) ? -1 : 1));
  return { rows: Int32Array.from(idx, (i) => hr[i]!), bounds: Float64Array.from(idx, (i) => hb[i]!), eligible };
}
