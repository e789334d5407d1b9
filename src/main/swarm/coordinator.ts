/**
 * The swarm coordinator: the authority of a swarm. It listens on QUIC and WebSockets, gates every
 * connection against its allowlist (coordinator.db), enrolls agents that present a one-time token, issues
 * signed membership records, serves one command stream per agent (hello, heartbeat, tasks, shared records,
 * renewal, rotation, leave), and applies revocations made by another process (`warpdesk swarm revoke`) within
 * a poll interval. Its parts, one job each: admission (coordinator-access.ts), liveness
 * (coordinator-heartbeat.ts), sharded tasks (coordinator-tasks.ts), record relay (coordinator-share.ts),
 * the session types they share (coordinator-session.ts); this file holds the node, the streams and sessions.
 * Must never attribute a frame to anything but its connection's PeerId, never store or relay a record its
 * origin did not sign, never queue without bound, and
 * never keep state that a SIGKILL would lose except tasks in flight (their caller dies with the process).
 */
import { EventEmitter } from 'node:events';
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import type { SweepJob } from '../../shared/contract/backtest';
import { WarpdeskError } from '../../shared/errors';
import { logger, swarmMetrics, type Logger } from '../metrics';
import { fileSecretBox, loadOrCreateIdentity, replaceIdentity, type NodeIdentity, type SecretBox } from './identity';
import { checkRotation, issueMembership, signRotation, type SignedRotation } from './membership';
import { loadStack } from './stack';
import { createSwarmNode, type SwarmLibp2p } from './node';
import { CONTROL_TOPIC, FrameChannel, FrameError, PROTOCOL, PROTOCOL_VERSION, transportOf, type SharedRecord } from './protocol';
import { signRecord } from './record-signature';
import { CoordinatorStore, coordinatorDbPath } from './store';
import { PreHelloTable, addressOf, admit, expiredSessions } from './coordinator-access';
import { HeartbeatDesk, type HeartbeatTiming } from './coordinator-heartbeat';
import type { AgentInfo, Session } from './coordinator-session';
import { RecordRelay } from './coordinator-share';
import { TaskBoard, type SearchTaskOptions, type SearchTaskResult, type SweepTaskOptions, type SweepTaskResult } from './coordinator-tasks';

export { PRE_HELLO_PER_ADDRESS, PRE_HELLO_TOTAL } from './coordinator-access';
export type { AgentInfo } from './coordinator-session';
export type { SearchTaskOptions, SearchTaskResult, SweepTaskOptions, SweepTaskResult } from './coordinator-tasks';

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
  /** Diagnostics (bench): called per heartbeat with the time from its frame's dispatch to its pong written. */
  onHeartbeat?: HeartbeatTiming;
}

const DAY = 24 * 3600 * 1000;

