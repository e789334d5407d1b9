/**
 * Faults with real processes on loopback (coordinator and agents are separate `node --import tsx`
 * processes): a SIGKILLed agent's shard is reassigned and the merged answer equals the single-node one;
 * records made while the coordinator is dead wait in the agent's SQLite outbox and are delivered exactly
 * once after it restarts (SIGKILL) on the same ports, and every other agent receives each record once;
 * the coordinator's key is rotated offline (`warpdesk swarm rotate-key`) meanwhile and the agents follow it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from './testing/until';
import { cliArgs } from '../../cli/testing/cli-process';
import { getEngine } from '../engine';
import { startProc, type Proc } from './testing/proc';
import { testSeries } from './testing/series';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-faults-'));
const procs: Proc[] = [];
const start = (role: string, opts: Record<string, unknown>): Proc => {
  const p = startProc(role, opts);
  procs.push(p);
  return p;
};

afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

const HB = 500;

describe('swarm faults (multi-process)', () => {
  it('reassigns the shard of a SIGKILLed agent; the merged top-k equals the single-node search', async () => {
    const coord = start('coordinator', { dataDir: path.join(tmp, 's-coord'), quicPort: 0, wsPort: 0, heartbeatMs: HB });
    const ready = await coord.waitEvent((e) => e['event'] === 'ready');
    const join = ready['multiaddrs'] as string[];
    const agents: Proc[] = [];
    for (let i = 0; i < 3; i++) {
      const token = await coord.call<string>('token');
      agents.push(start('agent', { dataDir: path.join(tmp, `s-agent${i}`), join, token, heartbeatMs: HB, taskDelayMs: 400 }));
    }
    await Promise.all(agents.map((a) => a.waitEvent((e) => e['event'] === 'connected')));
    const ids = await Promise.all(agents.map(async (a) => (await a.waitEvent((e) => e['event'] === 'ready'))['peerId'] as string));
    const params = { n: 20_000, seed: 7, qStart: 12_345, m: 64, window: 6, k: 5, shards: 9 };
    const search = coord.call<{ matches: Array<{ index: number; distance: number }>; reassigned: number; answeredBy: string[] }>('search', params, 120_000);
    // Kill the first agent while it holds a shard.
    for (;;) {
      const list = await coord.call<Array<{ peerId: string; busy: string | null }>>('agents');
      if (list.find((x) => x.peerId === ids[0])?.busy) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await agents[0]!.kill('SIGKILL');
    const result = await search;
    expect(result.reassigned).toBeGreaterThanOrEqual(1);
    expect(result.answeredBy.every((p) => ids.includes(p))).toBe(true);
    const s = testSeries(params.n, params.seed);
    const local = getEngine().searchTopK(s, s.slice(params.qStart, params.qStart + params.m), { window: params.window, k: params.k });
    expect(result.matches.map((m) => m.index)).toEqual(local.map((m) => m.index));
    result.matches.forEach((m, i) => expect(m.distance).toBeCloseTo(local[i]!.distance, 9));
    expect(result.matches[0]!.index).toBe(params.qStart);
    await Promise.all([coord, ...agents].map((p) => p.kill()));
  });

  it('delivers the outbox exactly once after a coordinator SIGKILL and restart, and loses nothing', async () => {
    const dataDir = path.join(tmp, 'o-coord');
    let coord = start('coordinator', { dataDir, quicPort: 0, wsPort: 0, heartbeatMs: HB });
    const join = (await coord.waitEvent((e) => e['event'] === 'ready'))['multiaddrs'] as string[];
    const quicPort = Number(/udp\/(\d+)/.exec(join[0]!)![1]);
    const wsPort = Number(/tcp\/(\d+)/.exec(join[1]!)![1]);
    const x = start('agent', { dataDir: path.join(tmp, 'o-x'), join, token: await coord.call<string>('token'), heartbeatMs: HB, backoffBaseMs: 100, backoffMaxMs: 800 });
    const y = start('agent', { dataDir: path.join(tmp, 'o-y'), join, token: await coord.call<string>('token'), heartbeatMs: HB, backoffBaseMs: 100, backoffMaxMs: 800 });
    await Promise.all([x, y].map((a) => a.waitEvent((e) => e['event'] === 'connected')));
    const rec = (i: number) => ({ id: `exp-${i}`, kind: 'experience', createdAt: Date.now(), payload: { i } });
    for (let i = 0; i < 5; i++) await x.call('record', { record: rec(i) });
    await y.waitEvent((e) => e['event'] === 'shared' && e['id'] === 'exp-4');
    while ((await x.call<{ outboxPending: number }>('status')).outboxPending > 0) await new Promise((r) => setTimeout(r, 20));

    await coord.kill('SIGKILL');
    await x.waitEvent((e) => e['event'] === 'disconnected');
    for (let i = 5; i < 15; i++) await x.call('record', { record: rec(i) });
    expect(await x.call<boolean>('record', { record: rec(7) })).toBe(false); // same id: queued once
    expect((await x.call<{ outboxPending: number }>('status')).outboxPending).toBe(10);

    // While it is down, rotate its key from the command line; agents must follow the signed statement.
    const rotated = JSON.parse(execFileSync(process.execPath, cliArgs('swarm', 'rotate-key', '--data-dir', dataDir, '--json'), { encoding: 'utf8' })) as { old: string; next: string };
    expect(join[0]).toContain(rotated.old);

    const xEvents = x.events.length;
    coord = start('coordinator', { dataDir, quicPort, wsPort, heartbeatMs: HB });
    expect((await coord.waitEvent((e) => e['event'] === 'ready'))['peerId']).toBe(rotated.next);
    await x.waitEvent((e) => e['event'] === 'connected', 60_000, xEvents);
    // Every record reaches y, by gossip or, for one gossip missed, by the gap fill that follows it.
    await until(
      'y has all 15 records',
      () => y.call<string[]>('receivedIds'),
      (ids) => new Set(ids).size === 15,
      60_000,
    );
    for (;;) {
      if ((await x.call<{ outboxPending: number }>('status')).outboxPending === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const stored = await coord.call<string[]>('sharedIds');
    expect(stored).toHaveLength(15);
    expect(new Set(stored).size).toBe(15);
    const yIds = await y.call<string[]>('receivedIds');
    expect([...yIds].sort()).toEqual(Array.from({ length: 15 }, (_, i) => `exp-${i}`).sort());
    const sharedEvents = y.events.filter((e) => e['event'] === 'shared').map((e) => e['id']);
    expect(sharedEvents).toHaveLength(15); // each id landed once, whichever path brought it
    // Membership survived the restart: both rejoined without a token, and follow the new PeerId.
    // (An agent may be moving its session from WebSockets to QUIC right now; wait for both to be back.)
    while ((await coord.call<Array<{ peerId: string }>>('agents')).length < 2) await new Promise((r) => setTimeout(r, 50));
    expect((await coord.call<Array<{ peerId: string }>>('agents')).length).toBe(2);
    expect((await x.call<{ coordinator: string }>('status')).coordinator).toBe(rotated.next);
    expect((await y.call<{ coordinator: string }>('status')).coordinator).toBe(rotated.next);
    await Promise.all([coord, x, y].map((p) => p.kill()));
  });
});
