/**
 * The swarm's command protocol: one long-lived libp2p stream per agent (`/warpdesk/swarm/1.0.0`) carrying
 * length-prefixed (unsigned varint), versioned JSON frames validated with zod, with a maximum frame size, a
 * read timeout (a stalled or partial frame ends the stream) and awaited writes (backpressure: a writer waits
 * for the stream to drain; the pending-write queue is bounded).
 * Must never trust an identity inside a frame: the sender is the PeerId of the stream's connection.
 */
import { z } from 'zod';
import type { Stream } from '@libp2p/interface';
import { SweepJobSchema, SweepResultSchema } from '../../shared/contract/backtest';
import { WarpdeskError } from '../../shared/errors';
import { onFrameCountCollect, swarmMetrics } from '../metrics';
import { PeerIdString, SignedMembership, SignedRotation } from './membership';

export const PROTOCOL = '/warpdesk/swarm/1.0.0';
/** 2: shared records carry their origin's signature (`sig`, record-signature.ts). */
export const PROTOCOL_VERSION = 2;
export const EXPERIENCE_TOPIC = 'warpdesk/swarm/v1/experience';
export const CONTROL_TOPIC = 'warpdesk/swarm/v1/control';
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;
/** Most candidates a search shard may answer with (about 50 bytes each in JSON, well under MAX_FRAME_BYTES). */
export const MAX_SHARD_MATCHES = 100_000;

/**
 * What travels between agents: an experience, a verdict, an outcome update or a threshold change. `sig` is
 * the origin's Ed25519 signature of the other fields (record-signature.ts): added by the sender when the
 * record leaves it, required by every receiver (a record without a valid one is refused, not dropped silently).
 */
export const SharedRecord = z
  .object({
    id: z.string().min(1).max(128),
    kind: z.enum(['experience', 'verdict', 'outcome', 'threshold']),
    createdAt: z.number(),
    payload: z.record(z.string(), z.unknown()),
    sig: z
      .string()
      .max(200)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/)
      .optional(),
  })
  .strict();
export type SharedRecord = z.infer<typeof SharedRecord>;

const Base64 = z
  .string()
  .max(MAX_FRAME_BYTES)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/);

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
  f('welcome', {
    membership: SignedMembership,
    heartbeatMs: z.number().int().positive(),
    transport: z.string().max(16),
    /** The coordinator's key rotations, oldest first: lets an agent that knew an older PeerId follow it. */
    rotations: z.array(SignedRotation).max(64).optional(),
  }),
  /** Coordinator → agent: the coordinator rotated its key (statement signed by the old key). */
  f('coordinatorRotated', { statement: SignedRotation }),
  f('refused', { code: RefusalCode, message: z.string().max(500) }),
  f('ping', { id: z.number().int(), sentAt: z.number(), lastRttMs: z.number().nonnegative().optional(), cursor: z.number().int().nonnegative().optional() }),
  f('pong', { id: z.number().int(), sentAt: z.number() }),
  f('task', {
    taskId: z.string().max(64),
    shard: z.number().int().nonnegative(),
    kind: z.literal('search'),
    /**
     * Float64 little-endian, base64. `offset` is the global index of series[0] (a multiple of the engine's
     * ZNORM_BLOCK); the shard owns the candidate starts from `first` (default `offset`) to the end.
     */
    series: Base64,
    offset: z.number().int().nonnegative(),
    first: z.number().int().nonnegative().optional(),
    query: Base64,
    window: z.number().int().nonnegative(),
    k: z.number().int().min(1).max(1000),
    exclusionZone: z.number().int().nonnegative(),
    znormalize: z.boolean(),
  }),
  f('taskResult', {
    taskId: z.string().max(64),
    shard: z.number().int().nonnegative(),
    /** The shard's pruning set (see sharding.ts), at most k(4E + 1) candidates. */
    matches: z.array(z.object({ index: z.number().int().nonnegative(), distance: z.number() }).strict()).max(MAX_SHARD_MATCHES),
    elapsedMs: z.number().nonnegative(),
  }),
  /** A batch of backtest sweep jobs (jobs sharing one search pass), run by the agent with its injected sweep executor. */
  f('sweepTask', { taskId: z.string().max(64), shard: z.number().int().nonnegative(), jobs: z.array(SweepJobSchema).min(1).max(1000) }),
  f('sweepResult', { taskId: z.string().max(64), shard: z.number().int().nonnegative(), results: z.array(SweepResultSchema).max(1000), elapsedMs: z.number().nonnegative() }),
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
  /** Unsent bytes the stream may hold before a writer waits for its drain. */
  writeHighWaterBytes?: number;
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

