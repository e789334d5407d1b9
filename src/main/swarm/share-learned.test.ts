/**
 * Issue 9, item 6: the swarm shares what each agent learns. A coordinator and two agents on loopback (real
 * libp2p, real SQLite memories): agent A runs as `warpdesk agent --learn` does (an Agent with the
 * judgedSharer), agent B as the app does (the swarm capability joined through the contract, its `shareJudged`
 * as the learning loop's onJudged hook, which is how the host wires it). Each learns from a different seeded
 * random walk with `learnFromHistory` while joined; each ends with exactly the other's judged experiences in
 * its memory (verdicts present, origin remote, the other's agent id), every record signed by its origin and
 * stored once by the coordinator. A record relayed in A's name that A did not sign (forged with another key,
 * or altered after signing) is refused by B before its memory sees it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bars } from '../../shared/market';
import { learnFromHistory } from '../backtest';
import { getEngine } from '../engine';
import { Host } from '../host/host';
import { openMemory, type Memory } from '../memory';
import { createLogger } from '../metrics';
import { Agent } from './agent';
import { swarmCapability } from './capability';
import { Coordinator } from './coordinator';
import { experienceRecord, judgedSharer, memorySink } from './memory-sink';
import type { SharedRecord } from './protocol';
import { signRecord, verifyRecord } from './record-signature';
import { loadStack } from './stack';
import { until } from './testing/until';
import { testSeries } from './testing/series';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-learn-'));
const log = createLogger('test', process.env['TEST_LOG'] ?? 'silent');
const closers: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Hourly OHLC bars around a seeded random walk (positive prices). */
function walkBars(n: number, seed: number): Bars {
  const x = testSeries(n + 1, seed);
  const close = new Float64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    open[i] = 100 + x[i]!;
    close[i] = 100 + x[i + 1]!;
    high[i] = Math.max(open[i]!, close[i]!) + 0.05 + Math.abs(x[i + 1]! - x[i]!) * 0.3;
    low[i] = Math.min(open[i]!, close[i]!) - 0.05 - Math.abs(x[i + 1]! - x[i]!) * 0.3;
  }
  const time = Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000);
  return { time, open, high, low, close, volume: new Float64Array(n).fill(1) };
}

const waitFor = <T>(what: string, fn: () => T, ok: (v: T) => boolean): Promise<T> => until(what, fn, ok, 60_000);

/** Experiences in `m` recorded by the memory whose agent id is `agentId`. */
const recordedBy = (m: Memory, agentId: string) => m.listExperiences({ limit: 10_000 }).filter((e) => e.agentId === agentId);

