/**
 * Distillation: compresses the active experiences about ratio:1 into distilled patterns that retrieval can
 * search instead of (or before) the full memory (README "Distilling").
 *  1. Group by pattern type and length.
 *  2. Cluster each group by recursive balanced bisection on 16-segment PAA features of the z-normalized
 *     patterns: split along the line between two far-apart members, at the quantile that gives both halves
 *     a whole share of the target cluster count (round(size / ratio)); a node with one cluster is a leaf.
 *     O(n log n), deterministic.
 *  3. Each cluster's pattern is its DTW Barycenter Average (DBA; Petitjean et al. 2011), started from the
 *     medoid in PAA space and refined `iterations` times with the engine's DTW warping paths.
 *  4. Stats per cluster (members, judged, mean quality, success rate, signal shares) are stored encrypted.
 * The recall lost is measured on sampled queries: the exact top-k experiences by DTW similarity versus the
 * members of the top-k distilled patterns.
 * Must never: touch the experiences or the audit chain (it only replaces the previous distillation).
 */
import { performance } from 'node:perf_hooks';
import { WarpdeskError } from '../../shared/errors';
import { mulberry32 } from '../../shared/random';
import { uuidv7 } from './ids';
import { PatternIndex } from './pattern-index';
import { encodePattern } from './pattern-codec';
import type { MemoryStore } from './store';
import type { DistilledStats, DistillOptions, DistillReport, Signal } from './types';
import { checkInteger, checkUnit } from './validate';

const PAA = 16;

interface Row {
  id: string;
  values: Float32Array;
  quality: number | null;
}

function paa(values: Float32Array, out: Float64Array, offset: number): void {
  const n = values.length;
  for (let s = 0; s < PAA; s++) {
    const a = Math.floor((s * n) / PAA);
    const b = Math.max(a + 1, Math.floor(((s + 1) * n) / PAA));
    let sum = 0;
    for (let i = a; i < b && i < n; i++) sum += values[i]!;
    out[offset + s] = sum / (b - a);
  }
}

/** Splits `idx` (indices into the feature matrix) into clusters of about `ratio` members. */
export function bisect(features: Float64Array, idx: Int32Array, ratio: number): Int32Array[] {
  const out: Int32Array[] = [];
  const stack: Int32Array[] = [idx];
  const d2 = (a: number, b: number): number => {
    let s = 0;
    for (let j = 0; j < PAA; j++) {
      const d = features[a * PAA + j]! - features[b * PAA + j]!;
      s += d * d;
    }
    return s;
  };
  while (stack.length) {
    const node = stack.pop()!;
    const clusters = Math.max(1, Math.round(node.length / ratio));
    if (clusters === 1 || node.length < 2) {
      out.push(node);
      continue;
    }
    // Two far-apart members: the farthest from the first, then the farthest from that one.
    let p = node[0]!;
    for (let pass = 0; pass < 2; pass++) {
      let best = p;
      let bestD = -1;
      for (let i = 0; i < node.length; i++) {
        const d = d2(p, node[i]!);
        if (d > bestD) {
          bestD = d;
          best = node[i]!;
        }
      }
      if (pass === 0) p = best;
      else {
        const q = best;
        const proj = new Float64Array(node.length);
        for (let i = 0; i < node.length; i++) {
          let s = 0;
          for (let j = 0; j < PAA; j++) s += (features[node[i]! * PAA + j]! - features[p * PAA + j]!) * (features[q * PAA + j]! - features[p * PAA + j]!);
          proj[i] = s;
        }
        const order = Array.from(node.keys()).sort((a, b) => proj[a]! - proj[b]! || node[a]! - node[b]!);
        const leftClusters = Math.floor(clusters / 2);
        const cut = Math.max(1, Math.min(node.length - 1, Math.round((node.length * leftClusters) / clusters)));
        stack.push(
          Int32Array.from(order.slice(cut), (i) => node[i]!),
          Int32Array.from(order.slice(0, cut), (i) => node[i]!),
        );
      }
    }
  }
  return out;
}

