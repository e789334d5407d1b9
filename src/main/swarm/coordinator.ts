/**
 * The swarm coordinator: the authority of a swarm. It listens on QUIC and WebSockets, gates every
 * connection against its allowlist (coordinator.db), enrolls agents that present a one-time token, issues
 * signed membership records, serves one command stream per agent (hello, heartbeat, tasks, shared records,
 * renewal, rotation, leave), shards pattern searches over the agents it has (reassigning a lost agent's
 * shard), stores every shared record once (after checking that the sending agent signed it) and broadcasts
 * it on gossipsub, and applies revocations made by another process (`warpdesk swarm revoke`) within a poll
 * interval.
 * Must never attribute a frame to anything but its connection's PeerId, never store or relay a record its
 * origin did not sign, never queue without bound, and
 * never keep state that a SIGKILL would lose except tasks in flight (their caller dies with the process).
 */
import { EventEmitter } from 'node:events';
import crypto from 'node:crypto';
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import type { SweepJob, SweepResult } from '../../shared/contract/backtest';
import { WarpdeskError } from '../../shared/errors';
import { logger, swarmMetrics, type Logger } from '../metrics';
import { fileSecretBox, loadOrCreateIdentity, replaceIdentity, type NodeIdentity, type SecretBox } from './identity';
import { checkRotation, issueMembership, signRotation, type SignedRotation } from './membership';
import { loadStack } from './stack';
import { createSwarmNode, type SwarmLibp2p } from './node';
import {
  CONTROL_TOPIC,
  EXPERIENCE_TOPIC,
  FrameChannel,
  FrameError,
  PROTOCOL,
  PROTOCOL_VERSION,
  encodeFloat64,
  transportOf,
  type Frame,
  type FrameOf,
  type OutFrame,
  type RefusalCode,
  type SharedRecord,
} from './protocol';
import { signRecord, verifyRecord } from './record-signature';
import { mergeTopK, planShards, shardSlice, type Match, type ShardPlan } from './sharding';
import { CoordinatorStore, coordinatorDbPath } from './store';

export interface CoordinatorOptions {
  dataDir: string;
  listenHost?: string;
  quicPort: number;
  wsPort: number;
  box?: SecretBox;
  heartbeatMs?: number;
  readTimeoutMs?: number;
  membershipTtlMs?: number;
  tokenTtlMs?: number;
  changePollMs?: number;
  /** A new stream must send its hello within this time (default 3 s; issue 12, attack 8). */
  helloTimeoutMs?: number;
  /** A live agent whose membership has expired is disconnected this long after `not_after` unless renewed (default 60 s). */
  expiryGraceMs?: number;
  logger?: Logger;
}

/** Pre-hello streams of peers not yet enrolled: at most this many per remote address and in all (oldest evicted). */
export const PRE_HELLO_PER_ADDRESS = 8;
export const PRE_HELLO_TOTAL = 256;

function addressOf(remoteAddr: { toString(): string }): string {
  const m = /\/(?:ip4|ip6|dns4|dns6|dns)\/([^/]+)/.exec(remoteAddr.toString());
  return m?.[1] ?? remoteAddr.toString();
}

export interface AgentInfo {
  peerId: string;
  agentType: string;
  transport: 'quic' | 'ws' | 'other';
  rttMs: number | null;
  lastSeen: number;
  connectedAt: number;
  busy: string | null;
}

interface Session {
  peerId: string;
  channel: FrameChannel;
  connection: Connection;
  transport: 'quic' | 'ws' | 'other';
  agentType: string;
  rttMs: number | null;
  lastSeen: number;
  connectedAt: number;
  busy: { task: TaskState; shard: number } | null;
  ended: boolean;
  catchingUp: boolean;
  /** The membership's not_after as last read (refreshed on allow changes and before disconnecting). */
  notAfter: number;
  /** The rtt histogram's child for this transport (no label hashing per heartbeat). */
  rttHist: { observe(v: number): void };
  /** The heartbeat-delay histogram's child for this transport, and performance.now() of the last heartbeat. */
  delayHist: { observe(v: number): void };
  lastPingAt?: number;
}

