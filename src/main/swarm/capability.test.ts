/**
 * The swarm capability through the host's typed contract (what the Swarm view uses): host, join with the
 * token, status on both sides, events, revoke, stop.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { SwarmStatus } from '../../shared/contract';
import type { Bars } from '../../shared/market';
import { getEngine } from '../engine';
import { Host } from '../host/host';
import { swarmCapability } from './capability';
import { until } from './testing/until';
import { testSeries } from './testing/series';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-cap-'));
const hosts: Host[] = [];
afterAll(async () => {
  for (const h of hosts) await h.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function makeHost(name: string): { host: Host; events: Array<{ event: string; payload: unknown }> } {
  const host = new Host();
  const events: Array<{ event: string; payload: unknown }> = [];
  const close = testSeries(6000, 11);
  const bars: Bars = { time: close.map((_, i) => i * 60_000), open: close, high: close, low: close, close, volume: new Float64Array(close.length) };
  host.register(swarmCapability({ dataDir: path.join(tmp, name), emit: (e, p) => host.emit(e, p), bars: () => bars }));
  host.onEvent((event, payload) => events.push({ event, payload }));
  hosts.push(host);
  return { host, events };
}

const condition = <T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> => until('a condition', fn, ok, 30_000);

describe('swarm capability', () => {
  it('hosts, joins, reports, revokes and stops through the contract', async () => {
    const c = makeHost('c');
    const a = makeHost('a');
    const none = await c.host.invoke('swarm:status', {});
    expect(none).toMatchObject({ ok: true, value: { role: 'none', peerId: null } });

    const hosted = await c.host.invoke('swarm:host', { quicPort: 0, wsPort: 0 });
    if (!hosted.ok) throw new Error(hosted.error.message);
    const { multiaddrs, token } = hosted.value as { multiaddrs: string[]; token: string };
    expect(multiaddrs[0]).toContain('/quic-v1/');

    const again = await c.host.invoke('swarm:join', { join: multiaddrs });
    expect(again).toMatchObject({ ok: false, error: { code: 'Conflict' } });
    const badPeer = await c.host.invoke('swarm:revoke', { peerId: 'nope' });
    expect(badPeer).toMatchObject({ ok: false, error: { code: 'InvalidInput' } });

    const joined = await a.host.invoke('swarm:join', { join: multiaddrs, token });
    if (!joined.ok) throw new Error(joined.error.message);
    const agentId = (joined.value as { peerId: string }).peerId;

    const st = (
      await condition(
        async () => (await a.host.invoke('swarm:status', {})) as { ok: true; value: SwarmStatus },
        (r) => r.value.agent?.connected === true,
      )
    ).value;
    expect(st.role).toBe('agent');
    expect(st.agent?.transport).toBe('quic');
    const cs = (
      await condition(
        async () => (await c.host.invoke('swarm:status', {})) as { ok: true; value: SwarmStatus },
        (r) => (r.value.coordinator?.agents.length ?? 0) === 1,
      )
    ).value;
    expect(cs.coordinator?.agents[0]?.peerId).toBe(agentId);
    expect(cs.coordinator?.members.find((m) => m.peerId === agentId)?.status).toBe('allowed');
    expect(c.events.some((e) => e.event === 'swarm:changed')).toBe(true);
    expect(a.events.some((e) => e.event === 'swarm:changed' && (e.payload as { reason: string }).reason === 'connected')).toBe(true);

    // A sharded analog search dispatched to the agent: same answer as the engine over the history, computed
    // with the engine's async search only (off the event loop the agent's heartbeats run on).
    const engine = getEngine();
    const syncSearch = vi.spyOn(engine, 'searchTopK');
    const asyncSearch = vi.spyOn(engine, 'searchTopKAsync');
    const req = { datasetId: 1, timeframe: '1m' as const, queryStart: 5000, queryEnd: 5039, k: 4, windowRatio: 0.1, shards: 3 };
    const res = await c.host.invoke('swarm:search', req);
    if (!res.ok) throw new Error(res.error.message);
    expect(syncSearch).not.toHaveBeenCalled();
    expect(asyncSearch).toHaveBeenCalled();
    syncSearch.mockRestore();
    asyncSearch.mockRestore();
    const found = res.value as { shards: number; matches: Array<{ start: number; end: number; agent: string; similarity: number }> };
    expect(found.shards).toBe(3);
    const series = testSeries(6000, 11);
    const direct = getEngine().searchTopK(series.subarray(0, 5000), series.slice(5000, 5040), { window: 4, k: 4 });
    expect(found.matches.map((m) => m.start)).toEqual(direct.map((d) => d.index));
    expect(found.matches.every((m) => m.end === m.start + 39 && m.end < 5000 && m.agent === agentId && m.similarity > 0 && m.similarity <= 1)).toBe(true);
    expect(await a.host.invoke('swarm:search', req)).toMatchObject({ ok: false, error: { code: 'Unavailable' } });

    expect(await c.host.invoke('swarm:revoke', { peerId: agentId })).toMatchObject({ ok: true });
    const refused = await condition(
      async () => (await a.host.invoke('swarm:status', {})) as { ok: true; value: SwarmStatus },
      (r) => r.value.agent?.lastRefusal?.code === 'Revoked',
    );
    expect(refused.value.agent?.connected).toBe(false);

    expect(await a.host.invoke('swarm:stop', {})).toMatchObject({ ok: true, value: { stopped: true } });
    expect(await c.host.invoke('swarm:stop', {})).toMatchObject({ ok: true, value: { stopped: true } });
    expect(await c.host.invoke('swarm:status', {})).toMatchObject({ ok: true, value: { role: 'none' } });
  });
});