export class Coordinator extends EventEmitter {
  peerId: string;
  private readonly sessions = new Map<string, Session>();
  private readonly tasks: TaskBoard;
  /** Streams of unenrolled peers still waiting for their hello, oldest first. */
  private readonly preHello: PreHelloTable;
  private readonly relay: RecordRelay;
  private readonly heartbeats: HeartbeatDesk;
  private lastRev = 0;
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
    this.tasks = new TaskBoard(this.sessions, log);
    this.preHello = new PreHelloTable(log);
    this.relay = new RecordRelay(store, log, { publish: (topic, bytes) => this.node.services.pubsub.publish(topic, bytes), emit: (e, p) => this.emit(e, p) }, this.heartbeatMs);
    this.heartbeats = new HeartbeatDesk(this.heartbeatMs, this.relay, opts.onHeartbeat);
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
    return this.tasks.inFlight();
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
    if (gate.allow && !gate.enrolled) this.preHello.hold(stream, peer, addressOf(connection.remoteAddr));
    const doneEnrolling = (): void => {
      this.preHello.release(stream);
    };
    let session: Session | undefined;
    try {
      channel.setReadTimeout(this.helloTimeoutMs);
      const hello = await channel.read();
      channel.setReadTimeout(this.readTimeoutMs);
      if (hello.t !== 'hello') throw new FrameError('BadFrame', `The first frame must be hello, not ${hello.t}.`);
      const refusal = admit(this.store, this.log, peer, hello, this.membershipTtlMs);
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
      channel.setHotHandler((f) => this.heartbeats.hot(live, f));
      this.log.info({ peer, transport, agentType: hello.agentType, cursor: hello.cursor }, 'agent joined');
      this.emit('agent-joined', { peerId: peer, transport });
      void this.relay.catchUp(session, hello.cursor);
      this.tasks.pump();
      await this.serve(session);
    } catch (err) {
      const code = err instanceof FrameError ? err.frameCode : 'Internal';
      const message = err instanceof Error ? err.message : String(err);
      if (code !== 'Closed') {
        swarmMetrics.frameErrorsTotal.inc({ code });
        this.log.warn({ peer, code, err: message }, 'stream closed on a protocol error');
        await channel.fail({ t: 'error', code, message: message.slice(0, 500) });
        // A silent agent (nothing for the read timeout: heartbeats stopped) is gone or cut off: drop its
        // connection too, as libp2p's connection monitor (off, node.ts) would have after a failed ping.
        if (code === 'Timeout' && session && this.sessions.get(peer) === session) connection.abort(new Error('agent silent for the read timeout'));
      } else {
        await channel.close();
      }
    } finally {
      doneEnrolling();
      if (session) this.endSession(session, 'stream ended');
    }
  }

  private async serve(s: Session): Promise<void> {
    while (!s.ended) {
      const frame = await s.channel.read();
      s.lastSeen = Date.now();
      switch (frame.t) {
        case 'ping':
          await this.heartbeats.answer(s, frame);
          break;
        case 'share':
          await this.relay.onShare(s, frame);
          break;
        case 'taskResult':
        case 'taskError':
        case 'sweepResult':
          this.tasks.onTaskAnswer(s, frame);
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

  private endSession(s: Session, why: string): void {
    if (s.ended) return;
    s.ended = true;
    if (this.sessions.get(s.peerId) === s) this.sessions.delete(s.peerId);
    this.store.touch(s.peerId, { rttMs: s.rttMs ?? undefined });
    this.tasks.release(s);
    this.updateGauges();
    this.log.info({ peer: s.peerId, why }, 'agent session ended');
    this.emit('agent-left', { peerId: s.peerId, why });
    this.tasks.pump();
  }

  private updateGauges(): void {
    const counts = { quic: 0, ws: 0, other: 0 };
    for (const s of this.sessions.values()) counts[s.transport]++;
    for (const [t, n] of Object.entries(counts)) swarmMetrics.activeAgents.set({ transport: t }, n);
    swarmMetrics.quicActiveAgents.set(counts.quic);
  }

  /** Records a record originated by the coordinator itself (e.g. a threshold change), signed with its key, and broadcasts it. */
  async publish(record: SharedRecord): Promise<number> {
    const signed = await signRecord(this.identity.privateKey, record);
    const { seq, inserted } = this.store.putShared(this.peerId, signed);
    if (inserted) this.relay.broadcast(seq, this.peerId, signed);
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

  /**
   * Disconnects live agents whose membership expired more than `expiryGraceMs` ago (the window in which
   * `swarm allow` can renew it) with an explicit `Expired` refusal (issue 12, attack 9).
   */
  private expireSessions(): void {
    for (const { session: s, notAfter } of expiredSessions([...this.sessions.values()], this.store, this.expiryGraceMs)) {
      const at = new Date(notAfter).toISOString();
      this.endSession(s, 'membership expired');
      void s.channel.fail({ t: 'refused', code: 'Expired', message: `The membership of this agent expired at ${at} and was not renewed.` });
      setTimeout(() => void s.connection.close().catch(() => undefined), 200).unref?.();
      swarmMetrics.refusedConnectionsTotal.inc({ reason: 'expired-live' });
      this.log.warn({ peer: s.peerId, notAfter: at }, 'agent membership expired');
      this.emit('expired', { peerId: s.peerId, notAfter });
    }
  }

  /** Shards a top-k search over the connected agents and merges their answers. */
  runSearch(series: Float64Array, query: Float64Array, options: SearchTaskOptions): Promise<SearchTaskResult> {
    return this.tasks.runSearch(series, query, options);
  }

  /**
   * Runs backtest sweep jobs on the connected agents: jobs sharing a search pass go to the same agent (one
   * batch per shard); results come back in job order. Jobs name their data file, which each agent must be
   * able to read (same machine or shared storage).
   */
  runSweep(jobs: SweepJob[], batches: SweepJob[][], options: SweepTaskOptions = {}): Promise<SweepTaskResult> {
    return this.tasks.runSweep(jobs, batches, options);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    this.tasks.cancelAll(new WarpdeskError('Cancelled', 'The coordinator stopped.'));
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
