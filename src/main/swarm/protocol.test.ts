/**
 * The frame decoder under arbitrary chunking and arbitrary bytes (property tests over an in-memory stream):
 * frames come out whole and in order however the bytes are split; garbage never throws anything but a
 * FrameError; oversized and over-long prefixes are refused without waiting for the body. The ping/pong fast
 * paths (validation, encoding, counting) are checked against their oracles: the zod schema, JSON.stringify
 * and prom-client's own counters.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { Stream } from '@libp2p/interface';
import { swarmMetrics } from '../metrics';
import { Frame, FrameChannel, FrameError, PROTOCOL_VERSION, hotFrame, hotFrameJson, type OutFrame } from './protocol';

/** Just enough of a libp2p v3 stream for FrameChannel: message events in, `send` out. */
class MemStream extends EventTarget {
  status = 'open';
  writableNeedsDrain = false;
  sent: Uint8Array[] = [];
  paused = false;
  deliver(bytes: Uint8Array): void {
    const e = new Event('message') as Event & { data: Uint8Array };
    e.data = bytes;
    this.dispatchEvent(e);
  }
  send(b: Uint8Array): boolean {
    this.sent.push(b);
    return true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  async close(): Promise<void> {
    this.status = 'closed';
  }
  abort(): void {
    this.status = 'aborted';
  }
  async onDrain(): Promise<void> {}
}

function pair(readTimeoutMs = 1000): { mem: MemStream; ch: FrameChannel } {
  const mem = new MemStream();
  return { mem, ch: new FrameChannel(mem as unknown as Stream, { readTimeoutMs, maxFrameBytes: 4096 }) };
}

const frameArb: fc.Arbitrary<OutFrame> = fc.oneof(
  fc.record({ t: fc.constant('ping' as const), id: fc.integer(), sentAt: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
  fc.record({ t: fc.constant('ack' as const), ids: fc.array(fc.string({ minLength: 0, maxLength: 20 }), { maxLength: 5 }) }),
  fc.record({ t: fc.constant('leave' as const), reason: fc.string({ maxLength: 50 }) }),
);

describe('frame decoder', () => {
  it('returns the same frames in order however the bytes are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }), async (frames, cuts) => {
        const writer = pair();
        for (const f of frames) await writer.ch.send(f);
        const bytes = Buffer.concat(writer.mem.sent);
        const { mem, ch } = pair();
        let at = 0;
        let i = 0;
        while (at < bytes.length) {
          const n = cuts[i++ % cuts.length]!;
          mem.deliver(bytes.subarray(at, at + n));
          at += n;
        }
        for (const f of frames) {
          const got = await ch.read();
          expect(got).toEqual({ v: PROTOCOL_VERSION, ...JSON.parse(JSON.stringify(f)) });
        }
      }),
      { numRuns: 150, seed: 6 },
    );
  });

  it('never throws anything but a FrameError on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (junk) => {
        const { mem, ch } = pair(20);
        mem.deliver(junk);
        try {
          for (let k = 0; k < 4; k++) await ch.read();
        } catch (err) {
          expect(err).toBeInstanceOf(FrameError);
        }
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('refuses an oversized length at once, and an over-long prefix', async () => {
    const a = pair(60_000);
    a.mem.deliver(Uint8Array.from([0x80, 0x80, 0x01])); // 16384 > 4096, no body needed to decide
    await expect(a.ch.read()).rejects.toMatchObject({ frameCode: 'FrameTooLarge' });
    const b = pair(60_000);
    b.mem.deliver(Uint8Array.from([0x81, 0x81, 0x81, 0x81, 0x01]));
    await expect(b.ch.read()).rejects.toMatchObject({ frameCode: 'FrameTooLarge' });
  });

  it('pauses the stream when frames pile up and resumes as they are read', async () => {
    const writer = pair();
    for (let i = 0; i < 70; i++) await writer.ch.send({ t: 'ping', id: i, sentAt: 0 });
    const { mem, ch } = pair();
    mem.deliver(Buffer.concat(writer.mem.sent));
    expect(mem.paused).toBe(true);
    for (let i = 0; i < 60; i++) expect((await ch.read()).t).toBe('ping');
    expect(mem.paused).toBe(false);
  });
});