export interface SearchTaskOptions {
  window: number;
  k: number;
  exclusionZone?: number;
  znormalize?: boolean;
  /** Number of shards (default: agents connected, at least 1). */
  shards?: number;
  /** Give up after this long (default 120 s). */
  timeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SearchTaskResult {
  taskId: string;
  matches: Match[];
  shards: number;
  reassigned: number;
  /** Which agent answered each shard. */
  answeredBy: string[];
  /** The shards' candidate ranges, in shard order. */
  plans: ShardPlan[];
}

export interface SweepTaskOptions {
  /** Give up after this long (default 30 min). */
  timeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SweepTaskResult {
  taskId: string;
  /** In the order of the jobs given. */
  results: SweepResult[];
  shards: number;
  reassigned: number;
  answeredBy: string[];
}

/** A sharded task of any kind: how to build a shard's frame, take its answer, and merge. */
interface TaskState {
  taskId: string;
  kind: 'search' | 'sweep';
  shardCount: number;
  pending: number[];
  answered: Set<number>;
  answeredBy: string[];
  reassigned: number;
  done: boolean;
  frameFor(shard: number): OutFrame;
  /** Stores a shard's answer; false when the answer is not acceptable. */
  accept(shard: number, frame: Frame): boolean;
  merge(): unknown;
  resolve: (r: unknown) => void;
  reject: (e: unknown) => void;
  onProgress?: (done: number, total: number) => void;
}

const DAY = 24 * 3600 * 1000;

export class Coordinator extends EventEmitter {
  peerId: string;
  private readonly sessions = new Map<string, Session>();
  private readonly tasks: TaskState[] = [];
  /** Streams of unenrolled peers still waiting for their hello, oldest first. */
  private readonly preHello = new Map<Stream, { peer: string; addr: string }>();
  private lastRev = 0;
  private lastSeq = 0;
  private readonly storedAtBySeq = new Map<number, number>();
  private poller: NodeJS.Timeout | undefined;
  private stopped = false;
  readonly heartbeatMs: number;
  readonly readTimeoutMs: number;
  readonly membershipTtlMs: number;
  readonly helloTimeoutMs: number;
  readonly expiryGraceMs: number;

  private constructor(
    private libp2pNode: SwarmLibp2p,
    private identityValue: NodeIdentity,
    readonly store: CoordinatorStore,
    private readonly opts: CoordinatorOptions,
    private readonly log: Logger,
  ) {
    super();
    this.peerId = identityValue.peerId.toString();
    this.heartbeatMs = opts.heartbeatMs ?? 2_000;
    this.readTimeoutMs = opts.readTimeoutMs ?? this.heartbeatMs * 3 + 2_000;
    this.membershipTtlMs = opts.membershipTtlMs ?? DAY;
    this.helloTimeoutMs = Math.min(opts.helloTimeoutMs ?? 3_000, this.readTimeoutMs);
    this.expiryGraceMs = opts.expiryGraceMs ?? 60_000;
  }

  get node(): SwarmLibp2p {
    return this.libp2pNode;
  }

  get identity(): NodeIdentity {
    return this.identityValue;
  }

  private static async makeNode(identity: NodeIdentity, opts: CoordinatorOptions, quicPort: number, wsPort: number, gate: (peer: string) => boolean): Promise<SwarmLibp2p> {
    const host = opts.listenHost ?? '127.0.0.1';
    const ipv = host.includes(':') ? 'ip6' : 'ip4';
    return createSwarmNode({
      privateKey: identity.privateKey,
      listen: [`/${ipv}/${host}/udp/${quicPort}/quic-v1`, `/${ipv}/${host}/tcp/${wsPort}/ws`],
      server: true,
      gater: {
        denyInboundEncryptedConnection: (peer: PeerId) => gate(peer.toString()),
        denyDialPeer: () => true,
      },
    }).catch((err: unknown) => {
      throw new WarpdeskError('Unavailable', `The coordinator could not listen on ${host} (QUIC ${quicPort}, WebSockets ${wsPort}): ${err instanceof Error ? err.message : String(err)}.`);
    });
  }

  static async start(opts: CoordinatorOptions): Promise<Coordinator> {
    const log = opts.logger ?? logger('swarm', 'coordinator');
    const identity = await loadOrCreateIdentity(opts.dataDir, 'coordinator', opts.box ?? fileSecretBox(opts.dataDir));
    const store = new CoordinatorStore(coordinatorDbPath(opts.dataDir));
    let self: Coordinator | undefined;
    const node = await Coordinator.makeNode(identity, opts, opts.quicPort, opts.wsPort, (peer) => self?.deny(peer) ?? true).catch((err: unknown) => {
      store.close();
      throw err;
    });
    self = new Coordinator(node, identity, store, opts, log);
    await self.init();
    return self;
  }

  private async init(): Promise<void> {
    this.lastRev = this.store.lastChange();
    this.lastSeq = this.store.maxSeq();
    await this.initNode();
    this.poller = setInterval(() => this.applyChanges(), this.opts.changePollMs ?? 200);
    this.poller.unref?.();
    this.log.info({ peerId: this.peerId, addrs: this.multiaddrs(), identityCreated: this.identity.created }, 'coordinator listening');
  }

  private async initNode(): Promise<void> {
    await this.node.handle(PROTOCOL, (stream, connection) => void this.onStream(stream, connection), { maxInboundStreams: 4, maxOutboundStreams: 1 });
    this.node.addEventListener('connection:close', (evt) => {
      const conn = evt.detail;
      const s = this.sessions.get(conn.remotePeer.toString());
      if (s && s.connection.id === conn.id) this.endSession(s, 'connection closed');
    });
  }