/** DTW Barycenter Averaging of `members` (same length), starting from `init`. */
export function dba(engine: MemoryStore['engine'], members: Float32Array[], init: Float32Array, iterations: number, window: number): Float64Array {
  const n = init.length;
  let center = Float64Array.from(init);
  if (members.length === 1) return center;
  const sums = new Float64Array(n);
  const counts = new Float64Array(n);
  for (let it = 0; it < iterations; it++) {
    sums.fill(0);
    counts.fill(0);
    for (const m of members) {
      const { path } = engine.dtw(center, m, { window, path: true });
      for (const [i, j] of path!) {
        sums[i] = sums[i]! + m[j]!;
        counts[i] = counts[i]! + 1;
      }
    }
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) next[i] = counts[i]! > 0 ? sums[i]! / counts[i]! : center[i]!;
    center = next;
  }
  return center;
}

const seeded = mulberry32;

export function distill(store: MemoryStore, options: DistillOptions = {}): DistillReport {
  if (store.readonly) throw new WarpdeskError('Unavailable', 'The memory is open read-only.');
  const t0 = performance.now();
  const ratio = options.ratio === undefined ? 10 : checkInteger(options.ratio, 'ratio', 2, 10_000);
  const iterations = options.iterations === undefined ? 2 : checkInteger(options.iterations, 'iterations', 0, 50);
  const windowRatio = options.windowRatio === undefined ? 0.1 : checkUnit(options.windowRatio, 'window ratio');
  const queries = options.evaluateQueries === undefined ? 50 : checkInteger(options.evaluateQueries, 'evaluation queries', 0, 10_000);
  const k = options.k === undefined ? 10 : checkInteger(options.k, 'k', 1, 100);
  const engine = store.engine;
  const index = store.experienceIndex();
  const db = store.db;
  const signals = new Map<string, Signal>();
  for (const r of db.prepare('SELECT id, signal FROM experiences').iterate() as IterableIterator<{ id: string; signal: Signal }>) signals.set(r.id, r.signal);
  const success = new Map<string, number>();
  for (const r of db.prepare('SELECT experience_id, success FROM verdicts').iterate() as IterableIterator<{ experience_id: string; success: number }>) success.set(r.experience_id, r.success);

  interface Cluster {
    id: string;
    patternType: string;
    center: Float64Array;
    members: Row[];
    stats: DistilledStats;
  }
  const clusters: Cluster[] = [];
  const groups: Array<{ patternType: string; rows: Row[] }> = [];
  for (const length of index.lengths()) {
    const byType = new Map<string, Row[]>();
    for (const r of index.rows(length)) {
      let g = byType.get(r.patternType);
      if (!g) byType.set(r.patternType, (g = []));
      g.push(r);
    }
    for (const [patternType, rows] of byType) groups.push({ patternType, rows });
  }
  let experiences = 0;
  for (const { patternType, rows } of groups) {
    experiences += rows.length;
    const n = rows[0]!.values.length;
    const window = Math.ceil(windowRatio * n);
    const features = new Float64Array(rows.length * PAA);
    rows.forEach((r, i) => paa(r.values, features, i * PAA));
    for (const members of bisect(features, Int32Array.from(rows.keys()), ratio)) {
      // Medoid in PAA space: the member closest to the members' mean feature.
      const mean = new Float64Array(PAA);
      for (const m of members) for (let j = 0; j < PAA; j++) mean[j] = mean[j]! + features[m * PAA + j]! / members.length;
      let medoid = members[0]!;
      let best = Infinity;
      for (const m of members) {
        let s = 0;
        for (let j = 0; j < PAA; j++) s += (features[m * PAA + j]! - mean[j]!) ** 2;
        if (s < best) {
          best = s;
          medoid = m;
        }
      }
      const mrows = Array.from(members, (m) => rows[m]!);
      const center = dba(
        engine,
        mrows.map((r) => r.values),
        rows[medoid]!.values,
        iterations,
        window,
      );
      const judged = mrows.filter((r) => r.quality !== null);
      const succ = mrows.map((r) => success.get(r.id)).filter((x): x is number => x !== undefined);
      const share = (s: Signal): number => mrows.filter((r) => signals.get(r.id) === s).length / mrows.length;
      clusters.push({
        id: uuidv7(),
        patternType,
        center,
        members: mrows,
        stats: {
          members: mrows.length,
          judged: judged.length,
          meanQuality: judged.length ? judged.reduce((s, r) => s + r.quality!, 0) / judged.length : null,
          successRate: succ.length ? succ.reduce((s, x) => s + x, 0) / succ.length : null,
          longShare: share('long'),
          shortShare: share('short'),
          flatShare: share('flat'),
        },
      });
    }
  }

  // Replace the previous distillation in one transaction.
  const generation = Number((db.prepare("SELECT value FROM meta WHERE key = 'distill_generation'").get() as { value: string } | undefined)?.value ?? 0) + 1;
  const now = store.now();
  const insertPattern = db.prepare('INSERT INTO patterns (id, length, key_id, nonce, data) VALUES (?, ?, ?, ?, ?)');
  const insertDistilled = db.prepare('INSERT INTO distilled (id, generation, pattern_type, members, created_at, key_id, nonce, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertMember = db.prepare('INSERT INTO distilled_members (distilled_id, experience_id) VALUES (?, ?)');
  db.transaction(() => {
    const old = db.prepare('SELECT id FROM distilled').all() as Array<{ id: string }>;
    db.prepare('DELETE FROM distilled_members').run();
    db.prepare('DELETE FROM distilled').run();
    const delPattern = db.prepare('DELETE FROM patterns WHERE id = ?');
    for (const o of old) delPattern.run(o.id);
    for (const c of clusters) {
      const q = engine.quantize(c.center);
      const sp = store.seal('patterns', c.id, encodePattern({ length: c.center.length, scale: q.scale, offset: q.offset, codes: q.codes }));
      insertPattern.run(c.id, c.center.length, sp.keyId, sp.nonce, sp.data);
      const sd = store.seal('distilled', c.id, Buffer.from(JSON.stringify(c.stats), 'utf8'));
      insertDistilled.run(c.id, generation, c.patternType, c.members.length, now, sd.keyId, sd.nonce, sd.data);
      for (const m of c.members) insertMember.run(c.id, m.id);
    }
    db.prepare("INSERT INTO meta (key, value) VALUES ('distill_generation', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(generation));
  }).immediate();
  const elapsedMs = performance.now() - t0;

  // Recall lost: exact top-k experiences vs members of the top-k distilled patterns, pure similarity.
  const t1 = performance.now();
  let recall: number | null = null;
  let evaluated = 0;
  if (queries > 0 && clusters.length > 0) {
    const rnd = seeded(options.seed ?? 1);
    const centers = new PatternIndex();
    const owner = new Map<string, string>();
    for (const c of clusters) {
      centers.add({ id: c.id, patternType: c.patternType, dataset: '', timeframe: '', at: 0, quality: null, values: Float32Array.from(c.center) });
      for (const m of c.members) owner.set(m.id, c.id);
    }
    const pure = { now: 0, halfLifeMs: 1, recencyFloor: 1 };
    let sum = 0;
    const all = groups.flatMap((g) => g.rows.map((r) => ({ ...r, patternType: g.patternType })));
    for (let qi = 0; qi < queries && all.length > k; qi++) {
      const q = all[Math.floor(rnd() * all.length)]!;
      const window = Math.ceil(windowRatio * q.values.length);
      const exclude = new Set([q.id]);
      const truth = index.search(engine, q.values, window, k, { patternType: q.patternType, exclude }, pure, true).candidates;
      const top = centers.search(engine, q.values, window, k, { patternType: q.patternType }, pure, true).candidates;
      const covered = new Set(top.map((c) => c.id));
      sum += truth.filter((t) => covered.has(owner.get(t.id)!)).length / truth.length;
      evaluated++;
    }
    recall = evaluated ? sum / evaluated : null;
  }
  store.touch();
  return {
    generation,
    experiences,
    distilled: clusters.length,
    ratio: clusters.length ? experiences / clusters.length : 0,
    recallAtK: recall,
    recallLost: recall === null ? null : 1 - recall,
    k,
    queries: evaluated,
    elapsedMs,
    evaluateMs: performance.now() - t1,
  };
}
