/**
 * How an agent reaches its coordinator: QUIC first within a short budget, then WebSockets (TOOLCHAIN swarm
 * gotcha 3: a QUIC dial ignores abort, so a stuck one is left to finish and a late success moves the session to
 * QUIC), a QUIC re-probe now and then while on WebSockets, and the jittered exponential backoff between attempts.
 * Must never dial anything but the configured addresses (the gater and the handshake check the PeerId).
 */
import type { Connection } from '@libp2p/interface';
import { WarpdeskError } from '../../shared/errors';
import type { Logger } from '../metrics';
import type { Live } from './agent-session';
import type { SwarmLibp2p } from './node';
import { loadStack } from './stack';

export interface DialOptions {
  join: string[];
  transports?: Array<'quic' | 'ws'>;
  quicTimeoutMs?: number;
  quicReprobeMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export interface DialHooks {
  /** The agent's current libp2p node (it changes on a key rotation). */
  node(): SwarmLibp2p;
  /** The coordinator's current PeerId. */
  coordinator(): string;
  /** True when `conn` carries the live session (a late dial must not close it). */
  isCurrent(conn: Connection): boolean;
  /** A QUIC dial given up on connected after all. */
  lateQuic(): void;
  /** A re-probe found QUIC answering: end `live` and redial at once. */
  moveToQuic(live: Live): void;
}

/** Jittered exponential backoff (ms) before redial attempt `attempt`; the maximum for a permanent refusal. */
export function backoffMs(attempt: number, permanent: boolean, baseMs = 200, maxMs = 5_000, rand: () => number = Math.random): number {
  const cap = permanent ? maxMs : Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(cap * (0.5 + rand() * 0.5));
}

export class Dialer {
  private quicDialing: Promise<void> | null = null;
  private probing = false;
  private lastProbeAt = 0;

  constructor(
    private readonly opts: DialOptions,
    private readonly hooks: DialHooks,
    private readonly log: Logger,
  ) {}

  /** QUIC first within the budget, then WebSockets. */
  async dial(): Promise<Connection> {
    const { multiaddr } = await loadStack();
    const order = this.opts.transports ?? ['quic', 'ws'];
    const byKind = (k: 'quic' | 'ws') => this.opts.join.filter((a) => (k === 'quic' ? a.includes('/quic-v1') : /\/wss?\//.test(a + '/')));
    const errors: string[] = [];
    for (const kind of order) {
      for (const addr of byKind(kind)) {
        const budget = kind === 'quic' ? (this.opts.quicTimeoutMs ?? 1_500) : 10_000;
        const ac = new AbortController();
        // Dial without the /p2p/ suffix: libp2p joins every dial to the same peer into one job, so a stuck
        // QUIC dial would swallow the WebSocket fallback. The gater (denyOutboundEncryptedConnection) and the
        // check below still insist that the remote end is the coordinator.
        const bare = addr.replace(/\/p2p\/[^/]+$/, '');
        if (kind === 'quic' && this.quicDialing) {
          // An earlier QUIC dial is still stuck (it ignores abort); a new one would only join it. Go on to
          // WebSockets now; if the stuck one connects later, the session moves to QUIC (lateQuic).
          errors.push('quic: an earlier dial is still pending');
          continue;
        }
        const dialing = this.hooks.node().dial(multiaddr.multiaddr(bare), { signal: ac.signal });
        if (kind === 'quic') {
          const settled = dialing.then(
            () => undefined,
            () => undefined,
          );
          this.quicDialing = settled;
          void settled.then(() => {
            if (this.quicDialing === settled) this.quicDialing = null;
          });
        }
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            ac.abort();
            reject(new Error(`${kind} dial timed out after ${budget} ms`));
          }, budget);
        });
        try {
          const conn = await Promise.race([dialing, timeout]);
          return conn;
        } catch (err) {
          errors.push(`${kind}: ${(err as Error).message}`);
          // A late success after we moved on must not linger; a late QUIC success means QUIC works again.
          dialing
            .then((c) => {
              if (this.hooks.isCurrent(c)) return;
              void c.close().catch(() => undefined);
              if (kind === 'quic') this.hooks.lateQuic();
            })
            .catch(() => undefined);
        } finally {
          clearTimeout(timer);
        }
      }
    }
    const refusedAtHandshake = errors.some((e) => /closed|reset|EOF|gater|denied|refused/i.test(e));
    const err = new WarpdeskError(
      'Unavailable',
      `Could not connect to the coordinator (${errors.join('; ')})${refusedAtHandshake ? '; it may have refused this agent during the handshake (not allowed, revoked or expired)' : ''}.`,
    );
    throw Object.assign(err, { atHandshake: refusedAtHandshake });
  }

  /** On WebSockets with QUIC addresses configured: probe QUIC now and then; when it answers, move over. */
  maybeReprobeQuic(live: Live): void {
    const every = this.opts.quicReprobeMs ?? 60_000;
    if (every <= 0 || live.transport !== 'ws' || this.probing || Date.now() - this.lastProbeAt < every) return;
    if (this.opts.transports && !this.opts.transports.includes('quic')) return;
    const quicAddrs = this.opts.join.filter((a) => a.includes('/quic-v1'));
    if (quicAddrs.length === 0) return;
    this.probing = true;
    this.lastProbeAt = Date.now();
    void (async () => {
      try {
        const { multiaddr } = await loadStack();
        const budget = this.opts.quicTimeoutMs ?? 1_500;
        const dialing = this.hooks.node().dial(multiaddr.multiaddr(quicAddrs[0]!.replace(/\/p2p\/[^/]+$/, '')));
        dialing.then((c) => (this.hooks.isCurrent(c) ? undefined : c.close().catch(() => undefined))).catch(() => undefined);
        const conn = await Promise.race([dialing, new Promise<null>((r) => setTimeout(() => r(null), budget))]);
        if (!conn || live.ended || conn.remotePeer.toString() !== this.hooks.coordinator()) return;
        this.log.info('QUIC answers again; moving the session from WebSockets to QUIC');
        this.hooks.moveToQuic(live);
      } catch {
        /* still no QUIC; stay on WebSockets */
      } finally {
        this.probing = false;
      }
    })();
  }
}
