/**
 * A swarm agent (headless or inside the app's main process). It dials the coordinator QUIC first with a
 * short timeout and falls back to WebSockets by itself, keeps one command stream with heartbeats (round
 * trip measured), redials with jittered exponential backoff, delivers its outbox (SQLite) exactly once per
 * id after every reconnection, each record signed with its identity key as it leaves, runs the search shards
 * it is given with the pattern engine's async search (off the JS thread) and the sweep batches with the
 * executor its host injects, and lands shared records (gossipsub live, stream catch-up after a gap) in its
 * ExperienceSink once per id, after checking each one's signature against its origin. Its parts, one job each:
 * dialing and backoff (agent-dial.ts), heartbeats and pings (agent-heartbeat.ts), outbox and inbox
 * (agent-share.ts), shards (agent-tasks.ts), the session type they share (agent-session.ts); this file holds the
 * lifecycle, the handshake, membership and key rotation, and the frame dispatch.
 * Must never accept a connection or a gossip message from anyone but its coordinator, never hand its sink a
 * record its origin did not sign, never drop an outbox record before the coordinator acked its id, never run
 * engine work synchronously on its event loop (the heartbeats share it), and never import another
 * capability (sweeps come in through `sweepExecutor`).
 */
import { EventEmitter } from 'node:events';
import type { Connection, PeerId, PrivateKey } from '@libp2p/interface';
import { WarpdeskError } from '../../shared/errors';
import { logger, swarmMetrics, type Logger } from '../metrics';
import { fileSecretBox, loadOrCreateIdentity, replaceIdentity, type SecretBox } from './identity';
import { checkMembership, checkRotation, signRotation, type SignedMembership, type SignedRotation } from './membership';
import { createSwarmNode, type SwarmLibp2p } from './node';
import { CONTROL_TOPIC, EXPERIENCE_TOPIC, FrameChannel, FrameError, PROTOCOL, SharedRecord, transportOf, type Frame, type RefusalCode } from './protocol';
import type { ShardSearch } from './sharding';
import { Dialer, backoffMs } from './agent-dial';
import { PingBook, scheduleHeartbeats } from './agent-heartbeat';
import type { Live } from './agent-session';
import { Inbox, flushOutbox } from './agent-share';
import { runSearchTask, runSweepTask, type SweepExecutor } from './agent-tasks';

export type { SweepExecutor } from './agent-tasks';
import { noopSink, type ExperienceSink } from './sink';
import { loadStack } from './stack';
import { AgentStore, agentDbPath } from './store';

export interface AgentOptions {
  /** Workspace: identity (`agent.identity`) and agent.db. Optional when `privateKey` and `dbPath` are given. */
  dataDir?: string;
  /** Coordinator multiaddrs, each ending in /p2p/<coordinator PeerId>. */
  join: string[];
  token?: string;
  agentType?: 'headless' | 'app';
  box?: SecretBox;
  /** In-memory identity (bench, tests); skips the identity file. */
  privateKey?: PrivateKey;
  /** SQLite file for the outbox/received ids (':memory:' allowed). Default `<data>/swarm/agent.db`. */
  dbPath?: string;
  sink?: ExperienceSink;
  /** QUIC dial budget before falling back to WebSockets (default 1500 ms). */
  quicTimeoutMs?: number;
  /** Transports to try, in order (default quic then ws). */
  transports?: Array<'quic' | 'ws'>;
  heartbeatMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /**
   * The engine search a shard runs on (searchTopK semantics; default: the pattern engine's searchTopKAsync,
   * off the JS thread, so heartbeats keep their schedule). Tests inject delays here.
   */
  executor?: ShardSearch;
  /**
   * Runs a batch of backtest sweep jobs, results in any order (injected by the host or the CLI, which may
   * use the backtester; the swarm never imports it). Without one, the agent answers sweep tasks with an error.
   */
  sweepExecutor?: SweepExecutor;
  /** While on WebSockets, try QUIC again this often and move the session when it answers (default 60 s; 0 = never). */
  quicReprobeMs?: number;
  /** Max records in flight without an ack. */
  outboxWindow?: number;
  logger?: Logger;
}

export interface AgentStatus {
  peerId: string;
  coordinator: string;
  connected: boolean;
  transport: 'quic' | 'ws' | 'other' | null;
  rttMs: number | null;
  membershipNotAfter: number | null;
  outboxPending: number;
  received: number;
  lastRefusal: { code: string; message: string } | null;
  /** The coordinator has closed this agent's connections during the handshake since it last connected. */
  refusedAtHandshake: boolean;
  connects: number;
}

