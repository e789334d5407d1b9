/**
 * Consolidation (README "Consolidating"): marks what no longer earns its place, never deleting anything
 * chained (the audit trail stays whole; marks live in the `flags` table).
 *  - duplicate: same pattern type, data set, timeframe, signal and identical stored pattern; the one kept is
 *    the judged one, else the earliest; the others leave retrieval.
 *  - contradiction: two judged experiences of one pattern type with DTW similarity >= 0.9 whose realized
 *    returns have opposite signs (each beyond 0.1%); both stay in retrieval, flagged, so callers see the
 *    disagreement. Pairs are found with LB_Keogh + exact DTW, only among opposite-sign candidates.
 *  - pruned: judged with quality < 0.2 and older than 365 days, or never judged and older than 730 days;
 *    they leave retrieval.
 * Must never: delete or modify experiences, outcomes, verdicts or the ledger.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { WarpdeskError } from '../../shared/errors';
import { distanceForSimilarity, envelope, lbKeogh, similarityFromDistance } from '../../shared/numerics';
import type { MemoryStore } from './store';
import type { ConsolidateOptions, ConsolidateReport, Signal } from './types';
import { checkFinite, checkUnit } from './validate';

const DAY = 86_400_000;

export function consolidate(store: MemoryStore, options: ConsolidateOptions = {}): ConsolidateReport {
  if (store.readonly) throw new WarpdeskError('Unavailable', 'The memory is open read-only.');
  const t0 = performance.now();
  const now = options.now === undefined ? store.now() : checkFinite(options.now, 'now');
  const simThr = options.contradictionSimilarity === undefined ? 0.9 : checkUnit(options.contradictionSimilarity, 'contradiction similarity');
  const minMove = options.minMove === undefined ? 0.001 : checkFinite(options.minMove, 'minimum move');
  const pruneBelow = options.pruneBelowQuality === undefined ? 0.2 : checkUnit(options.pruneBelowQuality, 'prune quality');
  const pruneAfter = options.pruneAfterMs === undefined ? 365 * DAY : checkFinite(options.pruneAfterMs, 'prune age');
  const unjudgedAfter = options.unjudgedAfterMs === undefined ? 730 * DAY : checkFinite(options.unjudgedAfterMs, 'unjudged age');
  const windowRatio = options.windowRatio === undefined ? 0.1 : checkUnit(options.windowRatio, 'window ratio');
  const engine = store.engine;
  const index = store.experienceIndex();
  const db = store.db;
  const meta = new Map<string, { dataset: string; timeframe: string; signal: Signal; judged: boolean }>();
  for (const r of db.prepare('SELECT e.id, e.dataset, e.timeframe, e.signal, v.experience_id AS judged FROM experiences e LEFT JOIN verdicts v ON v.experience_id = e.id').iterate() as IterableIterator<{
    id: string;
    dataset: string;
    timeframe: string;
    signal: Signal;
    judged: string | null;
  }>)
    meta.set(r.id, { dataset: r.dataset, timeframe: r.timeframe, signal: r.signal, judged: r.judged !== null });

  const flags: Array<{ id: string; kind: 'duplicate' | 'contradiction' | 'pruned'; related: string; detail: string }> = [];
  const gone = new Set<string>();
  let examined = 0;
  for (const length of index.lengths()) {
    const rows = index.rows(length);
    examined += rows.length;
    // Duplicates.
    const seen = new Map<string, (typeof rows)[number]>();
    for (const r of rows) {
      const m = meta.get(r.id)!;
      const key = createHash('sha256')
        .update(`${r.patternType}\0${m.dataset}\0${m.timeframe}\0${m.signal}\0`)
        .update(Buffer.from(r.values.buffer, r.values.byteOffset, r.values.byteLength))
        .digest('hex');
      const first = seen.get(key);
      if (!first) {
        seen.set(key, r);
        continue;
      }
      // Keep the judged one, else the earliest.
      const keepNew = !meta.get(first.id)!.judged && m.judged;
      const [keep, drop] = keepNew ? [r, first] : [first, r];
      seen.set(key, keep);
      flags.push({ id: drop.id, kind: 'duplicate', related: keep.id, detail: `Same pattern, data set, timeframe and signal as ${keep.id}.` });
      gone.add(drop.id);
    }
    // Pruning.
    for (const r of rows) {
      if (gone.has(r.id)) continue;
      const age = now - r.at;
      if (r.quality !== null && r.quality < pruneBelow && age > pruneAfter) {
        flags.push({ id: r.id, kind: 'pruned', related: '', detail: `Quality ${r.quality.toFixed(3)} below ${pruneBelow} and older than ${Math.round(pruneAfter / DAY)} days.` });
        gone.add(r.id);
      } else if (r.quality === null && age > unjudgedAfter) {
        flags.push({ id: r.id, kind: 'pruned', related: '', detail: `Never judged and older than ${Math.round(unjudgedAfter / DAY)} days.` });
        gone.add(r.id);
      }
    }
    // Contradictions among judged experiences of one pattern type.
    const judged = rows.filter((r) => r.quality !== null && !gone.has(r.id));
    const byType = new Map<string, Array<(typeof rows)[number] & { r: number }>>();
    for (const j of judged) {
      const o = store.readOutcome(j.id);
      if (!o || Math.abs(o.realizedReturn) < minMove) continue;
      let g = byType.get(j.patternType);
      if (!g) byType.set(j.patternType, (g = []));
      g.push({ ...j, r: o.realizedReturn });
    }
    const window = Math.ceil(windowRatio * length);
    const cap = distanceForSimilarity(simThr, length);
    for (const group of byType.values()) {
      const ups = group.filter((g) => g.r > 0);
      const downs = group.filter((g) => g.r < 0);
      if (!ups.length || !downs.length) continue;
      const flat = new Float32Array(downs.length * length);
      for (const u of ups) {
        const { upper, lower } = envelope(u.values, window);
        const survivors: number[] = [];
        for (let d = 0; d < downs.length; d++) if (lbKeogh(downs[d]!.values, 0, upper, lower, cap) <= cap) survivors.push(d);
        if (!survivors.length) continue;
        survivors.forEach((d, i) => flat.set(downs[d]!.values, i * length));
        const dist = engine.dtwBatch(u.values, flat.subarray(0, survivors.length * length), { window });
        survivors.forEach((d, i) => {
          const sim = similarityFromDistance(dist[i]!, length);
          if (sim < simThr) return;
          const o = downs[d]!;
          const detail = `Similarity ${sim.toFixed(3)}; realized ${(u.r * 100).toFixed(2)}% vs ${(o.r * 100).toFixed(2)}%.`;
          flags.push({ id: u.id, kind: 'contradiction', related: o.id, detail }, { id: o.id, kind: 'contradiction', related: u.id, detail });
        });
      }
    }
  }
  const insert = db.prepare('INSERT OR IGNORE INTO flags (experience_id, kind, related_id, detail, created_at) VALUES (?, ?, ?, ?, ?)');
  const added = { duplicate: 0, contradiction: 0, pruned: 0 };
  let pairs = 0;
  const sample: ConsolidateReport['sample'] = { duplicates: [], contradictions: [], pruned: [] };
  db.transaction(() => {
    for (const f of flags) {
      if (insert.run(f.id, f.kind, f.related, f.detail, now).changes === 0) continue;
      added[f.kind]++;
      if (f.kind === 'duplicate' && sample.duplicates.length < 100) sample.duplicates.push(f.id);
      if (f.kind === 'pruned' && sample.pruned.length < 100) sample.pruned.push(f.id);
      if (f.kind === 'contradiction' && f.id < f.related) {
        pairs++;
        if (sample.contradictions.length < 100) sample.contradictions.push([f.id, f.related]);
      }
    }
  }).immediate();
  store.touch();
  return {
    examined,
    duplicates: added.duplicate,
    contradictions: pairs,
    pruned: added.pruned,
    sample,
    elapsedMs: performance.now() - t0,
  };
}