/** Bytes of the unsigned LEB128 varint of a frame length. */
function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** Writes the unsigned LEB128 varint of a frame length at the start of `out`. */
function writeVarint(out: Uint8Array, n: number): void {
  let i = 0;
  while (n >= 0x80) {
    out[i++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[i] = n;
}

const MAX_LENGTH_BYTES = 4;

/** Metric children per (type, direction), so the hot path skips prom-client's label hashing and builds no key. */
type FrameCounters = { frames: { inc(v?: number): void }; bytes: { inc(v?: number): void } };
const counters = { in: new Map<string, FrameCounters>(), out: new Map<string, FrameCounters>() };
function countersFor(type: string, direction: 'in' | 'out'): FrameCounters {
  const byType = counters[direction];
  let c = byType.get(type);
  if (!c) {
    c = { frames: swarmMetrics.framesTotal.labels(type, direction), bytes: swarmMetrics.frameBytesTotal.labels(type, direction) };
    byType.set(type, c);
  }
  return c;
}
function count(type: string, direction: 'in' | 'out', bytes: number): void {
  const c = countersFor(type, direction);
  c.frames.inc();
  c.bytes.inc(bytes);
}

/**
 * The ping/pong frames (one each way per heartbeat per agent) are counted in plain numbers: prom-client's
 * `inc` allocates on every call (label hashing), which was a tenth of a round trip's garbage. They are added
 * to the prom-client counters whenever those are collected (`onFrameCountCollect`), so every scrape is exact.
 */
const hotCounts = { pingIn: 0, pingInBytes: 0, pongIn: 0, pongInBytes: 0, pingOut: 0, pingOutBytes: 0, pongOut: 0, pongOutBytes: 0 };
export function flushHotCounts(): void {
  const h = hotCounts;
  const add = (type: string, dir: 'in' | 'out', n: number, bytes: number): void => {
    if (n === 0) return;
    const c = countersFor(type, dir);
    c.frames.inc(n);
    c.bytes.inc(bytes);
  };
  add('ping', 'in', h.pingIn, h.pingInBytes);
  add('pong', 'in', h.pongIn, h.pongInBytes);
  add('ping', 'out', h.pingOut, h.pingOutBytes);
  add('pong', 'out', h.pongOut, h.pongOutBytes);
  h.pingIn = h.pingInBytes = h.pongIn = h.pongInBytes = h.pingOut = h.pingOutBytes = h.pongOut = h.pongOutBytes = 0;
}
onFrameCountCollect(flushHotCounts);

/**
 * The bytes of a ping or pong frame without building an object for `JSON.stringify`: the same JSON text
 * (`{"v":2,"t":…,"id":…,"sentAt":…[,"lastRttMs":…][,"cursor":…]}`; a finite number's JSON text is its
 * `String`), or null when a field is not a finite number, in which case the caller uses `JSON.stringify`
 * (which writes `null` there and the receiver refuses the frame, as before). frames.test.ts checks it against
 * `JSON.stringify` on arbitrary frames.
 */
export function hotFrameJson(frame: OutFrame): string | null {
  if (frame.t !== 'ping' && frame.t !== 'pong') return null;
  const { id, sentAt } = frame;
  if (!Number.isFinite(id) || !Number.isFinite(sentAt)) return null;
  let json = `{"v":${PROTOCOL_VERSION},"t":"${frame.t}","id":${id},"sentAt":${sentAt}`;
  if (frame.t === 'ping') {
    const { lastRttMs, cursor } = frame;
    if (lastRttMs !== undefined) {
      if (!Number.isFinite(lastRttMs)) return null;
      json += `,"lastRttMs":${lastRttMs}`;
    }
    if (cursor !== undefined) {
      if (!Number.isFinite(cursor)) return null;
      json += `,"cursor":${cursor}`;
    }
  }
  return json + '}';
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
/** zod 4's `.int()`: a safe integer. */
const isInt = (x: unknown): x is number => Number.isSafeInteger(x);

/**
 * Fast path for the hot frames (`ping`, `pong`, one per heartbeat per agent): checks exactly what `Frame`
 * checks for them (own keys exactly the schema's, `v`, every field's type, integer and sign constraints)
 * without zod's general machinery. It only ever accepts; anything it does not accept (any other frame type,
 * an unknown or missing key, a bad field) goes to `Frame.safeParse`, which decides and words the error.
 * frames.test.ts / protocol.test.ts exercise both paths.
 */
export function hotFrame(json: unknown): FrameOf<'ping'> | FrameOf<'pong'> | null {
  if (typeof json !== 'object' || json === null) return null;
  const o = json as Record<string, unknown>;
  const t = o['t'];
  if (t !== 'ping' && t !== 'pong') return null;
  if (o['v'] !== PROTOCOL_VERSION || !isInt(o['id']) || !isNum(o['sentAt'])) return null;
  let n = 4;
  if (t === 'ping') {
    if (Object.hasOwn(o, 'lastRttMs')) {
      const r = o['lastRttMs'];
      if (!isNum(r) || r < 0) return null;
      n++;
    }
    if (Object.hasOwn(o, 'cursor')) {
      const c = o['cursor'];
      if (!isInt(c) || c < 0) return null;
      n++;
    }
  }
  const keys = Object.keys(o);
  if (keys.length !== n) return null;
  for (const k of keys) {
    if (k !== 'v' && k !== 't' && k !== 'id' && k !== 'sentAt' && (t === 'pong' || (k !== 'lastRttMs' && k !== 'cursor'))) return null;
  }
  return o as FrameOf<'ping'> | FrameOf<'pong'>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `{"v":2,"t":"p`: how every ping and pong this node writes begins (hotFrameJson). */
const HOT_PREFIX = Buffer.from(`{"v":${PROTOCOL_VERSION},"t":"p`, 'latin1');
/** A ping or pong is well under this; longer frames never take the synchronous path. */
const HOT_MAX_BYTES = 256;

/**
 * Handles a ping or pong synchronously, inside the stream's `message` event; returns false to leave the
 * frame to the reader instead (e.g. the answer would have to wait for the stream to drain).
 */
export type HotHandler = (frame: FrameOf<'ping'> | FrameOf<'pong'>) => boolean;

/**
 * A framed, validated, bounded view of one stream. Bytes are decoded as they arrive (the stream's
 * `message` events, attached synchronously at construction so nothing is missed); complete frames wait in a
 * small queue and the stream is paused while the queue is full (inbound backpressure). Writes go straight to
 * `stream.send` and wait for `drain` when the stream asks (outbound backpressure; the number of writers
 * waiting is bounded).
 */
export class FrameChannel {
  private closed = false;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly frames: Uint8Array[] = [];
  private failure: FrameError | null = null;
  private waiter: (() => void) | null = null;
  /** performance.now() by which the waiting read must get a frame (0: no read waiting). */
  private readDeadline = 0;
  private readTimer: ReturnType<typeof setTimeout> | null = null;
  private waitingWriters = 0;
  private paused = false;
  private hot: HotHandler | null = null;
  private readonly opts: Required<ChannelOptions>;

  constructor(
    readonly stream: Stream,
    opts: ChannelOptions,
  ) {
    this.opts = { maxFrameBytes: MAX_FRAME_BYTES, maxPendingWrites: 256, writeHighWaterBytes: 64 * 1024, ...opts };
    stream.addEventListener('message', (evt) => this.onData(evt.data instanceof Uint8Array ? evt.data : evt.data.subarray()));
    const ended = (): void => this.setFailure(new FrameError('Closed', 'The stream ended.'));
    stream.addEventListener('close', ended);
    stream.addEventListener('remoteCloseWrite', ended);
  }

  /** Kept for call sites that open asynchronously. */
  static async open(stream: Stream, opts: ChannelOptions): Promise<FrameChannel> {
    return new FrameChannel(stream, opts);
  }

  /**
   * The synchronous path for ping/pong (the round trip's tail, swarm README): a ping or pong that arrives
   * while the reader is waiting and no other frame is queued is validated (`hotFrame`, the schema's own
   * rules) and handed to `handler` inside the stream's `message` event, instead of waking the reader. Order is
   * unchanged (nothing was queued ahead of it and the reader was idle), and the answer goes out before the
   * transport starts its next read, which on QUIC is a native call of 0.1-0.2 ms on this machine. Anything
   * else, malformed ones included, goes through `read()` as before. It counts as a frame for the read timeout.
   */
  setHotHandler(handler: HotHandler | null): void {
    this.hot = handler;
  }

  /** Changes the read timeout for the next reads (the coordinator gives a hello less time than later frames). */
  setReadTimeout(ms: number): void {
    this.opts.readTimeoutMs = ms;
  }

  get isClosed(): boolean {
    return this.closed || this.stream.status !== 'open';
  }

  private setFailure(f: FrameError): void {
    this.failure ??= f;
    if (this.readTimer !== null) {
      clearTimeout(this.readTimer);
      this.readTimer = null;
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private onData(data: Uint8Array): void {
    if (this.failure) return;
    this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.buffered += data.byteLength;
    for (;;) {
      if (this.buffered === 0) break;
      const head = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      this.chunks = [head];
      // Length prefix: at most 4 varint bytes (an over-long varint is refused, not waited for: gotcha 8).
      let len = 0;
      let shift = 0;
      let used = 0;
      let complete = false;
      while (used < head.length && used < MAX_LENGTH_BYTES) {
        const b = head[used++]!;
        len += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (used >= MAX_LENGTH_BYTES) this.setFailure(new FrameError('FrameTooLarge', 'A frame has an over-long length prefix.'));
        break;
      }
      if (len > this.opts.maxFrameBytes) {
        this.setFailure(new FrameError('FrameTooLarge', `A frame of ${len} bytes is larger than the limit of ${this.opts.maxFrameBytes} bytes.`));
        break;
      }
      if (head.length < used + len) break;
      const body = head.subarray(used, used + len);
      if (!(this.hot !== null && this.waiter !== null && this.frames.length === 0 && this.tryHot(body))) this.frames.push(body);
      const rest = head.subarray(used + len);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    if (this.frames.length >= 64 && !this.paused) {
      this.paused = true;
      this.stream.pause();
    }
    if (this.frames.length > 0 || this.failure) this.wake();
  }

  /** The synchronous path (setHotHandler); true when the frame was a valid ping/pong and the handler took it. */
  private tryHot(body: Buffer): boolean {
    if (body.length > HOT_MAX_BYTES || body.length < HOT_PREFIX.length || body.compare(HOT_PREFIX, 0, HOT_PREFIX.length, 0, HOT_PREFIX.length) !== 0) return false;
    let json: unknown;
    try {
      json = JSON.parse(body.toString('latin1'));
    } catch {
      return false;
    }
    const frame = hotFrame(json);
    if (frame === null || !this.hot!(frame)) return false;
    if (frame.t === 'ping') {
      hotCounts.pingIn++;
      hotCounts.pingInBytes += body.length;
    } else {
      hotCounts.pongIn++;
      hotCounts.pongInBytes += body.length;
    }
    // A frame arrived: the waiting read's deadline starts again.
    this.readDeadline = performance.now() + this.opts.readTimeoutMs;
    return true;
  }

  /** Reads and validates one frame; throws FrameError on timeout, size, schema or version problems. */
  async read(): Promise<Frame> {
    if (this.frames.length === 0 && !this.failure) {
      await new Promise<void>((resolve) => {
        this.armReadTimer();
        this.waiter = resolve;
      });
      this.readDeadline = 0;
    }
    const bytes = this.frames.shift();
    if (!bytes) throw this.failure ?? new FrameError('Closed', 'The stream ended.');
    if (this.paused && this.frames.length < 16) {
      this.paused = false;
      this.stream.resume();
    }
    return this.decode(bytes);
  }

  /**
   * The read timeout: one deadline per waiting read, enforced by at most one timer per channel. The timer is
   * not created and cleared per frame; when it fires it fails the channel if a read is still waiting past its
   * deadline, re-arms itself for a later deadline, or lapses when nobody is waiting.
   */
  private armReadTimer(): void {
    this.readDeadline = performance.now() + this.opts.readTimeoutMs;
    if (this.readTimer === null) this.readTimer = setTimeout(this.onReadTimer, this.opts.readTimeoutMs);
  }

  private readonly onReadTimer = (): void => {
    this.readTimer = null;
    if (this.readDeadline === 0 || this.waiter === null || this.failure) return;
    const remaining = this.readDeadline - performance.now();
    if (remaining > 0) {
      this.readTimer = setTimeout(this.onReadTimer, Math.ceil(remaining));
      return;
    }
    this.setFailure(new FrameError('Timeout', `No complete frame within ${this.opts.readTimeoutMs} ms.`));
  };

  private decode(bytes: Uint8Array): Frame {
    let json: unknown;
    try {
      json = JSON.parse(utf8.decode(bytes));
    } catch {
      swarmMetrics.framesTotal.inc({ type: 'invalid', direction: 'in' });
      throw new FrameError('BadFrame', 'A frame is not valid UTF-8 JSON.');
    }
    if (json && typeof json === 'object' && 'v' in json && (json as { v: unknown }).v !== PROTOCOL_VERSION) {
      throw new FrameError('VersionMismatch', `Protocol version ${String((json as { v: unknown }).v)} is not supported (this node speaks ${PROTOCOL_VERSION}).`);
    }
    const hot = hotFrame(json);
    if (hot) {
      if (hot.t === 'ping') {
        hotCounts.pingIn++;
        hotCounts.pingInBytes += bytes.byteLength;
      } else {
        hotCounts.pongIn++;
        hotCounts.pongInBytes += bytes.byteLength;
      }
      return hot;
    }
    const parsed = Frame.safeParse(json);
    if (!parsed.success) {
      swarmMetrics.framesTotal.inc({ type: 'invalid', direction: 'in' });
      const issue = parsed.error.issues[0];
      throw new FrameError('BadFrame', `A frame does not match the protocol${issue ? ` (${issue.path.join('.')}: ${issue.message})` : ''}.`);
    }
    count(parsed.data.t, 'in', bytes.byteLength);
    return parsed.data;
  }

  /**
   * Writes one frame. Backpressure: while the transport asks for a drain and the stream already holds at
   * least `writeHighWaterBytes` unsent bytes, a writer waits for the drain before adding its frame (and the
   * number of waiting writers is bounded). A transport that asks for a drain after every write (QUIC does,
   * until its native write completes) therefore does not hold back a small frame behind the previous one:
   * the stream queues it and sends it on the drain, as it would any write.
   */
  async send(frame: OutFrame): Promise<void> {
    if (this.isClosed) throw new FrameError('Closed', 'The stream is closed.');
    const hotJson = hotFrameJson(frame);
    let out: Buffer;
    if (hotJson !== null) {
      // ASCII only (digits, signs, exponents, fixed keys): one byte per character.
      const bodyLen = hotJson.length;
      const prefixLen = varintLength(bodyLen);
      out = Buffer.allocUnsafe(prefixLen + bodyLen);
      writeVarint(out, bodyLen);
      out.write(hotJson, prefixLen, bodyLen, 'latin1');
    } else {
      const json = JSON.stringify({ v: PROTOCOL_VERSION, ...frame });
      const bodyLen = Buffer.byteLength(json, 'utf8');
      if (bodyLen > this.opts.maxFrameBytes) throw new FrameError('FrameTooLarge', `A ${frame.t} frame of ${bodyLen} bytes exceeds the limit.`);
      // Length prefix + UTF-8 body in one allocation (no intermediate body copy).
      const prefixLen = varintLength(bodyLen);
      out = Buffer.allocUnsafe(prefixLen + bodyLen);
      writeVarint(out, bodyLen);
      out.write(json, prefixLen, bodyLen, 'utf8');
    }
    if (this.stream.writableNeedsDrain && (this.stream.writeBufferLength ?? 0) >= this.opts.writeHighWaterBytes) {
      if (this.waitingWriters >= this.opts.maxPendingWrites) throw new FrameError('Backpressure', 'Too many frames are waiting to be written.');
      this.waitingWriters++;
      try {
        await this.stream.onDrain({ signal: AbortSignal.timeout(Math.max(this.opts.readTimeoutMs, 10_000)) });
      } catch (err) {
        throw new FrameError('Closed', `The stream did not drain: ${(err as Error).message}`);
      } finally {
        this.waitingWriters--;
      }
      if (this.isClosed) throw new FrameError('Closed', 'The stream is closed.');
    }
    try {
      this.stream.send(out);
    } catch (err) {
      throw new FrameError('Closed', `The stream refused a write: ${(err as Error).message}`);
    }
    if (frame.t === 'ping') {
      hotCounts.pingOut++;
      hotCounts.pingOutBytes += out.byteLength;
    } else if (frame.t === 'pong') {
      hotCounts.pongOut++;
      hotCounts.pongOutBytes += out.byteLength;
    } else count(frame.t, 'out', out.byteLength);
  }

  /**
   * Writes a ping or pong now, synchronously, if that needs no wait (the stream is open and not holding
   * back for a drain past the high-water mark); false otherwise (then send it with `send`).
   */
  trySendHot(frame: FrameOf<'ping'> | FrameOf<'pong'> | Omit<FrameOf<'ping'>, 'v'> | Omit<FrameOf<'pong'>, 'v'>): boolean {
    if (this.isClosed || (this.stream.writableNeedsDrain && (this.stream.writeBufferLength ?? 0) >= this.opts.writeHighWaterBytes)) return false;
    const json = hotFrameJson(frame as OutFrame);
    if (json === null) return false;
    const prefixLen = varintLength(json.length);
    const out = Buffer.allocUnsafe(prefixLen + json.length);
    writeVarint(out, json.length);
    out.write(json, prefixLen, json.length, 'latin1');
    try {
      this.stream.send(out);
    } catch {
      return false;
    }
    if (frame.t === 'ping') {
      hotCounts.pingOut++;
      hotCounts.pingOutBytes += out.byteLength;
    } else {
      hotCounts.pongOut++;
      hotCounts.pongOutBytes += out.byteLength;
    }
    return true;
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
    this.setFailure(new FrameError('Closed', 'The stream was closed.'));
    try {
      await this.stream.close({ signal: AbortSignal.timeout(1000) });
    } catch {
      this.stream.abort(new Error('closed'));
    }
  }

  abort(reason: string): void {
    this.closed = true;
    this.setFailure(new FrameError('Closed', reason));
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
