/**
 * Hostile frames against a live coordinator (loopback): oversized length prefix, invalid JSON, wrong
 * version, frames an agent may not send, a stalled partial frame, a bad first frame. Each closes only that
 * stream with an error code; a well-behaved agent keeps being served throughout. Shared records that the
 * sending agent did not sign are refused (error BadSignature) without ending the session. An admitted agent
 * that falls silent for the read timeout loses its session and its connection (libp2p's connection monitor is off).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrivateKey, Stream } from '@libp2p/interface';
import { createLogger } from '../metrics';
import { Agent } from './agent';
import { Coordinator } from './coordinator';
import { createSwarmNode, type SwarmLibp2p } from './node';
import { PROTOCOL, PROTOCOL_VERSION } from './protocol';
import { signRecord } from './record-signature';
import { loadStack } from './stack';
import { until } from './testing/until';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-frames-'));
const log = createLogger('test', process.env['TEST_LOG'] ?? 'silent');
let coord: Coordinator;
let good: Agent;
let raw: SwarmLibp2p;
let rawKey: PrivateKey;

beforeAll(async () => {
  coord = await Coordinator.start({ dataDir: path.join(tmp, 'coord'), quicPort: 0, wsPort: 0, logger: log, heartbeatMs: 400, readTimeoutMs: 1500 });
  good = await Agent.start({ dataDir: path.join(tmp, 'good'), join: coord.multiaddrs(), token: coord.createToken(), logger: log, heartbeatMs: 400 });
  await good.waitConnected();
  const { keys } = await loadStack();
  rawKey = await keys.generateKeyPair('Ed25519');
  raw = await createSwarmNode({ privateKey: rawKey, listen: [], server: false, gater: {} });
  const { peerId } = await loadStack();
  coord.allow(peerId.peerIdFromPrivateKey(rawKey).toString());
});

afterAll(async () => {
  await good.stop();
  await raw.stop();
  await coord.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Lp = ReturnType<Awaited<ReturnType<typeof loadStack>>['utils']['lpStream']>;
const readers = new WeakMap<Stream, Lp>();

async function openRaw(transport: 'quic' | 'ws' = 'quic'): Promise<Stream> {
  const { multiaddr, utils } = await loadStack();
  const addr = coord.multiaddrs().find((a) => (transport === 'quic' ? a.includes('quic') : a.includes('/ws')))!;
  const conn = await raw.dial(multiaddr.multiaddr(addr));
  const stream = await conn.newStream(PROTOCOL);
  readers.set(stream, utils.lpStream(stream));
  return stream;
}

/** Reads what the coordinator answers until the stream ends; returns the frame types and error codes. */
async function answers(stream: Stream, timeoutMs = 8000): Promise<string[]> {
  const lp = readers.get(stream)!;
  const codes: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const buf = await lp.read({ signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) });
      const f = JSON.parse(new TextDecoder().decode(buf.subarray())) as { t: string; code?: string };
      codes.push(f.code ? `${f.t}:${f.code}` : f.t);
    } catch (err) {
      if (process.env['TEST_LOG']) console.log('answers ended', (err as Error).message, codes);
      await stream.close().catch(() => stream.abort(new Error('done')));
      return codes;
    }
  }
}

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

function frame(obj: unknown): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(obj));
  return Uint8Array.from([...varint(body.length), ...body]);
}

const hello = { v: PROTOCOL_VERSION, t: 'hello', agentType: 'headless', software: 'test', capabilities: [], cursor: 0 };

async function goodStillServed(): Promise<void> {
  const rtt = await good.ping();
  expect(rtt).toBeGreaterThan(0);
}

