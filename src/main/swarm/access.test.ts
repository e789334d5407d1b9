/**
 * Access control end to end on loopback (coordinator and agents in this process; `warpdesk swarm revoke`
 * as a real child process): enrollment tokens, explicit refusal reasons, handshake refusal, allow, revoke
 * at once (propagated by gossip), key rotation.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, registry } from '../metrics';
import { Agent, type AgentOptions } from './agent';
import { Coordinator } from './coordinator';
import { cliArgs } from '../../cli/testing/cli-process';
import { until } from './testing/until';

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-access-'));
const log = createLogger('test', 'silent');
let coord: Coordinator;
const agents: Agent[] = [];

async function agent(name: string, extra: Partial<AgentOptions> = {}): Promise<Agent> {
  const a = await Agent.start({ dataDir: path.join(tmp, name), join: coord.multiaddrs(), logger: log, backoffBaseMs: 100, backoffMaxMs: 400, heartbeatMs: 500, ...extra });
  agents.push(a);
  return a;
}

function once<T>(em: NodeJS.EventEmitter, event: string, pred: (e: T) => boolean = () => true, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const on = (e: T) => {
      if (!pred(e)) return;
      clearTimeout(t);
      em.off(event, on);
      resolve(e);
    };
    em.on(event, on);
  });
}

/** Pings once the agent is (again) connected; retries across a session move (e.g. WebSockets -> QUIC). */
async function pingSettled(a: Agent): Promise<number> {
  for (let i = 0; ; i++) {
    await a.waitConnected();
    try {
      return await a.ping();
    } catch (err) {
      if (i >= 5) throw err;
    }
  }
}

async function counter(name: string, label: string): Promise<number> {
  const m = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return m.filter((v) => v.labels['reason'] === label).reduce((s, v) => s + v.value, 0);
}

beforeAll(async () => {
  coord = await Coordinator.start({ dataDir: path.join(tmp, 'coord'), quicPort: 0, wsPort: 0, logger: log, heartbeatMs: 500, changePollMs: 100 });
});

