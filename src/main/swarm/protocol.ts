/**
 * The swarm's command protocol: one long-lived libp2p stream per agent (`/warpdesk/swarm/1.0.0`) carrying
 * length-prefixed (unsigned varint), versioned JSON frames validated with zod, with a maximum frame size, a
 * read timeout (a stalled or partial frame ends the stream) and awaited writes (backpressure: a writer waits
 * for the stream to drain; the pending-write queue is bounded).
 * Must never trust an identity inside a frame: the sender is the PeerId of the stream's connection.
 */
import { z } from 'zod';
import type { Stream } from '@libp2p/interface';
import { WarpdeskError } from '../../shared/errors';
import { swarmMetrics } from '../metrics';
import { PeerIdString, SignedMembership, SignedRotation } from './membership';
import { loadStack } from './stack';

export const PROTOCOL = '/warpdesk/swarm/1.0.0';
export const PROTOCOL_VERSION = 1;
export const EXPERIENCE_TOPIC = 'warpdesk/swarm/v1/experience';
export const CONTROL_TOPIC = 'warpdesk/swarm/v1/control';
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** What travels between agents: an experience, a verdict, an outcome update or a threshold change. */
export const SharedRecord = z
  .object({
    id: z.string().min(1).max(128),
    kind: z.enum(['experience', 'verdict', 'outcome', 'threshold']),
    createdAt: z.number(),
    payload: z.record(z.string(), z.unknown()),
  })
  .strict();
export type SharedRecord = z.infer<typeof SharedRecord>;

const Base64 = z.string().max(MAX_FRAME_BYTES).regex(/^[A-Za-z0-9+/]*={0,2}$/);

export const RefusalCode = z.enum(['NotAllowed', 'Revoked', 'Expired', 'BadToken', 'BadFrame', 'VersionMismatch', 'Replaced', 'ShuttingDown']);
export type RefusalCode = z.infer<typeof RefusalCode>;

const f = <T extends string, S extends z.ZodRawShape>(t: T, shape: S) => z.object({ v: z.literal(PROTOCOL_VERSION), t: z.literal(t), ...shape }).strict();

export const Frame = z.discriminatedUnion('t', [
  f('hello', {
    agentType: z.enum(['headless', 'app']),
    software: z.string().max(64),
    capabilities: z.array(z.string().max(32)).max(32),
    /** One-time enrollment token, only on the first join. */
    token: z.string().max(128).optional(),
    /** Highest experience sequence number already received (for catch-up). */
    cursor: z.number().int().nonnegative(),
  }),
  f('welcome', { membership: SignedMembership, heartbeatMs: z.number().int().positive(), transport: z.string().max(16) }),
  f('refused', { code: RefusalCode, message: z.string().max(500) }),
  f('ping', { id: z.number().int(), sentAt: z.number(), lastRttMs: z.number().nonnegative().optional(), cursor: z.number().int().nonnegative().optional() }),
  f('pong', { id: z.number().int(), sentAt: z.number() }),
  f('task', {
    taskId: z.string().max(64),
    shard: z.number().int().nonnegative(),
    kind: z.literal('search'),
    /** Float64 little-endian, base64. `offset` is the global index of series[0]. */
    series: Base64,
    offset: z.number().int().nonnegative(),
    query: Base64,
    window: z.number().int().nonnegative(),
    k: z.number().int().min(1).max(1000),
    exclusionZone: z.number().int().nonnegative(),
    znormalize: z.boolean(),
  }),
  f('taskResult', {
    taskId: z.string().max(64),
    shard: z.number().int().nonnegative(),
    matches: z.array(z.object({ index: z.number().int().nonnegative(), distance: z.number() }).strict()).max(1000),
    elapsedMs: z.number().nonnegative(),
  }),
  f('taskError', { taskId: z.string().max(64), shard: z.number().int().nonnegative(), message: z.string().max(500) }),
  /** Agent → coordinator: a record from the agent's outbox (acked by id). */
  f('share', { record: SharedRecord }),
  f('ack', { ids: z.array(z.string().max(128)).max(1024) }),
  /** Coordinator → agent: one stored record (catch-up after a reconnect; live delivery uses gossipsub). */
  f('shared', { seq: z.number().int().positive(), origin: PeerIdString, record: SharedRecord }),
  f('renew', {}),
  f('rotate', { statement: SignedRotation }),
  f('leave', { reason: z.string().max(200) }),
  f('error', { code: z.string().max(32), message: z.string().max(500) }),
]);
export type Frame = z.infer<typeof Frame>;
export type FrameType = Frame['t'];
export type FrameOf<T extends FrameType> = Extract<Frame, { t: T }>;
/** Frame without the version field, as senders write it. */
export type OutFrame = { [T in FrameType]: Omit<FrameOf<T>, 'v'> }[FrameType];

