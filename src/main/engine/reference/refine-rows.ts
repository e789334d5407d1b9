/**
 * Reference of the native `refineRows` (native/src/addon.cpp), the memory index's second pass: visits the
 * best-bounded rows from `rowBounds` until a bound falls below the top set's threshold; a row not yet `done`
 * gets LB_Keogh, then LB_Improved, against the query envelope (once the top set is full) and then exact DTW in batches; the top
 * set (best first, ties by row) is updated in place. Same DTW kernel as the reference dtwBatch.
 * Must never: skip a row whose score could still enter the top set.
 */
import { distanceForSimilarity, envelope, lbKeogh, similarityFromDistance } from '../../../shared/numerics';
import type { RefineRowsInput, RefineRowsResult } from '../types';
import { K } from './kernels';

export function refineRows(o: RefineRowsInput): RefineRowsResult {
  const { n, pool, values, query, upper, lower, rows, bounds, weight, done, topRows, topScore, topDist, window } = o;
  const batch = Math.max(1, o.batch);
  let topCount = o.topCount;
  let thr = topCount >= pool ? topScore[pool - 1]! : -1;
  let lowerBounded = 0;
  let dtwComputed = 0;
  const pending: number[] = [];
  const h = new Float64Array(n);
  const hu = new Float64Array(n);
  const hl = new Float64Array(n);
  const flush = (): void => {
    for (const row of pending) {
      const d = K.dtw(query, values.subarray(row * n, (row + 1) * n), window, false);
      dtwComputed++;
      const sc = similarityFromDistance(d, n) * weight[row]!;
      if (topCount >= pool && (sc < thr || (sc === thr && row > topRows[topCount - 1]!))) continue;
      let pos = topCount < pool ? topCount : pool - 1;
      while (pos > 0 && (topScore[pos - 1]! < sc || (topScore[pos - 1] === sc && topRows[pos - 1]! > row))) {
        topScore[pos] = topScore[pos - 1]!;
        topRows[pos] = topRows[pos - 1]!;
        topDist[pos] = topDist[pos - 1]!;
        pos--;
      }
      topScore[pos] = sc;
      topRows[pos] = row;
      topDist[pos] = d;
      if (topCount < pool) topCount++;
      if (topCount >= pool) thr = topScore[pool - 1]!;
    }
    pending.length = 0;
  };
  for (let i = 0; i < rows.length; i++) {
    if (topCount >= pool && bounds[i]! < thr) {
      flush();
      if (bounds[i]! < thr) break;
    }
    const r = rows[i]!;
    if (done[r]) continue;
    done[r] = 1;
    if (topCount >= pool) {
      const cap = distanceForSimilarity(thr / weight[r]!, n);
      lowerBounded++;
      const lb = lbKeogh(values, r * n, upper, lower, cap);
      if (lb > cap) continue;
      if (o.improved === false) {
        pending.push(r);
        if (pending.length >= batch) flush();
        continue;
      }
      // LB_Improved (Lemire 2009): + LB_Keogh of the query against the envelope of the row's projection
      for (let t = 0; t < n; t++) {
        const x = values[r * n + t]!;
        h[t] = x > upper[t]! ? upper[t]! : x < lower[t]! ? lower[t]! : x;
      }
      envelope(h, window, hu, hl);
      if (lb + lbKeogh(query, 0, hu, hl, cap - lb) > cap) continue;
    }
    pending.push(r);
    if (pending.length >= batch) flush();
  }
  flush();
  return { topCount, lowerBounded, dtwComputed };
}
