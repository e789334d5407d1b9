/**
 * The frame decoder under arbitrary chunking and arbitrary bytes (property tests over an in-memory stream):
 * frames come out whole and in order however the bytes are split; garbage never throws anything but a
 * FrameError; oversized and over-long prefixes are refused without waiting for the body.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Stream } from '@libp2p/interface';
import { FrameChannel, FrameError, PROTOCOL_VERSION, type OutFrame } from './protocol';

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