  /**
   * Rotates the coordinator identity of a workspace without a running coordinator (`warpdesk swarm
   * rotate-key`): the signed statement goes into coordinator.db and the new key replaces the old one; it takes
   * effect at the next start, and agents follow the chain in the welcome.
   */
  static async rotateStoredKey(dataDir: string, box: SecretBox = fileSecretBox(dataDir)): Promise<{ old: string; next: string }> {
    const { keys, peerId } = await loadStack();
    const current = await loadOrCreateIdentity(dataDir, 'coordinator', box);
    const next = await keys.generateKeyPair('Ed25519');
    const nextId = peerId.peerIdFromPrivateKey(next).toString();
    const statement = await signRotation(current.privateKey, current.peerId.toString(), nextId);
    const store = new CoordinatorStore(coordinatorDbPath(dataDir));
    try {
      store.addRotation(statement);
    } finally {
      store.close();
    }
    await replaceIdentity(dataDir, 'coordinator', next, box);
    return { old: current.peerId.toString(), next: nextId };
  }

  /**
   * Rotates the coordinator's key: a statement signed by the old key names the new PeerId; it is stored
   * (and sent in every welcome, so agents that were offline can follow), sent to every connected agent and
   * gossiped; then the node restarts with the new key on the same ports. Resolves with the new PeerId.
   */
  async rotateKey(): Promise<string> {
    const { keys, peerId } = await loadStack();
    const next = await keys.generateKeyPair('Ed25519');
    const nextId = peerId.peerIdFromPrivateKey(next).toString();
    const statement: SignedRotation = await signRotation(this.identity.privateKey, this.peerId, nextId);
    this.store.addRotation(statement);
    await replaceIdentity(this.opts.dataDir, 'coordinator', next, this.opts.box ?? fileSecretBox(this.opts.dataDir));
    const sessions = [...this.sessions.values()];
    await Promise.all(sessions.map((s) => s.channel.send({ t: 'coordinatorRotated', statement }).catch(() => undefined)));
    await this.node.services.pubsub.publish(CONTROL_TOPIC, new TextEncoder().encode(JSON.stringify({ v: PROTOCOL_VERSION, t: 'coordinator-rotated', statement }))).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const addrs = this.multiaddrs();
    const quicPort = Number(/\/udp\/(\d+)\//.exec(addrs.find((a) => a.includes('/quic-v1')) ?? '')?.[1] ?? this.opts.quicPort);
    const wsPort = Number(/\/tcp\/(\d+)\//.exec(addrs.find((a) => a.includes('/ws')) ?? '')?.[1] ?? this.opts.wsPort);
    for (const s of sessions) this.endSession(s, 'coordinator key rotated');
    await this.node.stop();
    this.identityValue = { privateKey: next, peerId: peerId.peerIdFromPrivateKey(next), created: true, file: this.identity.file };
    this.libp2pNode = await Coordinator.makeNode(this.identityValue, this.opts, quicPort, wsPort, (peer) => this.deny(peer));
    this.log.warn({ old: statement.body.old, next: nextId }, 'coordinator rotated its key');
    this.peerId = nextId;
    await this.initNode();
    this.emit('rotated', { old: statement.body.old, next: nextId });
    return nextId;
  }

  /** Listening multiaddrs with the coordinator's /p2p/ PeerId, QUIC first. */
  multiaddrs(): string[] {
    const addrs = this.node.getMultiaddrs().map((m) => m.toString());
    return addrs.sort((a, b) => Number(b.includes('/quic-v1')) - Number(a.includes('/quic-v1')));
  }

  createToken(ttlMs = this.opts.tokenTtlMs ?? DAY): string {
    return this.store.createToken(ttlMs);
  }

  agents(): AgentInfo[] {
    return [...this.sessions.values()].map((s) => ({
      peerId: s.peerId,
      agentType: s.agentType,
      transport: s.transport,
      rttMs: s.rttMs,
      lastSeen: s.lastSeen,
      connectedAt: s.connectedAt,
      busy: s.busy ? `${s.busy.task.taskId}#${s.busy.shard}` : null,
    }));
  }

  /** Search tasks in flight with their progress. */
  tasksInFlight(): Array<{ taskId: string; shards: number; done: number; reassigned: number }> {
    return this.tasks.map((t) => ({ taskId: t.taskId, shards: t.shardCount, done: t.answered.size, reassigned: t.reassigned }));
  }

  /** The gater: called after the encrypted handshake, before any stream. True = refuse. */
  private deny(peer: string): boolean {
    if (this.stopped) return true;
    const d = this.store.gate(peer);
    if (!d.allow) {
      this.refusedAtHandshake(peer, d.reason);
      return true;
    }
    return false;
  }

  private refusedAtHandshake(peer: string, reason: string): void {
    swarmMetrics.refusedConnectionsTotal.inc({ reason });
    this.log.warn({ peer, reason, stage: 'handshake' }, 'connection refused');
    this.emit('refused', { peerId: peer, reason });
  }

  private async onStream(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    const transport = transportOf(connection.remoteAddr);
    let channel: FrameChannel;
    try {
      channel = await FrameChannel.open(stream, { readTimeoutMs: this.readTimeoutMs });
    } catch (err) {
      stream.abort(err as Error);
      return;
    }
    const gate = this.store.gate(peer);
    if (gate.allow && !gate.enrolled) this.holdPreHello(stream, peer, addressOf(connection.remoteAddr));
    const doneEnrolling = (): void => {
      this.preHello.delete(stream);
    };
    let session: Session | undefined;
    try {
      channel.setReadTimeout(this.helloTimeoutMs);
      const hello = await channel.read();
      channel.setReadTimeout(this.readTimeoutMs);
      if (hello.t !== 'hello') throw new FrameError('BadFrame', `The first frame must be hello, not ${hello.t}.`);
      const refusal = this.admit(peer, hello);
      if (refusal) {
        swarmMetrics.refusedConnectionsTotal.inc({ reason: refusal.code });
        this.log.warn({ peer, reason: refusal.code, stage: 'hello' }, 'connection refused');
        this.emit('refused', { peerId: peer, reason: refusal.code });
        await channel.fail({ t: 'refused', code: refusal.code, message: refusal.message });
        await connection.close().catch(() => undefined);
        return;
      }
      doneEnrolling();
      const previous = this.sessions.get(peer);
      if (previous) {
        this.endSession(previous, 'replaced by a new connection');
        void previous.channel.fail({ t: 'refused', code: 'Replaced', message: 'A newer connection of this agent replaced this one.' });
      }
      const now = Date.now();
      session = {
        peerId: peer,
        channel,
        connection,
        transport,
        agentType: hello.agentType,
        rttMs: null,
        lastSeen: now,
        connectedAt: now,
        busy: null,
        ended: false,
        catchingUp: false,
        notAfter: Infinity,
        rttHist: swarmMetrics.rttMs.labels(transport),
        delayHist: swarmMetrics.heartbeatDelayMs.labels(transport),
      };
      this.sessions.set(peer, session);
      swarmMetrics.connectsTotal.inc({ transport });
      this.updateGauges();
      this.store.touch(peer, { agentType: hello.agentType, transport });
      const membership = await this.membershipFor(peer);
      session.notAfter = this.store.member(peer)?.notAfter ?? Infinity;
      await channel.send({ t: 'welcome', membership, heartbeatMs: this.heartbeatMs, transport, rotations: this.rotations() });
      const live = session;
      channel.setHotHandler((f) => this.onHotFrame(live, f));
      this.log.info({ peer, transport, agentType: hello.agentType, cursor: hello.cursor }, 'agent joined');
      this.emit('agent-joined', { peerId: peer, transport });
      void this.catchUp(session, hello.cursor);
      this.pump();
      await this.serve(session);
    } catch (err) {
      const code = err instanceof FrameError ? err.frameCode : 'Internal';
      const message = err instanceof Error ? err.message : String(err);
      if (code !== 'Closed') {
        swarmMetrics.frameErrorsTotal.inc({ code });
        this.log.warn({ peer, code, err: message }, 'stream closed on a protocol error');
        await channel.fail({ t: 'error', code, message: message.slice(0, 500) });
      } else {
        await channel.close();
      }
    } finally {
      doneEnrolling();
      if (session) this.endSession(session, 'stream ended');
    }
  }

  /**
   * Keeps track of a stream from a peer that is not enrolled yet, until its hello arrives (issue 12, attack 8):
   * one per peer, PRE_HELLO_PER_ADDRESS per remote address and PRE_HELLO_TOTAL in all, the oldest evicted when
   * a limit is reached. A real agent sends its hello at once, so idle streams cannot hold enrollment shut; each
   * also has only `helloTimeoutMs` to send it.
   */
  private holdPreHello(stream: Stream, peer: string, addr: string): void {
    const evict = (victim: Stream, why: string): void => {
      this.log.warn({ peer: this.preHello.get(victim)?.peer, why }, 'pre-hello stream evicted');
      this.preHello.delete(victim);
      swarmMetrics.refusedConnectionsTotal.inc({ reason: `pre-hello-${why}` });
      victim.abort(new Error(`evicted before its hello (${why})`));
    };
    for (const [st, e] of this.preHello) if (e.peer === peer) evict(st, 'per-peer');
    const sameAddr = [...this.preHello].filter(([, e]) => e.addr === addr);
    if (sameAddr.length >= PRE_HELLO_PER_ADDRESS) evict(sameAddr[0]![0], 'per-address');
    if (this.preHello.size >= PRE_HELLO_TOTAL) evict(this.preHello.keys().next().value!, 'total');
    this.preHello.set(stream, { peer, addr });
  }

  /**
   * Disconnects live agents whose membership expired more than `expiryGraceMs` ago (the window in which
   * `swarm allow` can renew it) with an explicit `Expired` refusal (issue 12, attack 9).
   */
  private expireSessions(now = Date.now()): void {
    for (const s of [...this.sessions.values()]) {
      if (now < s.notAfter + this.expiryGraceMs) continue;
      const m = this.store.member(s.peerId);
      if (m && m.status === 'allowed' && now < m.notAfter + this.expiryGraceMs) {
        s.notAfter = m.notAfter;
        continue;
      }
      const at = new Date(m?.notAfter ?? s.notAfter).toISOString();
      this.endSession(s, 'membership expired');
      void s.channel.fail({ t: 'refused', code: 'Expired', message: `The membership of this agent expired at ${at} and was not renewed.` });
      setTimeout(() => void s.connection.close().catch(() => undefined), 200).unref?.();
      swarmMetrics.refusedConnectionsTotal.inc({ reason: 'expired-live' });
      this.log.warn({ peer: s.peerId, notAfter: at }, 'agent membership expired');
      this.emit('expired', { peerId: s.peerId, notAfter: m?.notAfter ?? s.notAfter });
    }
  }

  /** Decides whether a hello is admitted; enrolls with a token. Null = admitted. */
  private admit(peer: string, hello: Extract<Frame, { t: 'hello' }>): { code: RefusalCode; message: string } | null {
    const d = this.store.gate(peer);
    if (!d.allow) {
      const code: RefusalCode = d.reason === 'revoked' ? 'Revoked' : d.reason === 'expired' ? 'Expired' : 'NotAllowed';
      return { code, message: `This coordinator refuses ${peer}: ${d.reason}.` };
    }
    if (d.enrolled) return null;
    if (!hello.token) return { code: 'NotAllowed', message: 'This agent is not on the allowlist; join with an enrollment token or ask the coordinator to run `warpdesk swarm allow`.' };
    if (!this.store.redeemToken(hello.token, peer, 'agent', Date.now() + this.membershipTtlMs)) {
      return { code: 'BadToken', message: 'The enrollment token is unknown, already used or expired.' };
    }
    this.log.info({ peer }, 'agent enrolled with a token');
    return null;
  }

  private rotations(): SignedRotation[] | undefined {
    const r = this.store.rotations() as SignedRotation[];
    return r.length > 0 ? r.slice(-64) : undefined;
  }

  private async membershipFor(peer: string) {
    const notAfter = Date.now() + this.membershipTtlMs;
    this.store.extendMembership(peer, notAfter);
    const m = this.store.member(peer);
    return issueMembership(this.identity.privateKey, this.peerId, peer, m?.role ?? 'agent', m?.notAfter ?? notAfter);
  }

  /** Sends every stored record after `cursor` (paged; each send waits for the stream: backpressure). */
  private async catchUp(s: Session, cursor: number): Promise<void> {
    let at = cursor;
    s.catchingUp = true;
    try {
      for (;;) {
        const page = this.store.sharedAfter(at, 256);
        if (page.length === 0 || s.ended) return;
        for (const r of page) {
          if (s.ended) return;
          await s.channel.send({ t: 'shared', seq: r.seq, origin: r.origin, record: r.record });
          at = r.seq;
        }
      }
    } catch (err) {
      this.log.debug({ peer: s.peerId, err: (err as Error).message }, 'catch-up interrupted');
    } finally {
      s.catchingUp = false;
    }
  }

  /**
   * A heartbeat answered inside the stream's message event (FrameChannel.setHotHandler): the pong is written
   * before the transport's next read. Left to `serve` (false) when the agent's cursor asks for a gap fill or
   * the pong would have to wait for a drain.
   */
  private onHotFrame(s: Session, frame: FrameOf<'ping'> | FrameOf<'pong'>): boolean {
    if (frame.t !== 'ping' || s.ended) return false;
    if (frame.cursor !== undefined && frame.cursor < this.lastSeq && !s.catchingUp) return false;
    if (!s.channel.trySendHot({ t: 'pong', id: frame.id, sentAt: frame.sentAt })) return false;
    s.lastSeen = Date.now();
    this.heartbeatArrived(s);
    if (frame.lastRttMs !== undefined) {
      s.rttMs = frame.lastRttMs;
      s.rttHist.observe(frame.lastRttMs);
    }
    return true;
  }

  /** swarm_heartbeat_delay_ms: how much later than one interval after the previous heartbeat this one came. */
  private heartbeatArrived(s: Session): void {
    const at = performance.now();
    if (s.lastPingAt !== undefined) s.delayHist.observe(Math.max(0, at - s.lastPingAt - this.heartbeatMs));
    s.lastPingAt = at;
  }

  private async serve(s: Session): Promise<void> {
    while (!s.ended) {
      const frame = await s.channel.read();
      s.lastSeen = Date.now();
      switch (frame.t) {
        case 'ping': {
          this.heartbeatArrived(s);
          if (frame.lastRttMs !== undefined) {
            s.rttMs = frame.lastRttMs;
            s.rttHist.observe(frame.lastRttMs);
          }
          await s.channel.send({ t: 'pong', id: frame.id, sentAt: frame.sentAt });
          // Gap fill: a record gossip did not deliver (e.g. published before the agent's subscription was
          // known) is sent over the stream once it is older than one heartbeat.
          if (frame.cursor !== undefined && frame.cursor < this.lastSeq && !s.catchingUp) {
            const missing = this.store.sharedAfter(frame.cursor, 1)[0];
            if (missing && Date.now() - this.storedAt(missing.seq) > this.heartbeatMs) void this.catchUp(s, frame.cursor);
          }
          break;
        }
        case 'share': {
          // The record must carry this agent's own signature: what is stored and relayed stays verifiable by
          // every receiver. A refused record is acked too (the agent drops it from its outbox: signing it
          // again would not change the verdict) and named in an error frame; the session goes on.
          const check = await verifyRecord(frame.record, s.peerId);
          if (!check.ok) {
            this.log.warn({ peer: s.peerId, id: frame.record.id, reason: check.reason }, 'refused a shared record whose signature does not verify');
            this.emit('record-refused', { peerId: s.peerId, id: frame.record.id, reason: check.reason });
            await s.channel.send({
              t: 'error',
              code: 'BadSignature',
              message: `Record ${frame.record.id} refused: ${check.reason === 'unsigned' ? 'it is not signed' : 'its signature does not verify against this agent’s key'}.`,
            });
            await s.channel.send({ t: 'ack', ids: [frame.record.id] });
            break;
          }
          const { seq, inserted } = this.store.putShared(s.peerId, frame.record);
          await s.channel.send({ t: 'ack', ids: [frame.record.id] });
          if (inserted) this.broadcast(seq, s.peerId, frame.record);
          break;
        }
        case 'taskResult':
        case 'taskError':
        case 'sweepResult':
          this.onTaskAnswer(s, frame);
          break;
        case 'renew':
          await s.channel.send({ t: 'welcome', membership: await this.membershipFor(s.peerId), heartbeatMs: this.heartbeatMs, transport: s.transport });
          break;
        case 'rotate': {
          const body = await checkRotation(frame.statement, s.peerId);
          if (!body) throw new FrameError('BadFrame', 'The key-rotation statement is not signed by this agent’s key.');
          const m = this.store.member(s.peerId);
          this.store.db.transaction(() => {
            this.store.allow(body.next, m?.role ?? 'agent', m?.notAfter ?? Date.now() + this.membershipTtlMs, `rotated from ${s.peerId}`);
            this.store.revoke(s.peerId);
          })();
          this.log.info({ old: s.peerId, next: body.next }, 'agent rotated its key');
          // The ack goes out before the revocation is applied (next poll), so the agent learns it first.
          await s.channel.send({ t: 'ack', ids: [`rotation:${body.next}`] });
          break;
        }
        case 'leave':
          this.log.info({ peer: s.peerId, reason: frame.reason }, 'agent left');
          this.endSession(s, 'left');
          await s.channel.close();
          return;
        case 'error':
          this.log.warn({ peer: s.peerId, code: frame.code, message: frame.message }, 'agent reported an error');
          break;
        default:
          throw new FrameError('BadFrame', `An agent may not send ${frame.t} frames.`);
      }
    }
  }

  private endSession(s: Session, why: string): void {
    if (s.ended) return;
    s.ended = true;
    if (this.sessions.get(s.peerId) === s) this.sessions.delete(s.peerId);
    this.store.touch(s.peerId, { rttMs: s.rttMs ?? undefined });
    if (s.busy && !s.busy.task.done) {
      const { task, shard } = s.busy;
      task.pending.unshift(shard);
      task.reassigned++;
      swarmMetrics.tasksTotal.inc({ outcome: 'reassigned' });
      this.log.warn({ peer: s.peerId, task: task.taskId, shard }, 'agent lost with a shard; reassigning');
    }
    s.busy = null;
    this.updateGauges();
    this.log.info({ peer: s.peerId, why }, 'agent session ended');
    this.emit('agent-left', { peerId: s.peerId, why });
    this.pump();
  }

  private updateGauges(): void {
    const counts = { quic: 0, ws: 0, other: 0 };
    for (const s of this.sessions.values()) counts[s.transport]++;
    for (const [t, n] of Object.entries(counts)) swarmMetrics.activeAgents.set({ transport: t }, n);
    swarmMetrics.quicActiveAgents.set(counts.quic);
  }

  /** When a record was stored (this run; older records count as old). */
  private storedAt(seq: number): number {
    return this.storedAtBySeq.get(seq) ?? 0;
  }

  private broadcast(seq: number, origin: string, record: SharedRecord): void {
    this.lastSeq = Math.max(this.lastSeq, seq);
    this.storedAtBySeq.set(seq, Date.now());
    if (this.storedAtBySeq.size > 10_000) {
      for (const k of this.storedAtBySeq.keys()) {
        this.storedAtBySeq.delete(k);
        if (this.storedAtBySeq.size <= 5_000) break;
      }
    }
    const bytes = new TextEncoder().encode(JSON.stringify({ v: PROTOCOL_VERSION, seq, origin, record }));
    this.node.services.pubsub.publish(EXPERIENCE_TOPIC, bytes).then(
      () => swarmMetrics.gossipPublishedTotal.inc({ result: 'ok' }),
      (err: unknown) => {
        swarmMetrics.gossipPublishedTotal.inc({ result: 'failed' });
        this.log.debug({ err: (err as Error).message }, 'gossip publish failed');
      },
    );
    this.emit('shared', { seq, origin, record });
  }

  /** Records a record originated by the coordinator itself (e.g. a threshold change), signed with its key, and broadcasts it. */
  async publish(record: SharedRecord): Promise<number> {
    const signed = await signRecord(this.identity.privateKey, record);
    const { seq, inserted } = this.store.putShared(this.peerId, signed);
    if (inserted) this.broadcast(seq, this.peerId, signed);
    return seq;
  }

  allow(peerId: string, ttlMs = this.membershipTtlMs): void {
    this.store.allow(peerId, 'agent', Date.now() + ttlMs);
    this.applyChanges();
  }

  revoke(peerId: string): void {
    this.store.revoke(peerId);
    this.applyChanges();
  }

  /** Applies allowlist changes made by any process (this one or `warpdesk swarm revoke`). */
  private applyChanges(): void {
    if (this.stopped) return;
    let changes;
    try {
      changes = this.store.changesAfter(this.lastRev);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not read allowlist changes');
      return;
    }
    for (const c of changes) {
      this.lastRev = c.rev;
      if (c.kind === 'allow') {
        const live = this.sessions.get(c.peerId);
        if (live) live.notAfter = this.store.member(c.peerId)?.notAfter ?? live.notAfter;
      }
      if (c.kind !== 'revoke') continue;
      const s = this.sessions.get(c.peerId);
      if (s) {
        this.endSession(s, 'revoked');
        void s.channel.fail({ t: 'refused', code: 'Revoked', message: 'The coordinator revoked this agent.' });
      }
      for (const conn of this.node.getConnections()) {
        if (conn.remotePeer.toString() === c.peerId) setTimeout(() => void conn.close().catch(() => undefined), 200).unref?.();
      }
      const bytes = new TextEncoder().encode(JSON.stringify({ v: PROTOCOL_VERSION, t: 'revoked', peer: c.peerId, at: Date.now() }));
      this.node.services.pubsub.publish(CONTROL_TOPIC, bytes).catch(() => undefined);
      swarmMetrics.refusedConnectionsTotal.inc({ reason: 'revoked-live' });
      this.log.warn({ peer: c.peerId }, 'agent revoked');
      this.emit('revoked', { peerId: c.peerId });
    }
    this.expireSessions();
  }

  /** Shards a top-k search over the connected agents and merges their answers. */
  runSearch(series: Float64Array, query: Float64Array, options: SearchTaskOptions): Promise<SearchTaskResult> {
    const m = query.length;
    const shardCount = options.shards ?? Math.max(1, this.sessions.size);
    const plans = planShards(series.length, m, shardCount);
    if (plans.length === 0) return Promise.reject(new WarpdeskError('InvalidDimensions', 'The series is shorter than the query.'));
    const opts = { window: options.window, k: options.k, exclusionZone: options.exclusionZone ?? Math.floor(m / 2), znormalize: options.znormalize ?? true };
    const encodedQuery = encodeFloat64(query);
    const results = new Map<number, Match[]>();
    const taskId = crypto.randomUUID();
    return this.startTask<SearchTaskResult>('search', taskId, plans.length, options, {
      frameFor: (shard) => {
        const plan = plans[shard]!;
        const input = shardSlice(series, plan, m);
        return { t: 'task', taskId, shard, kind: 'search', series: encodeFloat64(input.values), offset: input.offset, first: input.first, query: encodedQuery, ...opts };
      },
      accept: (shard, frame) => {
        if (frame.t !== 'taskResult') return false;
        const plan = plans[shard]!;
        results.set(
          shard,
          frame.matches.filter((mm) => mm.index >= plan.start && mm.index < plan.end),
        );
        return true;
      },
      merge: (task) => {
        // Each shard answered its pruning set, so the greedy merge is exactly the single-node answer (sharding.ts).
        const matches = mergeTopK([...results.values()], opts.k, opts.exclusionZone);
        return { taskId, matches, shards: plans.length, reassigned: task.reassigned, answeredBy: task.answeredBy, plans };
      },
    });
  }

  /**
   * Runs backtest sweep jobs on the connected agents: jobs sharing a search pass go to the same agent (one
   * batch per shard); results come back in job order. Jobs name their data file, which each agent must be
   * able to read (same machine or shared storage).
   */
  runSweep(jobs: SweepJob[], batches: SweepJob[][], options: SweepTaskOptions = {}): Promise<SweepTaskResult> {
    if (jobs.length === 0) return Promise.reject(new WarpdeskError('InvalidInput', 'A sweep needs at least one job.'));
    const byId = new Map<string, SweepResult>();
    const taskId = crypto.randomUUID();
    return this.startTask<SweepTaskResult>(
      'sweep',
      taskId,
      batches.length,
      { timeoutMs: options.timeoutMs ?? 30 * 60_000, onProgress: options.onProgress },
      {
        frameFor: (shard) => ({ t: 'sweepTask', taskId, shard, jobs: batches[shard]! }),
        accept: (shard, frame) => {
          if (frame.t !== 'sweepResult') return false;
          const want = new Set(batches[shard]!.map((j) => j.id));
          if (frame.results.length !== want.size || !frame.results.every((r) => want.has(r.id))) return false;
          for (const r of frame.results) byId.set(r.id, r);
          return true;
        },
        merge: (task) => ({ taskId, results: jobs.map((j) => byId.get(j.id)!), shards: batches.length, reassigned: task.reassigned, answeredBy: task.answeredBy }),
      },
    );
  }

  private startTask<R>(
    kind: TaskState['kind'],
    taskId: string,
    shardCount: number,
    options: { timeoutMs?: number; onProgress?: (done: number, total: number) => void },
    impl: Pick<TaskState, 'frameFor' | 'accept'> & { merge: (task: TaskState) => R },
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 120_000;
      let timer: NodeJS.Timeout | undefined;
      const task: TaskState = {
        taskId,
        kind,
        shardCount,
        pending: Array.from({ length: shardCount }, (_, i) => i),
        answered: new Set(),
        answeredBy: new Array<string>(shardCount).fill(''),
        reassigned: 0,
        done: false,
        frameFor: impl.frameFor,
        accept: impl.accept,
        merge: () => impl.merge(task),
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r as R);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
        onProgress: options.onProgress,
      };
      timer = setTimeout(() => this.finishTask(task, new WarpdeskError('Unavailable', `The swarm ${kind} did not finish within ${timeoutMs} ms.`)), timeoutMs);
      timer.unref?.();
      this.tasks.push(task);
      this.log.info({ task: taskId, kind, shards: shardCount, agents: this.sessions.size }, 'task started');
      this.pump();
    });
  }

