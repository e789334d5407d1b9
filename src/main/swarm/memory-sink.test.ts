/**
 * Experiences recorded in one agent's memory reach another agent's memory through the swarm (real memory
 * databases, real coordinator and agents on loopback), once, with their verdict following later.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openMemory, type Memory } from '../memory';
import { createLogger } from '../metrics';
import { Agent } from './agent';
import { Coordinator } from './coordinator';
import { memorySink, shareExperience } from './memory-sink';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-mem-'));
const log = createLogger('test', 'silent');
const closers: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function walk(n: number, seed: number): number[] {
  let x = 100;
  let a = seed;
  return Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return (x += a / 2 ** 32 - 0.5);
  });
}

describe('swarm ↔ memory', () => {
  it('lands a shared experience and then its verdict in the other agent’s memory, once', async () => {
    const coord = await Coordinator.start({ dataDir: path.join(tmp, 'c'), quicPort: 0, wsPort: 0, logger: log, heartbeatMs: 500 });
    closers.push(() => coord.stop());
    const memA: Memory = await openMemory({ dataDir: path.join(tmp, 'a') });
    const memB: Memory = await openMemory({ dataDir: path.join(tmp, 'b') });
    closers.push(
      () => memA.close(),
      () => memB.close(),
    );
    const a = await Agent.start({ dataDir: path.join(tmp, 'a'), join: coord.multiaddrs(), token: coord.createToken(), logger: log, heartbeatMs: 500 });
    const b = await Agent.start({ dataDir: path.join(tmp, 'b'), join: coord.multiaddrs(), token: coord.createToken(), logger: log, heartbeatMs: 500, sink: memorySink(memB) });
    closers.push(
      () => a.stop(),
      () => b.stop(),
    );
    await Promise.all([a.waitConnected(), b.waitConnected()]);

    const exp = memA.recordExperience({
      patternType: 'analog:1h',
      dataset: 'eurusd',
      timeframe: '1h',
      query: walk(32, 3),
      matches: [{ similarity: 0.8, forwardReturn: 0.01, start: 10, end: 40 }],
      signal: 'long',
      confidence: 0.6,
      horizon: 10,
      at: 1_700_000_000_000,
    });
    const landed = new Promise<void>((resolve) => b.on('shared', (e: { record: { id: string } }) => e.record.id === `exp:${exp.id}` && resolve()));
    expect(shareExperience(a, memA, exp.id)).toBe(true);
    expect(shareExperience(a, memA, exp.id)).toBe(false); // same record id: queued once
    await landed;
    expect(memB.getExperience(exp.id).id).toBe(exp.id);
    expect(memB.getVerdict(exp.id)).toBeNull();

    memA.settle(exp.id, { realizedReturn: 0.012, mae: 0.002, timeToTarget: 4 });
    const verdictLanded = new Promise<void>((resolve) => b.on('shared', (e: { record: { id: string } }) => e.record.id === `verdict:${exp.id}` && resolve()));
    expect(shareExperience(a, memA, exp.id)).toBe(true);
    await verdictLanded;
    expect(memB.getVerdict(exp.id)?.quality).toBeCloseTo(memA.getVerdict(exp.id)!.quality, 12);
    expect(memB.listExperiences().filter((x) => x.id === exp.id)).toHaveLength(1);
  });
});