/** ping/pong-shaped objects with every kind of defect the schema can refuse (and the valid ones). */
const num = fc.oneof(fc.integer(), fc.double(), fc.constant(-0), fc.constant(2 ** 53), fc.constant(-1), fc.constant(1.5));
const junkValue = fc.oneof(num, fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({}));
const validHot = fc.oneof(
  fc.record(
    {
      v: fc.constant(PROTOCOL_VERSION),
      t: fc.constant('ping'),
      id: fc.maxSafeInteger(),
      sentAt: fc.double({ noNaN: true, noDefaultInfinity: true }),
      lastRttMs: fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
      cursor: fc.maxSafeNat(),
    },
    { requiredKeys: ['v', 't', 'id', 'sentAt'] },
  ),
  fc.record({ v: fc.constant(PROTOCOL_VERSION), t: fc.constant('pong'), id: fc.maxSafeInteger(), sentAt: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
);
/** Valid ping/pong frames, and the same with one or two keys set to something else or removed. */
const nearHot = fc
  .tuple(validHot, fc.array(fc.tuple(fc.constantFrom('v', 't', 'id', 'sentAt', 'lastRttMs', 'cursor', 'extra'), fc.oneof(junkValue, fc.constantFrom('ping', 'pong', 'ack'))), { maxLength: 2 }))
  .map(([base, edits]) => {
    const o: Record<string, unknown> = { ...base };
    for (const [k, v] of edits) {
      if (v === undefined) delete o[k];
      else o[k] = v;
    }
    // A wire frame is JSON: what JSON.parse could hand the decoder.
    return JSON.parse(JSON.stringify(o)) as unknown;
  });

describe('the ping/pong fast paths against the zod schema (the oracle)', () => {
  it('hotFrame accepts exactly what Frame accepts among ping/pong frames, and returns the same value', () => {
    fc.assert(
      fc.property(nearHot, (json) => {
        const hot = hotFrame(json);
        const parsed = Frame.safeParse(json);
        if (hot) {
          expect(parsed.success).toBe(true);
          expect(hot).toEqual(parsed.data);
        } else if (parsed.success) {
          // Only frames that are not ping/pong may bypass the fast path (it never refuses; zod decides).
          expect(['ping', 'pong']).not.toContain(parsed.data.t);
        }
      }),
      { numRuns: 5000, seed: 14 },
    );
  });

  it('a malformed ping is still refused by the channel with BadFrame', async () => {
    const bad = [
      { v: PROTOCOL_VERSION, t: 'ping', id: 1.5, sentAt: 0 },
      { v: PROTOCOL_VERSION, t: 'ping', id: 1, sentAt: 0, lastRttMs: -1 },
      { v: PROTOCOL_VERSION, t: 'ping', id: 1, sentAt: 0, cursor: -2 },
      { v: PROTOCOL_VERSION, t: 'pong', id: 1, sentAt: 0, cursor: 2 },
      { v: PROTOCOL_VERSION, t: 'ping', id: 1, sentAt: null },
      { v: PROTOCOL_VERSION, t: 'ping', id: 1 },
      { v: PROTOCOL_VERSION, t: 'ping', id: 1, sentAt: 0, extra: true },
    ];
    for (const b of bad) {
      const { mem, ch } = pair();
      const body = Buffer.from(JSON.stringify(b));
      mem.deliver(Buffer.concat([Uint8Array.from([body.length]), body]));
      await expect(ch.read()).rejects.toMatchObject({ frameCode: 'BadFrame' });
    }
  });

  it('hotFrameJson writes the JSON.stringify text of any ping/pong, or defers to it for non-finite numbers', () => {
    const anyNum = fc.oneof(fc.double(), fc.integer(), fc.constant(-0), fc.constant(Number.MAX_VALUE), fc.constant(5e-324), fc.constant(1e21));
    const outArb = fc.oneof(
      fc.record({ t: fc.constant('ping' as const), id: anyNum, sentAt: anyNum, lastRttMs: fc.option(anyNum, { nil: undefined }), cursor: fc.option(anyNum, { nil: undefined }) }),
      fc.record({ t: fc.constant('pong' as const), id: anyNum, sentAt: anyNum }),
    );
    fc.assert(
      fc.property(outArb, (f) => {
        const fast = hotFrameJson(f as OutFrame);
        const reference = JSON.stringify({ v: PROTOCOL_VERSION, ...f });
        const finite = Object.values(f).every((x) => typeof x !== 'number' || Number.isFinite(x));
        if (!finite) expect(fast).toBeNull();
        else expect(fast).toBe(reference);
      }),
      { numRuns: 2000, seed: 15 },
    );
  });

  it('ping/pong counted in plain numbers still reach the frame counters exactly at collection', async () => {
    const value = async (type: string, direction: string, m = swarmMetrics.framesTotal): Promise<number> =>
      (await m.get()).values.find((v) => v.labels['type'] === type && v.labels['direction'] === direction)?.value ?? 0;
    const before = { out: await value('pong', 'out'), in: await value('pong', 'in'), bytes: await value('pong', 'out', swarmMetrics.frameBytesTotal) };
    const writer = pair();
    for (let i = 0; i < 37; i++) await writer.ch.send({ t: 'pong', id: i, sentAt: i / 3 });
    const { mem, ch } = pair();
    const wire = Buffer.concat(writer.mem.sent);
    mem.deliver(wire);
    for (let i = 0; i < 37; i++) expect(await ch.read()).toEqual({ v: PROTOCOL_VERSION, t: 'pong', id: i, sentAt: i / 3 });
    expect(await value('pong', 'out')).toBe(before.out + 37);
    expect(await value('pong', 'in')).toBe(before.in + 37);
    expect(await value('pong', 'out', swarmMetrics.frameBytesTotal)).toBe(before.bytes + wire.length);
  });
});

describe('the synchronous ping/pong path (setHotHandler)', () => {
  const wire = (frames: object[]): Buffer =>
    Buffer.concat(
      frames.map((f) => {
        const body = Buffer.from(JSON.stringify(f));
        return Buffer.concat([Uint8Array.from([body.length]), body]);
      }),
    );

  it('takes a valid ping while the reader waits, answers at once, and leaves every other frame to the reader in order', async () => {
    const { mem, ch } = pair();
    const took: number[] = [];
    ch.setHotHandler((f) => {
      took.push(f.id);
      return ch.trySendHot({ t: 'pong', id: f.id, sentAt: f.sentAt });
    });
    const reading = ch.read();
    mem.deliver(wire([{ v: PROTOCOL_VERSION, t: 'ping', id: 1, sentAt: 5 }]));
    expect(took).toEqual([1]);
    expect(mem.sent).toHaveLength(1);
    expect(JSON.parse(Buffer.from(mem.sent[0]!).subarray(1).toString())).toEqual({ v: PROTOCOL_VERSION, t: 'pong', id: 1, sentAt: 5 });
    // An ack, then a ping queued behind it: the ping must not overtake the ack.
    mem.deliver(
      wire([
        { v: PROTOCOL_VERSION, t: 'ack', ids: ['a'] },
        { v: PROTOCOL_VERSION, t: 'ping', id: 2, sentAt: 6 },
      ]),
    );
    expect(await reading).toEqual({ v: PROTOCOL_VERSION, t: 'ack', ids: ['a'] });
    expect(await ch.read()).toEqual({ v: PROTOCOL_VERSION, t: 'ping', id: 2, sentAt: 6 });
    expect(took).toEqual([1]);
  });

  it('never hands the handler a malformed ping: the reader refuses it with BadFrame as before', async () => {
    for (const bad of [
      { v: PROTOCOL_VERSION, t: 'ping', id: 1.5, sentAt: 0 },
      { v: PROTOCOL_VERSION, t: 'ping', id: 1, sentAt: 0, lastRttMs: -1 },
      { v: PROTOCOL_VERSION, t: 'pong', id: 1, sentAt: 0, cursor: 1 },
      { v: PROTOCOL_VERSION, t: 'ping', id: 1, sentAt: 0, x: 1 },
    ]) {
      const { mem, ch } = pair();
      let called = false;
      ch.setHotHandler(() => (called = true));
      const reading = ch.read();
      mem.deliver(wire([bad]));
      await expect(reading).rejects.toMatchObject({ frameCode: 'BadFrame' });
      expect(called).toBe(false);
    }
  });

  it('a frame the handler declines goes to the reader, and handled pings keep the read timeout from firing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const { mem, ch } = pair(150);
      ch.setHotHandler((f) => f.id !== 99);
      let outcome: unknown = 'pending';
      const reading = ch.read().then(
        (f) => (outcome = f),
        (e: unknown) => (outcome = e),
      );
      // A ping every 100 ms for 800 ms (the timeout is 150 ms): each one restarts the waiting read's deadline.
      for (let i = 0; i < 8; i++) {
        await vi.advanceTimersByTimeAsync(100);
        mem.deliver(wire([{ v: PROTOCOL_VERSION, t: 'ping', id: i, sentAt: 0 }]));
      }
      expect(outcome).toBe('pending');
      mem.deliver(wire([{ v: PROTOCOL_VERSION, t: 'ping', id: 99, sentAt: 0 }]));
      await reading;
      expect(outcome).toEqual({ v: PROTOCOL_VERSION, t: 'ping', id: 99, sentAt: 0 });
      // With nothing arriving, the next read still times out.
      const next = ch.read();
      const timedOut = expect(next).rejects.toMatchObject({ frameCode: 'Timeout' });
      await vi.advanceTimersByTimeAsync(400);
      await timedOut;
    } finally {
      vi.useRealTimers();
    }
  });
});