  /** Hands pending shards to idle agents. */
  private pump(): void {
    for (const task of this.tasks) {
      if (task.done) continue;
      for (const s of this.sessions.values()) {
        if (task.pending.length === 0) break;
        if (s.busy || s.ended) continue;
        const shard = task.pending.shift()!;
        s.busy = { task, shard };
        s.channel.send(task.frameFor(shard)).catch(() => {
          // The session's reader will notice the closed stream and reassign the shard.
        });
        swarmMetrics.tasksTotal.inc({ outcome: 'dispatched' });
      }
    }
  }

  private onTaskAnswer(s: Session, frame: Extract<Frame, { t: 'taskResult' | 'taskError' | 'sweepResult' }>): void {
    const busy = s.busy;
    if (!busy || busy.task.taskId !== frame.taskId || busy.shard !== frame.shard) {
      this.log.debug({ peer: s.peerId, task: frame.taskId }, 'ignoring an answer for a shard this agent does not hold');
      return;
    }
    s.busy = null;
    const task = busy.task;
    if (frame.t === 'taskError') {
      swarmMetrics.tasksTotal.inc({ outcome: 'failed' });
      this.finishTask(task, new WarpdeskError('Internal', `Agent ${s.peerId} failed a shard: ${frame.message}`));
      return;
    }
    if (!task.accept(frame.shard, frame)) {
      swarmMetrics.tasksTotal.inc({ outcome: 'failed' });
      this.finishTask(task, new WarpdeskError('Internal', `Agent ${s.peerId} answered shard ${frame.shard} of a ${task.kind} task with something else.`));
      return;
    }
    task.answered.add(frame.shard);
    task.answeredBy[frame.shard] = s.peerId;
    swarmMetrics.tasksTotal.inc({ outcome: 'completed' });
    task.onProgress?.(task.answered.size, task.shardCount);
    if (task.answered.size === task.shardCount) this.finishTask(task, null);
    this.pump();
  }

  /** Ends a task with its merged result (outcome null) or an error. */
  private finishTask(task: TaskState, outcome: Error | null): void {
    if (task.done) return;
    task.done = true;
    const i = this.tasks.indexOf(task);
    if (i >= 0) this.tasks.splice(i, 1);
    for (const s of this.sessions.values()) if (s.busy?.task === task) s.busy = null;
    if (outcome) task.reject(outcome);
    else {
      try {
        task.resolve(task.merge());
      } catch (err) {
        task.reject(err);
      }
    }
    this.log.info({ task: task.taskId, kind: task.kind, ok: !outcome, reassigned: task.reassigned }, 'task finished');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    for (const t of [...this.tasks]) this.finishTask(t, new WarpdeskError('Cancelled', 'The coordinator stopped.'));
    await Promise.all(
      [...this.sessions.values()].map(async (s) => {
        this.endSession(s, 'coordinator stopping');
        await s.channel.fail({ t: 'refused', code: 'ShuttingDown', message: 'The coordinator is shutting down.' });
      }),
    );
    await this.node.stop();
    this.store.close();
    this.log.info('coordinator stopped');
  }
}