afterAll(async () => {
  for (const a of agents) await a.stop({ graceful: false }).catch(() => undefined);
  await coord.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('swarm access control', () => {
  let a: Agent;
  let d: Agent;

  it('enrolls an agent with a one-time token and issues a signed membership record', async () => {
    const token = coord.createToken();
    a = await agent('a', { token });
    await a.waitConnected();
    const st = a.status();
    expect(st.connected).toBe(true);
    expect(st.transport).toBe('quic');
    expect(st.membershipNotAfter).toBeGreaterThan(Date.now());
    expect(coord.store.member(a.peerId)?.status).toBe('allowed');
    expect(coord.agents().map((x) => x.peerId)).toContain(a.peerId);
  });

  it('refuses a reused token and a missing token with an explicit reason', async () => {
    coord.createToken(); // keeps enrollment open so the hello is read and answered
    const spent = coord.store.db.prepare(`SELECT used_by FROM tokens WHERE used_by IS NOT NULL`).all();
    expect(spent).toHaveLength(1);
    const b = await agent('b', { token: 'not-a-real-token-000000' });
    const refusal = await once<{ code: string }>(b, 'refused');
    expect(refusal.code).toBe('BadToken');
    const c = await agent('c');
    expect((await once<{ code: string }>(c, 'refused')).code).toBe('NotAllowed');
    expect(b.status().connected).toBe(false);
    await b.stop({ graceful: false });
    await c.stop({ graceful: false });
  });

  it('refuses an unknown peer during the handshake when no enrollment is open, then admits it once allowed', async () => {
    coord.store.db.prepare(`UPDATE tokens SET expires_at = 0`).run();
    const before = await counter('swarm_refused_connections_total', 'not-allowed');
    d = await agent('d');
    const refused = await once<{ peerId: string; reason: string }>(coord, 'refused', (e) => e.peerId === d.peerId);
    expect(refused.reason).toBe('not-allowed');
    expect(await counter('swarm_refused_connections_total', 'not-allowed')).toBeGreaterThan(before);
    expect(d.status().connected).toBe(false);
    // The agent knows it was refused (not that the network is down), and says so once.
    await until(
      'the agent sees the handshake refusal',
      () => d.status(),
      (st) => st.refusedAtHandshake,
      30_000,
    );
    expect(d.status().lastRefusal).toBeNull();
    const cli = await run(process.execPath, cliArgs('swarm', 'allow', d.peerId, '--data-dir', path.join(tmp, 'coord'), '--json'));
    expect(JSON.parse(cli.stdout)).toMatchObject({ allowed: d.peerId });
    await d.waitConnected(30_000);
    expect(d.status().connected).toBe(true);
    expect(d.status().refusedAtHandshake).toBe(false);
  });

  it('an agent whose membership expired while it was away is told so (Expired) instead of redialing blind', async () => {
    const short = await Coordinator.start({ dataDir: path.join(tmp, 'coord-short'), quicPort: 0, wsPort: 0, logger: log, heartbeatMs: 500, membershipTtlMs: 3_000 });
    try {
      const opts = { dataDir: path.join(tmp, 'short-lived'), join: short.multiaddrs(), logger: log, backoffBaseMs: 100, backoffMaxMs: 400, heartbeatMs: 500 };
      const first = await Agent.start({ ...opts, token: short.createToken() });
      await first.waitConnected(30_000);
      const notAfter = first.status().membershipNotAfter!;
      await first.stop({ graceful: false });
      expect(notAfter).toBeGreaterThan(0);
      await until(
        'the membership expires',
        () => Date.now(),
        (now) => now > notAfter,
        30_000,
      );
      const again = await Agent.start(opts);
      agents.push(again);
      await until(
        'the agent names its refusal',
        () => again.status(),
        (st) => st.lastRefusal !== null,
        30_000,
      );
      expect(again.status().lastRefusal?.code).toBe('Expired');
      expect(again.status().connected).toBe(false);
      await again.stop({ graceful: false });
    } finally {
      await short.stop();
    }
  });

  it('revokes at once from another process: the agent is told why, others hear it, redials are refused', async () => {
    const heard = once<{ peerId: string }>(d, 'revoked', (e) => e.peerId === a.peerId);
    const told = once<{ code: string }>(a, 'refused');
    const cli = await run(process.execPath, cliArgs('swarm', 'revoke', a.peerId, '--data-dir', path.join(tmp, 'coord')));
    expect(cli.stdout).toMatch(/Revoked/);
    expect((await told).code).toBe('Revoked');
    await heard;
    const refusedAgain = await once<{ peerId: string; reason: string }>(coord, 'refused', (e) => e.peerId === a.peerId && e.reason === 'revoked');
    expect(refusedAgain.reason).toBe('revoked');
    expect(coord.agents().map((x) => x.peerId)).not.toContain(a.peerId);
    const list = await run(process.execPath, cliArgs('swarm', 'list', '--data-dir', path.join(tmp, 'coord'), '--json'));
    const rows = JSON.parse(list.stdout) as Array<{ peerId: string; status: string }>;
    expect(rows.find((r) => r.peerId === a.peerId)?.status).toBe('revoked');
  });

  it('rotates a key with a statement signed by the old key', async () => {
    const e = await agent('e', { token: coord.createToken() });
    await e.waitConnected();
    const old = e.peerId;
    const next = await e.rotateKey();
    expect(next).not.toBe(old);
    expect(e.peerId).toBe(next);
    expect(await pingSettled(e)).toBeGreaterThan(0);
    expect(coord.store.member(next)?.status).toBe('allowed');
    expect(coord.store.member(old)?.status).toBe('revoked');
    // The rotated identity was persisted: a restart keeps the new PeerId.
    await e.stop();
    const again = await agent('e');
    expect(again.peerId).toBe(next);
    await again.waitConnected();
  });

  it('falls back to WebSockets by itself when QUIC is dead', async () => {
    const { freePorts } = await import('./testing/proc');
    const { udp } = await freePorts();
    const ws = coord.multiaddrs().find((x) => x.includes('/ws/'))!;
    const deadQuic = `/ip4/127.0.0.1/udp/${udp}/quic-v1/p2p/${coord.peerId}`;
    const f = await agent('f', { join: [deadQuic, ws], token: coord.createToken(), quicTimeoutMs: 800 });
    const joined = once<{ peerId: string; transport: string }>(coord, 'agent-joined', (e) => e.peerId === f.peerId);
    await f.waitConnected(30_000);
    expect(f.status().transport).toBe('ws');
    expect((await joined).transport).toBe('ws');
    expect(await pingSettled(f)).toBeGreaterThan(0);
  });

  it('a graceful leave is seen as such by the coordinator', async () => {
    const g = await agent('g', { token: coord.createToken() });
    await g.waitConnected();
    const left = once<{ peerId: string; why: string }>(coord, 'agent-left', (e) => e.peerId === g.peerId);
    await g.stop({ graceful: true });
    expect((await left).why).toBe('left');
  });

  it('renews membership before it expires', async () => {
    const short = await Coordinator.start({ dataDir: path.join(tmp, 'short'), quicPort: 0, wsPort: 0, logger: log, heartbeatMs: 300, membershipTtlMs: 3_000 });
    try {
      const h = await Agent.start({ dataDir: path.join(tmp, 'h'), join: short.multiaddrs(), token: short.createToken(), logger: log, heartbeatMs: 300 });
      agents.push(h);
      await h.waitConnected();
      const first = h.status().membershipNotAfter!;
      const deadline = Date.now() + 20_000;
      while (h.status().membershipNotAfter === first && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(h.status().membershipNotAfter).toBeGreaterThan(first);
      expect(short.store.member(h.peerId)!.notAfter).toBeGreaterThan(first);
      await h.stop();
    } finally {
      await short.stop();
    }
  });

  it('follows a coordinator key rotation, online (rotation frame) and offline (signed chain in the welcome)', async () => {
    const online = await agent('rot-online', { token: coord.createToken() });
    const offline = await agent('rot-offline', { token: coord.createToken() });
    await Promise.all([online.waitConnected(), offline.waitConnected()]);
    const oldJoin = coord.multiaddrs();
    const oldId = coord.peerId;
    await offline.stop();
    const followed = once<{ next: string }>(online, 'coordinator-rotated');
    const reconnected = once(online, 'connected');
    const nextId = await coord.rotateKey();
    expect(nextId).not.toBe(oldId);
    expect((await followed).next).toBe(nextId);
    await reconnected;
    expect(await pingSettled(online)).toBeGreaterThan(0);
    expect(online.coordinator).toBe(nextId);
    // The agent that was away still has the old multiaddrs (old PeerId) and follows the chain.
    expect(oldJoin[0]).toContain(oldId);
    const back = await agent('rot-offline', { join: oldJoin });
    expect(await pingSettled(back)).toBeGreaterThan(0);
    expect(back.coordinator).toBe(nextId);
    expect(back.status().membershipNotAfter).toBeGreaterThan(Date.now());
    // A restart of the coordinator keeps the new identity.
    const { loadOrCreateIdentity } = await import('./identity');
    expect((await loadOrCreateIdentity(path.join(tmp, 'coord'), 'coordinator')).peerId.toString()).toBe(nextId);
  });

  it('refuses to talk to a node that is not its coordinator and shows no rotation from it', async () => {
    const { loadStack } = await import('./stack');
    const { keys, peerId } = await loadStack();
    const stranger = peerId.peerIdFromPrivateKey(await keys.generateKeyPair('Ed25519')).toString();
    const wrong = coord.multiaddrs().map((a) => a.replace(/\/p2p\/[^/]+$/, `/p2p/${stranger}`));
    const i = await agent('impostor-victim', { join: wrong, token: coord.createToken() });
    // Without the token the node there refuses it; once allowed there, the agent itself refuses the node.
    expect((await once<{ message: string }>(i, 'dial-failed')).message).toMatch(/NotAllowed/);
    coord.allow(i.peerId);
    expect((await once<{ message: string }>(i, 'dial-failed', (e) => /no signed rotation/.test(e.message))).message).toMatch(/not the coordinator/);
    expect(i.status().connected).toBe(false);
    // The token was never sent to the node at that address.
    expect(coord.store.db.prepare(`SELECT COUNT(*) AS n FROM tokens WHERE used_by = ?`).get(i.peerId)).toEqual({ n: 0 });
  });

  it('falls back to WebSockets while UDP is blocked and moves back to QUIC once it is not', async () => {
    const dgram = await import('node:dgram');
    const quicAddr = coord.multiaddrs().find((x) => x.includes('/quic-v1'))!;
    const target = Number(/udp\/(\d+)/.exec(quicAddr)![1]);
    // A UDP relay in front of the coordinator's QUIC port that drops everything while `blocked`.
    let blocked = true;
    const front = dgram.createSocket('udp4');
    const back = dgram.createSocket('udp4');
    let client: { address: string; port: number } | null = null;
    front.on('message', (msg, rinfo) => {
      client = { address: rinfo.address, port: rinfo.port };
      if (!blocked) back.send(msg, target, '127.0.0.1');
    });
    back.on('message', (msg) => {
      if (!blocked && client) front.send(msg, client.port, client.address);
    });
    await new Promise<void>((r) => front.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => back.bind(0, '127.0.0.1', () => r()));
    try {
      const relayed = `/ip4/127.0.0.1/udp/${front.address().port}/quic-v1/p2p/${coord.peerId}`;
      const ws = coord.multiaddrs().find((x) => x.includes('/ws/'))!;
      const u = await agent('udp-blocked', { join: [relayed, ws], token: coord.createToken(), quicTimeoutMs: 500, quicReprobeMs: 700 });
      await u.waitConnected(30_000);
      expect(u.status().transport).toBe('ws');
      const onQuic = once<{ transport: string }>(u, 'connected', (e) => e.transport === 'quic', 60_000);
      blocked = false;
      expect((await onQuic).transport).toBe('quic');
      expect(await pingSettled(u)).toBeGreaterThan(0);
      expect(u.status().transport).toBe('quic');
    } finally {
      front.close();
      back.close();
    }
  });
});