/** Refusals that will not change by retrying soon: back off to the maximum. */
const PERMANENT: ReadonlySet<string> = new Set<RefusalCode>(['NotAllowed', 'Revoked', 'Expired', 'BadToken', 'VersionMismatch']);

export class Agent extends EventEmitter {
  peerId: string;
  /** The coordinator's current PeerId (follows the coordinator's signed key rotations). */
  coordinator: string;
  private node!: SwarmLibp2p;
  private privateKey!: PrivateKey;
  private live: Live | null = null;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private membership: SignedMembership | null = null;
  private lastRefusal: { code: string; message: string } | null = null;
  private connects = 0;
  private readonly pings: PingBook;
  private readonly inbox: Inbox;
  private readonly dialer: Dialer;
  private wake: (() => void) | null = null;
  private pendingRotation: PrivateKey | null = null;
  private redialNow = false;
  /** 'handshake-refused' was emitted since the last successful connection. */
  private handshakeRefusalSaid = false;
  private rotationReady = false;
  readonly store: AgentStore;
  private readonly log: Logger;
  private readonly sink: ExperienceSink;
  private readonly heartbeatMs: number;

  private constructor(private readonly opts: AgentOptions) {
    super();
    if (opts.join.length === 0) throw new WarpdeskError('InvalidInput', 'An agent needs at least one coordinator multiaddr to join.');
    const ids = new Set(opts.join.map((a) => /\/p2p\/([^/]+)$/.exec(a)?.[1] ?? ''));
    if (ids.has('') || ids.size !== 1) throw new WarpdeskError('InvalidInput', 'Every join multiaddr must end in /p2p/<the coordinator PeerId>, the same for all.');
    const joinId = [...ids][0]!;
    this.coordinator = joinId;
    const dbPath = opts.dbPath ?? (opts.dataDir ? agentDbPath(opts.dataDir) : undefined);
    if (!dbPath) throw new WarpdeskError('InvalidInput', 'An agent needs a data folder or a database path.');
    this.store = new AgentStore(dbPath);
    this.log = opts.logger ?? logger('swarm', 'agent');
    this.sink = opts.sink ?? noopSink;
    this.heartbeatMs = opts.heartbeatMs ?? 2_000;
    this.peerId = '';
    this.pings = new PingBook({ heartbeatMs: this.heartbeatMs, cursor: () => this.store.cursor(), onRtt: (rtt) => this.emit('rtt', rtt) });
    this.inbox = new Inbox(
      this.store,
      this.sink,
      this.log,
      () => this.peerId,
      (e, p) => this.emit(e, p),
    );
    this.dialer = new Dialer(
      opts,
      {
        node: () => this.node,
        coordinator: () => this.coordinator,
        isCurrent: (c) => this.live?.conn === c,
        lateQuic: () => this.lateQuic(),
        moveToQuic: (live) => {
          this.redialNow = true;
          live.end('moving to QUIC');
        },
      },
      this.log,
    );
    const m = this.store.getMeta('membership');
    if (m) this.membership = JSON.parse(m) as SignedMembership;
    // A coordinator that rotated its key since we joined: follow the PeerId we verified then.
    if (this.store.getMeta('coordinator.origin') === joinId) this.coordinator = this.store.getMeta('coordinator.current') ?? joinId;
    else {
      this.store.setMeta('coordinator.origin', joinId);
      this.store.setMeta('coordinator.current', joinId);
    }
  }

  /** Follows a rotation chain from the coordinator we know to `target`; true when every link verifies. */
  private async followRotations(chain: SignedRotation[] | undefined, target: string): Promise<boolean> {
    let cur = this.coordinator;
    for (const st of chain ?? []) {
      if (cur === target) break;
      if (st.body.old !== cur) continue;
      if (!(await checkRotation(st, cur))) return false;
      cur = st.body.next;
    }
    if (cur !== target) return false;
    this.adoptCoordinator(target);
    return true;
  }

  private adoptCoordinator(next: string): void {
    if (next === this.coordinator) return;
    this.log.warn({ old: this.coordinator, next }, 'the coordinator rotated its key; following it');
    this.coordinator = next;
    this.store.setMeta('coordinator.current', next);
    this.emit('coordinator-rotated', { next });
  }

  static async start(opts: AgentOptions): Promise<Agent> {
    const a = new Agent(opts);
    try {
      await a.init();
    } catch (err) {
      a.store.close();
      throw err;
    }
    return a;
  }

