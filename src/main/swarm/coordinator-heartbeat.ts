/**
 * The coordinator's side of liveness: an agent's heartbeat (a ping frame) is answered with a pong, inside the
 * stream's message event when nothing stands in the way (FrameChannel.setHotHandler: the pong leaves before
 * the transport's next read), else by the session's reader; its arrival feeds swarm_heartbeat_delay_ms, the
 * agent's last round trip feeds swarm_rtt_ms, and a cursor behind the coordinator's triggers the gap fill.
 * Per heartbeat: no SQLite, no logging, no label hashing (bound histogram children).
 * Must never answer a ping whose agent needs a gap fill on the synchronous path (the reader does the check).
 */
import type { Session } from './coordinator-session';
import type { RecordRelay } from './coordinator-share';
import type { FrameOf } from './protocol';

/** Diagnostics: called per heartbeat with the time from its frame's dispatch to its pong written (ms), and the path. */
export type HeartbeatTiming = (serviceMs: number, path: 'hot' | 'read') => void;

export class HeartbeatDesk {
  constructor(
    private readonly heartbeatMs: number,
    private readonly relay: RecordRelay,
    private readonly timing?: HeartbeatTiming,
  ) {}

  /**
   * A heartbeat answered inside the stream's message event: false (left to `answer` through the reader) when
   * the agent's cursor asks for a gap fill or the pong would have to wait for a drain.
   */
  hot(s: Session, frame: FrameOf<'ping'> | FrameOf<'pong'>): boolean {
    if (frame.t !== 'ping' || s.ended) return false;
    if (this.relay.behind(s, frame.cursor)) return false;
    const t0 = this.timing ? performance.now() : 0;
    if (!s.channel.trySendHot({ t: 'pong', id: frame.id, sentAt: frame.sentAt })) return false;
    this.arrived(s, frame);
    if (this.timing) this.timing(performance.now() - t0, 'hot');
    return true;
  }

  /** A heartbeat read by the session's reader: pong (waits for the stream's drain), then the gap check. */
  async answer(s: Session, frame: FrameOf<'ping'>): Promise<void> {
    const t0 = this.timing ? performance.now() : 0;
    this.arrived(s, frame);
    await s.channel.send({ t: 'pong', id: frame.id, sentAt: frame.sentAt });
    if (this.timing) this.timing(performance.now() - t0, 'read');
    this.relay.gapFill(s, frame.cursor);
  }

  /** swarm_heartbeat_delay_ms: how much later than one interval after the previous heartbeat this one came. */
  private arrived(s: Session, frame: FrameOf<'ping'>): void {
    const at = performance.now();
    s.lastSeen = Date.now();
    if (s.lastPingAt !== undefined) s.delayHist.observe(Math.max(0, at - s.lastPingAt - this.heartbeatMs));
    s.lastPingAt = at;
    if (frame.lastRttMs !== undefined) {
      s.rttMs = frame.lastRttMs;
      s.rttHist.observe(frame.lastRttMs);
    }
  }
}