describe('the swarm shares what each agent learns', () => {
  it('two agents learn on different data; each ends with exactly the other’s judged experiences, signed by their origin', async () => {
    const coord = await Coordinator.start({ dataDir: path.join(tmp, 'coord'), quicPort: 0, wsPort: 0, logger: log, heartbeatMs: 500 });
    closers.push(() => coord.stop());
    const memA = await openMemory({ dataDir: path.join(tmp, 'a') });
    const memB = await openMemory({ dataDir: path.join(tmp, 'b') });
    closers.push(
      () => memA.close(),
      () => memB.close(),
    );
    expect(memA.agentId).not.toBe(memB.agentId);

    // A: headless, as `warpdesk agent --learn` runs it.
    const a = await Agent.start({ dataDir: path.join(tmp, 'a'), join: coord.multiaddrs(), token: coord.createToken(), logger: log, heartbeatMs: 500, sink: memorySink(memA) });
    closers.push(() => a.stop());
    const sharerA = judgedSharer(() => a);

    // B: the app's swarm capability, joined through the contract; not joined yet, sharing is a no-op.
    const hostB = new Host();
    const swarmB = swarmCapability({ dataDir: path.join(tmp, 'b'), sink: memorySink(memB), emit: (e, p) => hostB.emit(e, p) });
    hostB.register(swarmB);
    closers.push(() => hostB.close());
    expect(swarmB.shareJudged(memB, crypto.randomUUID())).toBe(false);
    const joined = await hostB.invoke('swarm:join', { join: coord.multiaddrs(), token: coord.createToken() });
    if (!joined.ok) throw new Error(joined.error.message);
    const b = swarmB.agent()!;
    await Promise.all([a.waitConnected(), b.waitConnected()]);
    const refusedByB: Array<{ id: string; origin: string; reason: string }> = [];
    b.on('record-refused', (e: { id: string; origin: string; reason: string }) => refusedByB.push(e));

    // Both learn at once, on different data, sharing each experience as it is judged.
    const params = { window: 16, top: 5, horizon: 5, step: 4 };
    const engine = getEngine();
    const [ra, rb] = await Promise.all([
      learnFromHistory(walkBars(700, 101), params, engine, memA, { dataset: 'walk-101', timeframe: '1h', workers: 0, onJudged: (id) => sharerA.share(memA, id) }),
      learnFromHistory(walkBars(560, 202), params, engine, memB, { dataset: 'walk-202', timeframe: '1h', workers: 0, onJudged: (id) => swarmB.shareJudged(memB, id) }),
    ]);
    expect(ra.judged).toBeGreaterThan(20);
    expect(rb.judged).toBeGreaterThan(20);
    expect(ra.pending + rb.pending).toBeGreaterThan(0); // the last decisions wait for their horizon: never shared

    // Each memory ends with the other's judged experiences: all of them, each once, nothing else of theirs.
    const judgedFrom = (m: Memory, other: Memory) => recordedBy(m, other.agentId).filter((e) => e.verdict !== null);
    await waitFor(
      'B to hold A’s judged experiences',
      () => judgedFrom(memB, memA).length,
      (n) => n >= ra.judged,
    );
    await waitFor(
      'A to hold B’s judged experiences',
      () => judgedFrom(memA, memB).length,
      (n) => n >= rb.judged,
    );
    for (const [mine, theirs, report] of [
      [memB, memA, ra],
      [memA, memB, rb],
    ] as const) {
      const landed = recordedBy(mine, theirs.agentId);
      expect(landed).toHaveLength(report.judged);
      const ownJudged = recordedBy(theirs, theirs.agentId).filter((e) => e.verdict !== null);
      expect(ownJudged).toHaveLength(report.judged);
      expect(new Set(landed.map((e) => e.id))).toEqual(new Set(ownJudged.map((e) => e.id)));
      for (const e of landed) {
        expect(e.origin).toBe('remote');
        const v = mine.getVerdict(e.id);
        expect(v?.origin).toBe('remote');
        expect(v?.quality).toBe(theirs.getVerdict(e.id)!.quality);
      }
      expect(recordedBy(mine, mine.agentId).every((e) => e.origin === 'local')).toBe(true);
    }

    // Exactly once: one stored record per judged experience, each signed by the agent it is attributed to.
    const stored = coord.store.sharedAfter(0, 100_000);
    expect(stored).toHaveLength(ra.judged + rb.judged);
    expect(stored.filter((r) => r.origin === a.peerId)).toHaveLength(ra.judged);
    expect(stored.filter((r) => r.origin === b.peerId)).toHaveLength(rb.judged);
    for (const r of stored) {
      expect(r.record.kind).toBe('verdict');
      expect(await verifyRecord(r.record, r.origin)).toEqual({ ok: true });
    }
    await waitFor(
      'the outboxes to drain',
      () => a.status().outboxPending + b.status().outboxPending,
      (n) => n === 0,
    );
    expect(a.store.receivedCount()).toBe(rb.judged);
    expect(b.store.receivedCount()).toBe(ra.judged);
    expect(refusedByB).toEqual([]);

    // Records relayed in A's name that A did not sign never reach B's memory, as a compromised coordinator
    // would relay them: stored, gossiped and (if gossip misses) sent in catch-up.
    const memC = await openMemory({ dataDir: path.join(tmp, 'c') });
    closers.push(() => memC.close());
    const exp = memC.recordExperience({
      patternType: 'analog:1h',
      dataset: 'walk-303',
      timeframe: '1h',
      query: testSeries(16, 303),
      matches: [{ similarity: 0.9, forwardReturn: 0.01, start: 3, end: 18 }],
      signal: 'long',
      confidence: 0.8,
      horizon: 5,
      at: Date.UTC(2024, 5, 1),
    });
    memC.settle(exp.id, { realizedReturn: 0.02, mae: 0.001, timeToTarget: 2 });
    const { keys, peerId } = await loadStack();
    const rogue = await keys.generateKeyPair('Ed25519');
    // 1) A valid experience signed by another key and attributed to A (its signature is fine for the rogue key).
    const forged = await signRecord(rogue, experienceRecord(memC, exp.id));
    expect(await verifyRecord(forged, peerId.peerIdFromPrivateKey(rogue).toString())).toEqual({ ok: true });
    // 2) One of A's genuine records, altered after A signed it.
    const genuine = stored.find((r) => r.origin === a.peerId)!.record;
    const altered = { ...genuine, id: `verdict:altered-${genuine.id}`, payload: { ...genuine.payload, confidence: 0.99 } };
    const relay = (coord as unknown as { relay: { broadcast(seq: number, origin: string, record: SharedRecord): void } }).relay;
    for (const r of [forged, altered]) relay.broadcast(coord.store.putShared(a.peerId, r).seq, a.peerId, r);
    await waitFor(
      'B to refuse both',
      () => new Set(refusedByB.map((e) => e.id)),
      (ids) => ids.has(forged.id) && ids.has(altered.id),
    );
    expect(refusedByB.every((e) => e.origin === a.peerId && e.reason === 'bad-signature')).toBe(true);
    expect(() => memB.getExperience(exp.id)).toThrow();
    expect(recordedBy(memB, memA.agentId)).toHaveLength(ra.judged);
    expect(b.store.receivedIds()).not.toContain(forged.id);
    expect(b.store.receivedIds()).not.toContain(altered.id);
    // Without the check B's memory would have taken the forged one: it is a well-formed, hash-consistent experience.
    expect(memB.importRemoteExperience(forged.payload as never)).toEqual({ imported: true, verdictImported: true });
  }, 120_000);
});
