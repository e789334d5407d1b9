/**
 * The swarm's edges (issue 12, attacks 7-9), on loopback in this process: raw TCP connections to the
 * WebSocket port that never finish a handshake are closed; idle pre-hello streams from unknown peers cannot
 * hold enrollment shut; a live agent whose membership expires is disconnected with the reason `Expired`; an
 * agent whose WebSocket is reset right after its upgrade (as the coordinator's handshake limit does) redials
 * instead of dying of an unhandled `ECONNRESET`.
 * Waits are on events; the only timings are the coordinator's own (short) limits.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, registry } from '../metrics';
import { Agent } from './agent';
import { Coordinator, PRE_HELLO_PER_ADDRESS } from './coordinator';
import { createSwarmNode, type SwarmLibp2p } from './node';
import { PROTOCOL } from './protocol';
import { loadStack } from './stack';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-edges-'));
const log = createLogger('test', 'silent');
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function coordinator(name: string, extra: Partial<Parameters<typeof Coordinator.start>[0]> = {}): Promise<Coordinator> {
  const c = await Coordinator.start({ dataDir: path.join(tmp, name), quicPort: 0, wsPort: 0, logger: log, heartbeatMs: 500, changePollMs: 100, ...extra });
  cleanup.push(() => c.stop());
  return c;
}

async function agent(c: Coordinator, name: string, token: string): Promise<Agent> {
  const a = await Agent.start({ dataDir: path.join(tmp, name), join: c.multiaddrs(), token, logger: log, backoffBaseMs: 100, backoffMaxMs: 400, heartbeatMs: 500 });
  cleanup.push(() => a.stop({ graceful: false }));
  return a;
}

function once<T>(em: NodeJS.EventEmitter, event: string, pred: (e: T) => boolean = () => true, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const on = (e: T): void => {
      if (!pred(e)) return;
      clearTimeout(t);
      em.off(event, on);
      resolve(e);
    };
    em.on(event, on);
  });
}

async function refusedCount(reason: string): Promise<number> {
  const m = (await registry.getSingleMetric('swarm_refused_connections_total')?.get())?.values ?? [];
  return m.filter((v) => v.labels['reason'] === reason).reduce((s, v) => s + v.value, 0);
}

describe('swarm edges', () => {
  it('closes raw TCP connections to the WebSocket port that never complete a handshake', async () => {
    const c = await coordinator('coord-tcp');
    const port = Number(/\/tcp\/(\d+)\/ws/.exec(c.multiaddrs().find((a) => a.includes('/ws'))!)![1]);
    const closed = (write?: string): Promise<void> =>
      new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          if (write) s.write(write);
        });
        s.on('error', () => undefined);
        s.on('close', () => resolve());
      });
    // Silent connections (no byte at all) and slow ones (a request line, never the end of the headers).
    await Promise.all([...Array.from({ length: 20 }, () => closed()), ...Array.from({ length: 5 }, () => closed('GET / HTTP/1.1\r\nHost: x\r\n'))]);
  });

  it('does not let idle pre-hello streams from unknown peers hold enrollment shut', async () => {
    const c = await coordinator('coord-prehello');
    const token = c.createToken(); // enrollment is open: unknown peers pass the handshake gate
    const { keys, multiaddr } = await loadStack();
    const target = multiaddr.multiaddr(c.multiaddrs()[0]!);
    const attackers: SwarmLibp2p[] = [];
    for (let i = 0; i < 2 * PRE_HELLO_PER_ADDRESS + 1; i++) {
      const node = await createSwarmNode({ privateKey: await keys.generateKeyPair('Ed25519'), listen: [], gater: {}, server: false });
      cleanup.push(async () => node.stop());
      attackers.push(node);
    }
    const evictedBefore = await refusedCount('pre-hello-per-address');
    // Every attacker opens a protocol stream and never sends its hello.
    await Promise.all(attackers.map((n) => n.dialProtocol(target, PROTOCOL, { signal: AbortSignal.timeout(10_000) })));
    const refusedLegit: string[] = [];
    c.on('refused', (e: { peerId: string; reason: string }) => refusedLegit.push(e.reason));
    const a = await agent(c, 'legit', token);
    await a.waitConnected();
    expect(c.agents().map((x) => x.peerId)).toContain(a.peerId);
    expect(refusedLegit.filter((r) => r === 'enrollment-busy')).toEqual([]);
    expect((await refusedCount('pre-hello-per-address')) - evictedBefore).toBeGreaterThanOrEqual(PRE_HELLO_PER_ADDRESS + 1);
  });

  it('disconnects a live agent when its membership expires, with the reason Expired', async () => {
    const c = await coordinator('coord-expiry', { expiryGraceMs: 200 });
    const a = await agent(c, 'short-lived', c.createToken());
    await a.waitConnected();
    // The membership runs out while the agent is connected (here: its not_after is set to now); neither the
    // live session nor a renewal may keep it alive past the grace window.
    c.store.allow(a.peerId, 'agent', Date.now(), 'expires now');
    const told = once<{ code: string; message: string }>(a, 'refused');
    const expired = await once<{ peerId: string }>(c, 'expired', (e) => e.peerId === a.peerId);
    expect(expired.peerId).toBe(a.peerId);
    const refusal = await told;
    expect(refusal.code).toBe('Expired');
    expect(refusal.message).toMatch(/membership of this agent expired at .* and was not renewed/);
    expect(c.agents().map((x) => x.peerId)).not.toContain(a.peerId);
    expect(await refusedCount('expired-live')).toBeGreaterThanOrEqual(1);
  });

  it('redials, without an unhandled error, when the WebSocket is reset right after its upgrade', async () => {
    const { WebSocketServer } = await import('ws');
    const { keys, peerId } = await loadStack();
    // A server that completes the WebSocket upgrade and then resets the TCP connection (RST), as the coordinator
    // does when the noise + yamux upgrade that follows misses its handshake limit on a loaded machine.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    let resets = 0;
    wss.on('connection', (ws) => {
      resets++;
      (ws as unknown as { _socket: net.Socket })._socket.resetAndDestroy();
    });
    cleanup.push(() => new Promise((resolve) => wss.close(() => resolve(undefined))));
    const port = (wss.address() as net.AddressInfo).port;
    const someone = peerId.peerIdFromPrivateKey(await keys.generateKeyPair('Ed25519')).toString();
    const a = await Agent.start({
      join: [`/ip4/127.0.0.1/tcp/${port}/ws/p2p/${someone}`],
      transports: ['ws'],
      privateKey: await keys.generateKeyPair('Ed25519'),
      dbPath: ':memory:',
      logger: log,
      backoffBaseMs: 50,
      backoffMaxMs: 100,
    });
    cleanup.push(() => a.stop({ graceful: false }));
    let failures = 0;
    a.on('dial-failed', () => failures++);
    // An unhandled 'error' event would end this process (and fail the run) before the agent dials again.
    await once(a, 'dial-failed', () => failures >= 3 && resets >= 3);
    expect(a.status().connected).toBe(false);
  });
});