export function encodeFloat64(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}
export function decodeFloat64(s: string): Float64Array {
  const buf = Buffer.from(s, 'base64');
  if (buf.byteLength % 8 !== 0) throw new WarpdeskError('InvalidInput', 'A series in a task frame is not a whole number of float64 values.');
  const out = new Float64Array(buf.byteLength / 8);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

export interface ChannelOptions {
  maxFrameBytes?: number;
  /** A frame (including the wait for its first byte) must arrive within this time. */
  readTimeoutMs: number;
  /** Pending writes beyond this are refused (backpressure to the producer). */
  maxPendingWrites?: number;
}

/** Protocol error raised by the channel; `code` goes into the `error` frame and the metric label. */
export class FrameError extends WarpdeskError {
  constructor(
    readonly frameCode: 'FrameTooLarge' | 'BadFrame' | 'Timeout' | 'Closed' | 'VersionMismatch' | 'Backpressure',
    message: string,
  ) {
    super(frameCode === 'FrameTooLarge' ? 'FrameTooLarge' : frameCode === 'Backpressure' ? 'Unavailable' : 'InvalidInput', message, { frameCode });
  }
}

/** A framed, validated, bounded view of one stream. */
export class FrameChannel {
  private pending = 0;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly stream: Stream,
    private readonly lp: ReturnType<Awaited<ReturnType<typeof loadStack>>['utils']['lpStream']>,
    private readonly opts: Required<ChannelOptions>,
  ) {}

  static async open(stream: Stream, opts: ChannelOptions): Promise<FrameChannel> {
    const { utils } = await loadStack();
    const full = { maxFrameBytes: MAX_FRAME_BYTES, maxPendingWrites: 256, ...opts };
    // maxLengthLength 4 bytes of varint = up to 256 MiB; an over-long varint is refused by the decoder,
    // and a stalled one hits the read timeout (TOOLCHAIN swarm gotcha 8).
    const lp = utils.lpStream(stream, { maxDataLength: full.maxFrameBytes, maxLengthLength: 4 });
    return new FrameChannel(stream, lp, full);
  }

  get isClosed(): boolean {
    return this.closed || this.stream.status !== 'open';
  }

  /** Reads and validates one frame; throws FrameError on timeout, size, schema or version problems. */
  async read(): Promise<Frame> {
    let buf;
    try {
      buf = await this.lp.read({ signal: AbortSignal.timeout(this.opts.readTimeoutMs) });
    } catch (err) {
      const e = err as Error & { code?: string; name?: string };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new FrameError('Timeout', `No complete frame within ${this.opts.readTimeoutMs} ms.`);
      if (e.name === 'InvalidDataLengthError' || e.name === 'InvalidDataLengthLengthError' || e.name === 'InvalidMessageLengthError') {
        throw new FrameError('FrameTooLarge', `A frame is larger than ${this.opts.maxFrameBytes} bytes or has a bad length prefix.`);
      }
      throw new FrameError('Closed', `The stream ended: ${e.message}`);
    }
    const bytes = buf.subarray();
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      swarmMetrics.framesTotal.inc({ type: 'invalid', direction: 'in' });
      throw new FrameError('BadFrame', 'A frame is not valid UTF-8 JSON.');
    }
    if (json && typeof json === 'object' && 'v' in json && (json as { v: unknown }).v !== PROTOCOL_VERSION) {
      throw new FrameError('VersionMismatch', `Protocol version ${String((json as { v: unknown }).v)} is not supported (this node speaks ${PROTOCOL_VERSION}).`);
    }
    const parsed = Frame.safeParse(json);
    if (!parsed.success) {
      swarmMetrics.framesTotal.inc({ type: 'invalid', direction: 'in' });
      const issue = parsed.error.issues[0];
      throw new FrameError('BadFrame', `A frame does not match the protocol${issue ? ` (${issue.path.join('.')}: ${issue.message})` : ''}.`);
    }
    swarmMetrics.framesTotal.inc({ type: parsed.data.t, direction: 'in' });
    swarmMetrics.frameBytesTotal.inc({ type: parsed.data.t, direction: 'in' }, bytes.byteLength);
    return parsed.data;
  }

  /** Writes one frame after the previous writes; resolves when the stream accepted it (drained). */
  send(frame: OutFrame): Promise<void> {
    if (this.isClosed) return Promise.reject(new FrameError('Closed', 'The stream is closed.'));
    if (this.pending >= this.opts.maxPendingWrites) return Promise.reject(new FrameError('Backpressure', 'Too many frames are waiting to be written.'));
    const bytes = new TextEncoder().encode(JSON.stringify({ v: PROTOCOL_VERSION, ...frame }));
    if (bytes.byteLength > this.opts.maxFrameBytes) return Promise.reject(new FrameError('FrameTooLarge', `A ${frame.t} frame of ${bytes.byteLength} bytes exceeds the limit.`));
    this.pending++;
    const p = this.chain.then(async () => {
      try {
        await this.lp.write(bytes, { signal: AbortSignal.timeout(Math.max(this.opts.readTimeoutMs, 10_000)) });
        swarmMetrics.framesTotal.inc({ type: frame.t, direction: 'out' });
        swarmMetrics.frameBytesTotal.inc({ type: frame.t, direction: 'out' }, bytes.byteLength);
      } finally {
        this.pending--;
      }
    });
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Sends an `error` or `refused` frame (best effort, short wait) and closes the stream. */
  async fail(frame: Extract<OutFrame, { t: 'error' | 'refused' }>): Promise<void> {
    try {
      await Promise.race([this.send(frame), new Promise((r) => setTimeout(r, 1000))]);
    } catch {
      /* the peer may be gone already */
    }
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.stream.close({ signal: AbortSignal.timeout(1000) });
    } catch {
      this.stream.abort(new Error('closed'));
    }
  }

  abort(reason: string): void {
    this.closed = true;
    try {
      this.stream.abort(new Error(reason));
    } catch {
      /* already gone */
    }
  }
}

/** Which transport a connection runs over, from its remote multiaddr (TOOLCHAIN swarm gotcha 3). */
export function transportOf(remoteAddr: { toString(): string }): 'quic' | 'ws' | 'other' {
  const s = remoteAddr.toString();
  if (s.includes('/quic-v1')) return 'quic';
  if (s.includes('/ws') || s.includes('/wss')) return 'ws';
  return 'other';
}
