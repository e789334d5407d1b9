/**
 * Issue 14 item 4 A/B in one process: the index search + MMR (top-10, pool 40, window 13) over 100,000 × 128
 * z-normalized random-walk patterns, new path (engine rowBounds + refineRows) against the pre-change search
 * (src/main/memory/test/legacy-pattern-index.ts), alternating which goes first per query. Prints wall and CPU
 * (process.cpuUsage) p50/p99 and how many answers are identical. `npx tsx bench/retrieval-ab.ts`
 * (WARPDESK_ENGINE=js for the reference backend). A script, not a test: it holds numbers.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { getEngine, createReferenceEngine } from '../src/main/engine';
import { zNormalizeInto } from '../src/shared/numerics';
import { mmrSelect, PatternIndex } from '../src/main/memory/pattern-index';
import { PatternIndex as OldIndex } from '../src/main/memory/test/legacy-pattern-index';
import { randomWalk, seededRandom, quantile, median } from './lib';
const N = 100_000,
  L = 128,
  DAY = 86_400_000;
const now = Date.UTC(2026, 0, 1);
const rnd = seededRandom(4);
const idx = new PatternIndex(),
  old = new OldIndex(),
  keogh = new PatternIndex();
keogh.lbImproved = false;
idx.lbImproved = true;
const s = randomWalk(N * L + L, 11);
for (let i = 0; i < N; i++) {
  const z = new Float32Array(L);
  zNormalizeInto(s.subarray(i * L, (i + 1) * L), z);
  const e = { id: `r${i}`, patternType: rnd() < 0.5 ? 'a' : 'b', dataset: 'd', timeframe: 't', at: now - Math.floor(rnd() * 720) * DAY, quality: i % 3 === 0 ? rnd() : null, values: z };
  idx.add(e);
  old.add(e);
  keogh.add(e);
}
const e = process.env.WARPDESK_ENGINE === 'js' ? createReferenceEngine() : getEngine();
const score = { now, halfLifeMs: 90 * DAY, recencyFloor: 0.5 };
const res: Record<string, { lat: number[]; cpu: number[]; dtw: number }> = { old: { lat: [], cpu: [], dtw: 0 }, 'new, LB_Keogh only': { lat: [], cpu: [], dtw: 0 }, 'new + LB_Improved': { lat: [], cpu: [], dtw: 0 } };
let same = 0;
for (let q = 0; q < 205; q++) {
  const z = new Float32Array(L);
  zNormalizeInto(randomWalk(L, 1000 + q), z);
  const ans: string[] = [];
  const variants = [
    ['old', old],
    ['new, LB_Keogh only', keogh],
    ['new + LB_Improved', idx],
  ] as Array<[string, PatternIndex]>;
  for (const [name, ix] of [...variants.slice(q % 3), ...variants.slice(0, q % 3)]) {
    const c0 = process.cpuUsage();
    const t = performance.now();
    const r = ix.search(e as never, z, 13, 40, {}, score);
    const picked = mmrSelect(e, r.candidates, 10, 0.7, 13);
    const dt = performance.now() - t;
    const dc = process.cpuUsage(c0);
    if (q >= 5) {
      res[name]!.lat.push(dt);
      res[name]!.cpu.push((dc.user + dc.system) / 1000);
      res[name]!.dtw += r.stats.dtwComputed;
    }
    ans.push(JSON.stringify(picked.map((p) => [p.id, p.distance, p.score])));
  }
  if (ans[0] === ans[1] && ans[1] === ans[2]) same++;
}
for (const [k, v] of Object.entries(res)) {
  v.lat.sort((x, y) => x - y);
  v.cpu.sort((x, y) => x - y);
  console.log(
    e.backend,
    k,
    'wall p50/p99',
    median(v.lat).toFixed(2),
    quantile(v.lat, 0.99).toFixed(2),
    'cpu p50/p99',
    median(v.cpu).toFixed(2),
    quantile(v.cpu, 0.99).toFixed(2),
    'exact DTW/query',
    Math.round(v.dtw / v.lat.length),
  );
}
console.log(
  'identical answers',
  same,
  '/ 205; load average',
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / '),
);