  private async init(): Promise<void> {
    if (this.opts.privateKey) {
      this.privateKey = this.opts.privateKey;
    } else {
      if (!this.opts.dataDir) throw new WarpdeskError('InvalidInput', 'An agent needs a data folder or a private key.');
      this.privateKey = (await loadOrCreateIdentity(this.opts.dataDir, 'agent', this.opts.box ?? fileSecretBox(this.opts.dataDir))).privateKey;
    }
    await this.startNode();
    swarmMetrics.outboxPending.set(this.store.pendingCount());
    this.loop = this.run();
  }

  private async startNode(): Promise<void> {
    const { peerId } = await loadStack();
    this.peerId = peerId.peerIdFromPrivateKey(this.privateKey).toString();
    this.node = await createSwarmNode({
      privateKey: this.privateKey,
      listen: [],
      server: false,
      gater: {
        denyDialPeer: (p: PeerId) => p.toString() !== this.coordinator,
        denyInboundConnection: () => true,
        denyInboundEncryptedConnection: () => true,
        // Outbound dials go only to the configured addresses; a different PeerId there is accepted for the
        // handshake only and must then prove, in its welcome, a signed rotation chain from our coordinator.
      },
    });
    const pubsub = this.node.services.pubsub;
    pubsub.subscribe(EXPERIENCE_TOPIC);
    pubsub.subscribe(CONTROL_TOPIC);
    pubsub.addEventListener('message', (evt) => {
      const msg = evt.detail;
      // Attribution by gossipsub signature: only the coordinator's signed messages count.
      if (msg.type !== 'signed' || msg.from.toString() !== this.coordinator) return;
      try {
        const body = JSON.parse(new TextDecoder().decode(msg.data)) as Record<string, unknown>;
        if (msg.topic === EXPERIENCE_TOPIC) {
          const rec = SharedRecord.safeParse(body['record']);
          if (rec.success && typeof body['seq'] === 'number' && typeof body['origin'] === 'string') void this.inbox.deliver(body['seq'], body['origin'], rec.data, 'gossip');
        } else if (msg.topic === CONTROL_TOPIC && body['t'] === 'coordinator-rotated') {
          const st = body['statement'] as SignedRotation;
          void checkRotation(st, this.coordinator).then((ok) => ok && this.adoptCoordinator(ok.next));
        } else if (msg.topic === CONTROL_TOPIC && body['t'] === 'revoked' && typeof body['peer'] === 'string') {
          this.store.markRevoked(body['peer']);
          this.emit('revoked', { peerId: body['peer'] });
        }
      } catch {
        this.log.debug('ignoring a malformed gossip message');
      }
    });
  }

  /** The underlying libp2p node (diagnostics and benchmarks only; never send protocol frames through it). */
  get libp2p(): SwarmLibp2p {
    return this.node;
  }

  /** Durably records a shared record for the swarm; sent now if connected, else after reconnection. */
  record(record: SharedRecord): boolean {
    // Signed when it leaves (flush), with the key of the session that carries it: a record queued before a
    // key rotation is still attributed to, and verifiable against, the PeerId that delivers it.
    const { sig: _sig, ...parsed } = SharedRecord.parse(record);
    const added = this.store.enqueue(parsed);
    swarmMetrics.outboxPending.set(this.store.pendingCount());
    this.flush();
    return added;
  }

  status(): AgentStatus {
    return {
      peerId: this.peerId,
      coordinator: this.coordinator,
      connected: this.live !== null && !this.live.ended,
      transport: this.live && !this.live.ended ? this.live.transport : null,
      rttMs: this.pings.rttMs,
      membershipNotAfter: this.membership?.body.notAfter ?? null,
      outboxPending: this.store.pendingCount(),
      received: this.store.receivedCount(),
      lastRefusal: this.lastRefusal,
      refusedAtHandshake: this.handshakeRefusalSaid,
      connects: this.connects,
    };
  }

