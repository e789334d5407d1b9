/**
 * Pattern memory benchmarks (issue 4): the learning write path, retrieval over 100,000 stored patterns of
 * length 128, encryption overhead, distillation, chain verification, key rotation. `--quick` shrinks sizes.
 * Columns: n = operations timed; p50/p99 per operation; total for one-shot jobs; per item = total / n.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { getEngine } from '../src/main/engine';
import { generateKey, openMemory, staticKeyProvider, type ExperienceInput } from '../src/main/memory';
import { aadFor, Keyring } from '../src/main/memory/keys';
import { median, quantile, randomWalk, seededRandom, timeRuns, type BenchContext, type BenchSection } from './lib';

const DAY = 86_400_000;

function exp(query: Float64Array, rnd: () => number, now: number): ExperienceInput {
  return {
    patternType: rnd() < 0.5 ? 'analog:1h' : 'analog:4h',
    dataset: 'bench',
    timeframe: '1h',
    query,
    matches: Array.from({ length: 10 }, (_, i) => ({ similarity: 0.9 - i * 0.02 - rnd() * 0.01, forwardReturn: (rnd() - 0.5) * 0.04, start: i * 200, end: i * 200 + 127 })),
    signal: rnd() < 0.5 ? 'long' : 'short',
    confidence: rnd(),
    horizon: 20,
    at: now - Math.floor(rnd() * 720) * DAY,
  };
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export default async function run(ctx: BenchContext): Promise<BenchSection> {
  const quick = !!ctx.quick;
  const dir = ctx.tmpDir!;
  const N = quick ? 5_000 : 100_000;
  const L = 128;
  const now = Date.UTC(2026, 0, 1);
  const rnd = seededRandom(4);
  const rows: BenchSection['rows'] = [];
  const row = (c: string, n: number, cells: { p50?: number; p99?: number; cpu50?: number; cpu99?: number; total?: number; per?: string; detail?: string; target?: string; met?: boolean }): void => {
    rows.push({
      case: c,
      n,
      'p50 ms': cells.p50 === undefined ? '' : r3(cells.p50),
      'p99 ms': cells.p99 === undefined ? '' : r3(cells.p99),
      'cpu p50 ms': cells.cpu50 === undefined ? '' : r3(cells.cpu50),
      'cpu p99 ms': cells.cpu99 === undefined ? '' : r3(cells.cpu99),
      'total ms': cells.total === undefined ? '' : Math.round(cells.total),
      'per item': cells.per ?? '',
      detail: cells.detail ?? '',
      target: cells.target ?? '',
      ...(cells.met === undefined ? {} : { met: cells.met }),
    });
  };
  const notes: string[] = [
    `load average at start ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' / ')} on ${os.cpus().length} cores; engine ${getEngine().backend} (${getEngine().simdLevel()})`,
  ];

  const memory = await openMemory({ dataDir: dir, keyProvider: staticKeyProvider([generateKey()]), agentId: 'bench', now: () => now });

  // 1. Bulk load N patterns of length 128 (transactions of 5,000), a third of them judged.
  const series = randomWalk(N * L + L, 11);
  const t0 = performance.now();
  for (let start = 0; start < N; start += 5_000) {
    const batch: ExperienceInput[] = [];
    for (let i = start; i < Math.min(N, start + 5_000); i++) batch.push(exp(series.slice(i * L, (i + 1) * L), rnd, now));
    const recs = memory.recordExperiences(batch);
    for (let j = 0; j < recs.length; j += 3) memory.settle(recs[j]!.id, { realizedReturn: (rnd() - 0.5) * 0.05, mae: rnd() * 0.02, timeToTarget: rnd() < 0.5 ? null : 5 });
    await tick();
  }
  const loadMs = performance.now() - t0;
  row(`load ${N} experiences (len ${L}) + ${Math.ceil(N / 3)} verdicts`, N, { total: loadMs, per: `${r3((loadMs / N) * 1000)} µs` });

  // 2. The learning write path, one at a time as the app does it (yielding to the event loop in between).
  const iters = quick ? 300 : 3_000;
  const walks = randomWalk(iters * L + L, 12);
  const recordOnly: number[] = [];
  const settleOnly: number[] = [];
  const both: number[] = [];
  for (let i = 0; i < iters; i++) {
    const q = walks.subarray(i * L, (i + 1) * L);
    const input = exp(q, rnd, now);
    const outcome = { realizedReturn: (rnd() - 0.5) * 0.04, mae: rnd() * 0.01, timeToTarget: rnd() < 0.5 ? null : 3 };
    const a = performance.now();
    const e = memory.recordExperience(input);
    const b = performance.now();
    memory.settle(e.id, outcome);
    const c = performance.now();
    if (i > 0) {
      recordOnly.push(b - a);
      settleOnly.push(c - b);
      both.push(c - a);
    }
    await tick();
  }
  for (const s of [recordOnly, settleOnly, both]) s.sort((x, y) => x - y);
  row('record experience + verdict + threshold update', both.length, { p50: median(both), p99: quantile(both, 0.99), target: 'p99 < 5 ms', met: quantile(both, 0.99) < 5 });
  row('  record experience (quantize, 2 seals, chain link)', recordOnly.length, { p50: median(recordOnly), p99: quantile(recordOnly, 0.99) });
  row('  outcome + verdict + threshold update (settle)', settleOnly.length, { p50: median(settleOnly), p99: quantile(settleOnly, 0.99) });
  const cp = performance.now();
  const ck = memory.checkpoint();
  row('WAL checkpoint (PASSIVE, off the record path)', 1, { total: performance.now() - cp, detail: `${ck.walPages} pages` });

  // 3. Encryption overhead per record (AES-256-GCM, fresh 12-byte nonce, 16-byte tag).
  const ring = new Keyring([generateKey()]);
  const plain = Buffer.alloc(16 + L, 7);
  const aad = aadFor('patterns', '0190c0de-0000-7000-8000-000000000000');
  const sealed = ring.seal(plain, aad);
  const k = quick ? 2_000 : 20_000;
  const sealT = await timeRuns(() => ring.seal(plain, aad), k, 500);
  const openT = await timeRuns(() => ring.open(sealed, aad, 'bench'), k, 500);
  row('encrypt one pattern record (144 B)', k, { p50: median(sealT), p99: quantile(sealT, 0.99), per: '+28 B' });
  row('decrypt one pattern record (144 B)', k, { p50: median(openT), p99: quantile(openT, 0.99) });
  notes.push(
    `encryption share of a record: 2 seals ≈ ${r3(2 * median(sealT) * 1000)} µs of ${r3(median(recordOnly) * 1000)} µs p50 (${((200 * median(sealT)) / median(recordOnly)).toFixed(1)}%); every encrypted row carries 28 extra bytes (nonce + tag)`,
  );

  // 4. Retrieval: the first call loads the index (decrypt, dequantize, z-normalize); then top-10 queries.
  const total = N + iters;
  const tl = performance.now();
  memory.retrieve({ query: randomWalk(L, 99), k: 10, now });
  const indexMs = performance.now() - tl;
  row(`load retrieval index (${total} patterns, once)`, total, { total: indexMs, per: `${r3((indexMs / total) * 1000)} µs` });
  const queries = quick ? 20 : 100;
  for (const [label, lambda] of [
    ['retrieve top-10, MMR λ=0.7 (exact pool of 40)', 0.7],
    ['retrieve top-10, score only (λ=1)', 1],
  ] as const) {
    const lat: number[] = [];
    const cpu: number[] = []; // process.cpuUsage deltas: on a loaded machine wall time mostly measures waiting
    const perQuery: Array<{ ms: number; dtw: number }> = [];
    let dtw = 0;
    for (let q = 0; q < 5; q++) memory.retrieve({ query: randomWalk(L, 900 + q), k: 10, lambda, now }); // warm-up (JIT), untimed
    for (let q = 0; q < queries; q++) {
      const query = randomWalk(L, 1000 + q);
      const c0 = process.cpuUsage();
      const t = performance.now();
      const r = memory.retrieve({ query, k: 10, lambda, now });
      lat.push(performance.now() - t);
      const dc = process.cpuUsage(c0);
      cpu.push((dc.user + dc.system) / 1000);
      perQuery.push({ ms: lat[lat.length - 1]!, dtw: r.stats.dtwComputed });
      dtw += r.stats.dtwComputed;
      await tick();
    }
    lat.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    // The tail is the queries whose LB_Keogh bounds are loose (thousands of exact DTW), not noise alone.
    const slowest = perQuery
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 2)
      .map((x) => x.dtw)
      .join(', ');
    // Issue 14 item 4: p99 <= 20 ms, judged on CPU time per query (wall time on the shared machine is printed too).
    const p99cpu = quantile(cpu, 0.99);
    row(`${label} over ${total} × ${L}`, queries, {
      p50: median(lat),
      p99: quantile(lat, 0.99),
      cpu50: median(cpu),
      cpu99: p99cpu,
      detail: `${Math.round(dtw / queries)} exact DTW/query (${(100 * (1 - dtw / queries / total)).toFixed(2)}% pruned); 2 slowest: ${slowest}`,
      target: 'p99 ≤ 20 ms (CPU)',
      met: p99cpu <= 20,
    });
  }

  // 5. Audit chain verification of everything.
  const tv = performance.now();
  const chain = memory.verifyChain();
  const verifyMs = performance.now() - tv;
  row('verify audit chain (decrypt + hash every link)', chain.links, { total: verifyMs, per: `${r3((verifyMs / chain.links) * 1000)} µs`, detail: chain.ok ? 'intact' : 'BROKEN' });

  // 6. Distillation (~10:1) and the recall lost against the full memory.
  const rep = memory.distill({ ratio: 10, evaluateQueries: quick ? 20 : 100, k: 10 });
  row(`distill ${rep.experiences} experiences`, rep.experiences, {
    total: rep.elapsedMs,
    detail: `${rep.distilled} patterns (${rep.ratio.toFixed(1)}:1); recall@10 ${rep.recallAtK?.toFixed(3)}, lost ${rep.recallLost?.toFixed(3)} over ${rep.queries} queries (${Math.round(rep.evaluateMs)} ms)`,
  });
  memory.retrieve({ query: randomWalk(L, 4999), k: 10, source: 'distilled', now }); // loads the distilled index
  const dl: number[] = [];
  for (let q = 0; q < queries; q++) {
    const t = performance.now();
    memory.retrieve({ query: randomWalk(L, 5000 + q), k: 10, source: 'distilled', now });
    dl.push(performance.now() - t);
  }
  dl.sort((a, b) => a - b);
  row(`retrieve top-10 from the ${rep.distilled} distilled patterns`, queries, { p50: median(dl), p99: quantile(dl, 0.99) });

  // 7. Key rotation of everything (batches of 500, one transaction each).
  const rot = await memory.rotateKey({ batchSize: 500 });
  row('rotate key (re-encrypt every record)', rot.reencrypted, { total: rot.elapsedMs, per: `${r3((rot.elapsedMs / rot.reencrypted) * 1000)} µs` });

  memory.checkpoint();
  const s = memory.stats();
  notes.push(
    `database ${(s.bytes / 1e6).toFixed(1)} MB (+ ${(s.walBytes / 1e6).toFixed(1)} MB WAL) for ${s.experiences} experiences with ${s.verdicts} verdicts (${Math.round(s.bytes / s.experiences)} B per experience, most of it the 10 encrypted matches); a stored pattern is ${16 + L + 28} B encrypted (8-bit codes + scale + offset + nonce + tag) vs ${4 * L} B as f32`,
  );
  notes.push('retrieval is exact: LB_PAA (engine rowBounds, one call over the stored matrix) and LB_Keogh only skip rows whose best possible score cannot enter the top set; the rest get exact DTW (engine refineRows)');
  memory.close();
  return { name: 'Pattern memory (issue 4)', rows, notes };
}