describe('hostile frames', () => {
  it('an oversized length prefix closes the stream with FrameTooLarge', async () => {
    const s = await openRaw();
    s.send(varint(64 * 1024 * 1024));
    expect(await answers(s)).toContain('error:FrameTooLarge');
    await goodStillServed();
  });

  it('invalid JSON closes the stream with BadFrame', async () => {
    const s = await openRaw('ws');
    const junk = new TextEncoder().encode('{not json');
    s.send(Uint8Array.from([...varint(junk.length), ...junk]));
    expect(await answers(s)).toContain('error:BadFrame');
    await goodStillServed();
  });

  it('another protocol version is refused with VersionMismatch', async () => {
    const s = await openRaw();
    s.send(frame({ ...hello, v: PROTOCOL_VERSION - 1 }));
    expect(await answers(s)).toContain('error:VersionMismatch');
  });

  it('a first frame that is not hello, or a frame an agent may not send, closes with BadFrame', async () => {
    const s1 = await openRaw();
    s1.send(frame({ v: PROTOCOL_VERSION, t: 'ping', id: 1, sentAt: 0 }));
    expect(await answers(s1)).toContain('error:BadFrame');
    const s2 = await openRaw();
    s2.send(frame(hello));
    s2.send(frame({ v: PROTOCOL_VERSION, t: 'ack', ids: ['x'] }));
    const got = await answers(s2);
    expect(got[0]).toBe('welcome');
    expect(got).toContain('error:BadFrame');
    await goodStillServed();
  });

  it('a shared record must carry the sending agent’s signature: forged or unsigned ones are refused and not stored', async () => {
    const { keys } = await loadStack();
    const s = await openRaw();
    const lp = readers.get(s)!;
    /** Sends a share and reads until its ack; returns the frames seen (error codes included). */
    const share = async (record: unknown): Promise<string[]> => {
      s.send(frame({ v: PROTOCOL_VERSION, t: 'share', record }));
      const seen: string[] = [];
      for (;;) {
        const f = JSON.parse(new TextDecoder().decode((await lp.read({ signal: AbortSignal.timeout(5000) })).subarray())) as { t: string; code?: string };
        seen.push(f.code ? `${f.t}:${f.code}` : f.t);
        if (f.t === 'ack') return seen;
      }
    };
    s.send(frame(hello));
    const before = coord.store.sharedCount();
    const refused: string[] = [];
    coord.on('record-refused', (e: { id: string }) => refused.push(e.id));
    const base = { kind: 'threshold' as const, createdAt: Date.now(), payload: { n: 1 } };
    // Signed by another key (a record forged in this agent's name), altered after signing, and unsigned.
    const forged = await signRecord(await keys.generateKeyPair('Ed25519'), { id: 'forged', ...base });
    const altered = { ...(await signRecord(rawKey, { id: 'altered', ...base })), payload: { n: 2 } };
    expect(await share(forged)).toContain('error:BadSignature');
    expect(await share(altered)).toContain('error:BadSignature');
    expect(await share({ id: 'unsigned', ...base })).toContain('error:BadSignature');
    expect(refused).toEqual(['forged', 'altered', 'unsigned']);
    expect(coord.store.sharedCount()).toBe(before);
    // The same record properly signed is stored.
    expect(await share(await signRecord(rawKey, { id: 'genuine', ...base }))).not.toContain('error:BadSignature');
    expect(coord.store.sharedCount()).toBe(before + 1);
    await s.close();
    await goodStillServed();
  });

  it('a stalled partial frame hits the read timeout', async () => {
    const s = await openRaw();
    s.send(Uint8Array.from([...varint(100), 1, 2, 3]));
    expect(await answers(s, 10_000)).toContain('error:Timeout');
    await goodStillServed();
    expect(good.status().connected).toBe(true);
  });

  it('an admitted agent silent for the read timeout loses its session and its connection', async () => {
    const { peerId } = await loadStack();
    const rawPeer = peerId.peerIdFromPrivateKey(rawKey).toString();
    const s = await openRaw();
    s.send(frame(hello));
    const first = JSON.parse(new TextDecoder().decode((await readers.get(s)!.read()).subarray())) as { t: string };
    expect(first.t).toBe('welcome');
    await until(
      'the session',
      () => coord.agents().some((a) => a.peerId === rawPeer),
      (v) => v,
      5_000,
    );
    // Nothing more is sent: after readTimeoutMs (1.5 s) the coordinator ends the session and aborts the connection.
    await until(
      'the silent agent dropped',
      () => raw.getConnections().filter((c) => c.remotePeer.toString() === coord.peerId).length,
      (n) => n === 0,
      15_000,
    );
    expect(coord.agents().some((a) => a.peerId === rawPeer)).toBe(false);
    await goodStillServed();
  });
});
