/**
 * The swarm capability through the host's typed contract (what the Swarm view uses): host, join with the
 * token, status on both sides, events, revoke, stop.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SwarmStatus } from '../../shared/contract';
import { Host } from '../host/host';
import { swarmCapability } from './capability';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-cap-'));
const hosts: Host[] = [];
afterAll(async () => {
  for (const h of hosts) await h.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function makeHost(name: string): { host: Host; events: Array<{ event: string; payload: unknown }> } {
  const host = new Host();
  const events: Array<{ event: string; payload: unknown }> = [];
  host.register(swarmCapability({ dataDir: path.join(tmp, name), emit: (e, p) => host.emit(e, p) }));
  host.onEvent((event, payload) => events.push({ event, payload }));
  hosts.push(host);
  return { host, events };
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

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

    const st = (await until(
      async () => (await a.host.invoke('swarm:status', {})) as { ok: true; value: SwarmStatus },
      (r) => r.value.agent?.connected === true,
    )).value;
    expect(st.role).toBe('agent');
    expect(st.agent?.transport).toBe('quic');
    const cs = (await until(
      async () => (await c.host.invoke('swarm:status', {})) as { ok: true; value: SwarmStatus },
      (r) => (r.value.coordinator?.agents.length ?? 0) === 1,
    )).value;
    expect(cs.coordinator?.agents[0]?.peerId).toBe(agentId);
    expect(cs.coordinator?.members.find((m) => m.peerId === agentId)?.status).toBe('allowed');
    expect(c.events.some((e) => e.event === 'swarm:changed')).toBe(true);
    expect(a.events.some((e) => e.event === 'swarm:changed' && (e.payload as { reason: string }).reason === 'connected')).toBe(true);

    expect(await c.host.invoke('swarm:revoke', { peerId: agentId })).toMatchObject({ ok: true });
    const refused = await until(
      async () => (await a.host.invoke('swarm:status', {})) as { ok: true; value: SwarmStatus },
      (r) => r.value.agent?.lastRefusal?.code === 'Revoked',
    );
    expect(refused.value.agent?.connected).toBe(false);

    expect(await a.host.invoke('swarm:stop', {})).toMatchObject({ ok: true, value: { stopped: true } });
    expect(await c.host.invoke('swarm:stop', {})).toMatchObject({ ok: true, value: { stopped: true } });
    expect(await c.host.invoke('swarm:status', {})).toMatchObject({ ok: true, value: { role: 'none' } });
  });
});