  /** Resolves when connected (welcomed); rejects after `timeoutMs`. */
  waitConnected(timeoutMs = 30_000): Promise<void> {
    if (this.live && !this.live.ended) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('connected', on);
        reject(new WarpdeskError('Unavailable', `Not connected to the coordinator within ${timeoutMs} ms${this.lastRefusal ? ` (refused: ${this.lastRefusal.code})` : ''}.`));
      }, timeoutMs);
      const on = () => {
        clearTimeout(t);
        resolve();
      };
      this.once('connected', on);
    });
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      let permanent = false;
      let conn: Connection | undefined;
      try {
        conn = await this.dialer.dial();
        const live = await this.handshake(conn);
        attempt = 0;
        this.handshakeRefusalSaid = false;
        await live.endedPromise;
      } catch (err) {
        // A connection whose handshake failed must not be handed back by the next dial.
        if (conn && this.live?.conn !== conn) conn.abort(new Error('swarm handshake failed'));
        const e = err as Error & { refusal?: string; atHandshake?: boolean };
        permanent = e.refusal !== undefined && PERMANENT.has(e.refusal);
        this.log.warn({ coordinator: this.coordinator, attempt, err: e.message }, 'could not reach the coordinator');
        this.emit('dial-failed', { message: e.message, attempt });
        if (e.atHandshake) permanent = this.refusedAtHandshake() || permanent;
      }
      if (this.stopped) break;
      if (this.pendingRotation && this.rotationReady) {
        await this.finishRotation();
        continue;
      }
      if (this.redialNow) {
        this.redialNow = false;
        continue;
      }
      const delay = backoffMs(attempt++, permanent, this.opts.backoffBaseMs, this.opts.backoffMaxMs);
      swarmMetrics.reconnectsTotal.inc();
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /**
   * The coordinator closed the connection during the handshake (its gater refuses peers that are not allowed,
   * revoked or expired before any frame, so it cannot say which). Said once per run of refusals
   * ('handshake-refused'); when this agent's own signed membership has expired, that is the reason and it is
   * definitive: a 'refused' Expired event, as if the coordinator had said it. Returns whether to back off fully.
   */
  private refusedAtHandshake(): boolean {
    const notAfter = this.membership?.body.notAfter;
    if (notAfter !== undefined && notAfter <= Date.now()) {
      if (this.lastRefusal?.code !== 'Expired') {
        this.lastRefusal = { code: 'Expired', message: `This agent's membership expired on ${new Date(notAfter).toISOString()}, and the coordinator refuses it during the handshake.` };
        this.emit('refused', this.lastRefusal);
      }
      return true;
    }
    if (!this.handshakeRefusalSaid) {
      this.handshakeRefusalSaid = true;
      this.emit('handshake-refused', { peerId: this.peerId, member: this.membership !== null });
    }
    return true;
  }

  private async handshake(conn: Connection): Promise<Live> {
    const transport = transportOf(conn.remoteAddr);
    // An enrollment token only ever goes to the PeerId we were given (never to a claimed successor).
    const tokenOk = conn.remotePeer.toString() === this.coordinator;
    // The coordinator's gater refuses a peer that is not allowed, revoked or expired right after the encrypted
    // handshake: the connection is closed before our first stream or frame gets through.
    const closedEarly = (err: unknown): never => {
      const m = err instanceof Error ? err.message : String(err);
      throw Object.assign(err instanceof Error ? err : new Error(m), { atHandshake: /closed|reset|EOF/i.test(m) });
    };
    const stream = await conn.newStream(PROTOCOL, { signal: AbortSignal.timeout(5_000) }).catch(closedEarly);
    const channel = await FrameChannel.open(stream, { readTimeoutMs: Math.max(this.heartbeatMs * 3 + 2_000, 5_000) });
    await channel
      .send({
        t: 'hello',
        agentType: this.opts.agentType ?? 'headless',
        software: 'warpdesk/0.1.0',
        capabilities: this.opts.sweepExecutor ? ['search', 'sweep'] : ['search'],
        token: this.membership || !tokenOk ? undefined : this.opts.token,
        cursor: this.store.cursor(),
      })
      .catch(closedEarly);
    const first = await channel.read().catch((err: unknown) => {
      void channel.close();
      return closedEarly(err);
    });
    if (first.t === 'refused') {
      this.lastRefusal = { code: first.code, message: first.message };
      this.log.error({ code: first.code, message: first.message }, 'the coordinator refused this agent');
      this.emit('refused', this.lastRefusal);
      await channel.close();
      throw Object.assign(new WarpdeskError('Unauthorized', `The coordinator refused this agent (${first.code}): ${first.message}`), { refusal: first.code });
    }
    if (first.t !== 'welcome') {
      await channel.fail({ t: 'error', code: 'BadFrame', message: 'Expected welcome.' });
      throw new FrameError('BadFrame', `Expected welcome, got ${first.t}.`);
    }
    const remote = conn.remotePeer.toString();
    if (remote !== this.coordinator && !(await this.followRotations(first.rotations, remote))) {
      await channel.close();
      conn.abort(new Error('not our coordinator'));
      throw new WarpdeskError('Unauthorized', `The node at ${conn.remoteAddr.toString()} is ${remote}, not the coordinator ${this.coordinator}, and shows no signed rotation from it.`);
    }
    await this.acceptMembership(first.membership);
    let end!: (why: string) => void;
    const endedPromise = new Promise<void>((resolve) => {
      end = (why: string) => {
        if (live.ended) return;
        live.ended = true;
        live.heartbeat?.stop();
        if (this.live === live) this.live = null;
        this.log.warn({ why }, 'disconnected from the coordinator');
        this.emit('disconnected', { why });
        // Drop the connection itself, not just the stream: a dead QUIC connection would otherwise linger
        // until its idle timeout and libp2p would hand it back on the next dial (TOOLCHAIN swarm gotcha 7).
        if (why === 'stopping') {
          void channel.close().finally(() => conn.close({ signal: AbortSignal.timeout(1000) }).catch(() => conn.abort(new Error(why))));
        } else {
          channel.abort(why);
          conn.abort(new Error(why));
        }
        resolve();
      };
    });
    const live: Live = { conn, channel, transport, inflight: new Set(), pings: new Map(), rttHist: swarmMetrics.rttMs.labels(transport), ended: false, endedPromise, end: (w) => end(w) };
    this.live = live;
    channel.setHotHandler((f) => {
      if (f.t !== 'pong') return false;
      this.pings.onPong(live, f);
      return true;
    });
    this.connects++;
    this.lastRefusal = null;
    // Before 'connected' is emitted: a waitConnected() caller reads status() at once (access.test.ts).
    this.handshakeRefusalSaid = false;

    this.log.info({ coordinator: this.coordinator, transport }, 'connected to the coordinator');
    this.emit('connected', { transport });
    void this.readLoop(live);
    this.flush();
    live.heartbeat = scheduleHeartbeats(first.heartbeatMs, () => this.heartbeat(live));
    return live;
  }

  private async acceptMembership(m: SignedMembership): Promise<void> {
    const check = await checkMembership(m, this.coordinator, this.peerId);
    if (!check.ok) throw new WarpdeskError('Unauthorized', `The coordinator sent an invalid membership record (${check.reason}).`);
    this.membership = m;
    this.store.setMeta('membership', JSON.stringify(m));
  }

  /** One heartbeat: the liveness check, a QUIC re-probe when on WebSockets, the ping, and a renewal when due. */
  private heartbeat(live: Live): void {
    if (live.ended) return;
    // A ping unanswered for three intervals means the coordinator is gone: redial (gotcha 7).
    if (this.pings.timedOut(live)) return;
    this.dialer.maybeReprobeQuic(live);
    this.pings.heartbeat(live);
    // Renew membership when less than a third of its life is left.
    const m = this.membership?.body;
    if (m && m.notAfter - Date.now() < (m.notAfter - m.issuedAt) / 3) live.channel.send({ t: 'renew' }).catch(() => undefined);
  }

  /** A QUIC dial we had given up on connected after all: if we are on WebSockets, move to QUIC now. */
  private lateQuic(): void {
    const live = this.live;
    if (this.stopped || !live || live.ended || live.transport !== 'ws') return;
    this.log.info('a late QUIC dial succeeded; moving the session from WebSockets to QUIC');
    this.redialNow = true;
    live.end('moving to QUIC');
  }

  /** Sends a ping now and resolves with its round trip (ms). For benchmarks and the UI. */
  async ping(timeoutMs = 5_000): Promise<number> {
    const live = this.live;
    if (!live || live.ended) throw new WarpdeskError('Unavailable', 'Not connected.');
    return this.pings.ping(live, timeoutMs);
  }

  /** Sends outbox records not yet in flight, up to the window (backpressure: the window bounds memory). */
  private flush(): void {
    const live = this.live;
    if (!live || live.ended) return;
    flushOutbox(live, this.store, this.privateKey, this.opts.outboxWindow ?? 64);
  }

  private async readLoop(live: Live): Promise<void> {
    try {
      while (!live.ended) {
        const frame = await live.channel.read();
        await this.onFrame(live, frame);
      }
    } catch (err) {
      const code = err instanceof FrameError ? err.frameCode : 'Internal';
      if (code !== 'Closed') {
        swarmMetrics.frameErrorsTotal.inc({ code });
        await live.channel.fail({ t: 'error', code, message: (err as Error).message.slice(0, 500) });
      }
      live.end(`stream ended: ${(err as Error).message}`);
    }
  }

  private async onFrame(live: Live, frame: Frame): Promise<void> {
    switch (frame.t) {
      case 'pong':
        this.pings.onPong(live, frame);
        break;
      case 'ack':
        for (const id of frame.ids) {
          if (id.startsWith('rotation:') && this.pendingRotation) {
            this.rotationReady = true;
            this.emit('rotation-acked', id.slice(9));
          }
          live.inflight.delete(id);
        }
        this.store.acked(frame.ids);
        swarmMetrics.outboxPending.set(this.store.pendingCount());
        this.emit('acked', frame.ids);
        this.flush();
        break;
      case 'shared':
        await this.inbox.deliver(frame.seq, frame.origin, frame.record, 'catch-up');
        break;
      case 'task':
        void runSearchTask(live, frame, this.opts.executor);
        break;
      case 'sweepTask':
        void runSweepTask(live, frame, this.opts.sweepExecutor);
        break;
      case 'welcome':
        await this.acceptMembership(frame.membership);
        break;
      case 'coordinatorRotated': {
        const body = await checkRotation(frame.statement, this.coordinator);
        if (!body) throw new FrameError('BadFrame', 'The coordinator’s rotation statement does not verify.');
        this.adoptCoordinator(body.next);
        break;
      }
      case 'refused':
        this.lastRefusal = { code: frame.code, message: frame.message };
        this.log.error({ code: frame.code, message: frame.message }, 'the coordinator closed this session');
        this.emit('refused', this.lastRefusal);
        live.end(`refused: ${frame.code}`);
        break;
      case 'error':
        this.log.warn({ code: frame.code, message: frame.message }, 'the coordinator reported a protocol error');
        if (frame.code === 'BadSignature') this.emit('share-refused', { message: frame.message });
        break;
      default:
        throw new FrameError('BadFrame', `A coordinator may not send ${frame.t} frames.`);
    }
  }

  /**
   * Rotates this agent's key: the new key is announced in a statement signed by the old key; once the
   * coordinator acks, the new identity is stored and the agent reconnects with it. Resolves with the new PeerId.
   */
  async rotateKey(timeoutMs = 15_000): Promise<string> {
    const live = this.live;
    if (!live || live.ended) throw new WarpdeskError('Unavailable', 'Rotate the key while connected to the coordinator.');
    const { keys, peerId } = await loadStack();
    const next = await keys.generateKeyPair('Ed25519');
    const nextId = peerId.peerIdFromPrivateKey(next).toString();
    const acked = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new WarpdeskError('Unavailable', 'The coordinator did not confirm the key rotation.')), timeoutMs);
      const on = (id: string) => {
        if (id !== nextId) return;
        clearTimeout(timer);
        this.off('rotation-acked', on);
        resolve();
      };
      this.on('rotation-acked', on);
    });
    this.pendingRotation = next;
    this.rotationReady = false;
    const reconnected = new Promise<void>((resolve) => this.once('connected', () => resolve()));
    try {
      await live.channel.send({ t: 'rotate', statement: await signRotation(this.privateKey, this.peerId, nextId) });
      await acked;
    } catch (err) {
      this.pendingRotation = null;
      throw err;
    }
    live.end('key rotated');
    await reconnected;
    return nextId;
  }

  private async finishRotation(): Promise<void> {
    const next = this.pendingRotation!;
    this.pendingRotation = null;
    this.rotationReady = false;
    if (this.opts.dataDir && !this.opts.privateKey) await replaceIdentity(this.opts.dataDir, 'agent', next, this.opts.box ?? fileSecretBox(this.opts.dataDir));
    await this.node.stop();
    this.privateKey = next;
    this.membership = null;
    this.store.setMeta('membership', 'null');
    await this.startNode();
  }

  /** Graceful leave: tells the coordinator, then closes. Outbox records not acked stay for next time. */
  async stop(options: { graceful?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    const live = this.live;
    if (live && !live.ended && options.graceful !== false) {
      // Leave, then give the coordinator up to a second to close the stream (so it reads the leave first).
      await live.channel.send({ t: 'leave', reason: 'agent stopping' }).catch(() => undefined);
      await Promise.race([live.endedPromise, new Promise((r) => setTimeout(r, 1000))]);
    }
    live?.end('stopping');
    await Promise.resolve(this.node.stop()).catch(() => undefined);
    await this.loop?.catch(() => undefined);
    this.store.close();
  }
}
