/**
 * An agent's side of liveness: one ping per heartbeat interval on the command stream (carrying the last round
 * trip and the catch-up cursor), the pong's round trip, ping() for benchmarks and the UI, and the heartbeat
 * schedule. The schedule keeps the old semantics (a ping at once on connecting, then one per interval, never
 * more than one interval apart) but starts the periodic pings at a random phase within the first interval,
 * so agents that connect together (a restart, a batch) do not heartbeat in step for the rest of their session.
 * Must never let a ping go unanswered for three intervals without ending the session (TOOLCHAIN gotcha 7).
 */
import { WarpdeskError } from '../../shared/errors';
import type { Live } from './agent-session';
import type { FrameOf } from './protocol';

/** The delay before the first periodic heartbeat: uniform in [0, intervalMs) (`rand` in [0, 1)). */
export function heartbeatPhaseMs(intervalMs: number, rand: () => number = Math.random): number {
  const r = rand();
  return Math.min(intervalMs - 1, Math.max(0, Math.floor(r * intervalMs)));
}

/**
 * Runs `beat` now, then after heartbeatPhaseMs(), then every `intervalMs`; `stop()` ends it. The gap between two
 * beats is never more than `intervalMs` (the first one is the phase).
 */
export function scheduleHeartbeats(intervalMs: number, beat: () => void, rand: () => number = Math.random): { stop(): void } {
  let interval: NodeJS.Timeout | undefined;
  let stopped = false;
  const phase = setTimeout(
    () => {
      if (stopped) return;
      beat();
      interval = setInterval(beat, intervalMs);
    },
    heartbeatPhaseMs(intervalMs, rand),
  );
  beat();
  return {
    stop() {
      stopped = true;
      clearTimeout(phase);
      if (interval) clearInterval(interval);
    },
  };
}

export interface PingContext {
  heartbeatMs: number;
  /** The agent's catch-up cursor (sent with each heartbeat). */
  cursor(): number;
  /** Called with each round trip (heartbeat or ping()). */
  onRtt(rttMs: number): void;
}

/** Pings in flight and their pongs; the last round trip. */
export class PingBook {
  rttMs: number | null = null;
  private pingId = 0;
  /** ping()'s callers waiting for their pong, by ping id (a map, not one EventEmitter event name per ping). */
  private readonly pongWaiters = new Map<number, (rttMs: number) => void>();

  constructor(private readonly ctx: PingContext) {}

  /** The liveness check: true (and the session ended) when a ping has been unanswered for three intervals. */
  timedOut(live: Live, now = performance.now()): boolean {
    for (const sent of live.pings.values()) {
      if (now - sent > this.ctx.heartbeatMs * 3) {
        live.end('heartbeat timeout');
        return true;
      }
    }
    return false;
  }

  /** Sends one heartbeat ping (synchronously in the common case, FrameChannel.trySendHot). */
  heartbeat(live: Live): void {
    const now = performance.now();
    const id = ++this.pingId;
    live.pings.set(id, now);
    const ping = { t: 'ping' as const, id, sentAt: now, lastRttMs: this.rttMs ?? undefined, cursor: this.ctx.cursor() };
    if (!live.channel.trySendHot(ping)) live.channel.send(ping).catch(() => live.end('write failed'));
  }

  /** Sends a ping now and resolves with its round trip (ms). */
  async ping(live: Live, timeoutMs: number): Promise<number> {
    const id = ++this.pingId;
    const t0 = performance.now();
    live.pings.set(id, t0);
    const answered = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pongWaiters.delete(id);
        reject(new WarpdeskError('Unavailable', 'No pong in time.'));
      }, timeoutMs);
      this.pongWaiters.set(id, (rtt) => {
        clearTimeout(timer);
        resolve(rtt);
      });
    });
    if (!live.channel.trySendHot({ t: 'ping', id, sentAt: t0 })) await live.channel.send({ t: 'ping', id, sentAt: t0 });
    return answered;
  }

  /** A pong: the round trip of its ping (heartbeat or ping()); also called inside the message event (setHotHandler). */
  onPong(live: Live, frame: FrameOf<'pong'>): void {
    const sent = live.pings.get(frame.id);
    live.pings.delete(frame.id);
    if (sent === undefined) return;
    const rtt = performance.now() - sent;
    this.rttMs = rtt;
    live.rttHist.observe(rtt);
    const waiter = this.pongWaiters.get(frame.id);
    if (waiter) {
      this.pongWaiters.delete(frame.id);
      waiter(rtt);
    }
    this.ctx.onRtt(rtt);
  }
}
