/**
 * How the coordinator relays shared records: a record an agent shares is checked against that agent's own
 * signature, stored once (coordinator.db) and acked, then broadcast on gossipsub; an agent that joins or
 * reports a gap (its heartbeat's cursor) gets the stored records after its cursor over its command stream.
 * Must never store or relay a record its origin did not sign, and never queue a catch-up without backpressure.
 */
import { swarmMetrics, type Logger } from '../metrics';
import type { Session } from './coordinator-session';
import { EXPERIENCE_TOPIC, PROTOCOL_VERSION, type FrameOf, type SharedRecord } from './protocol';
import { verifyRecord } from './record-signature';
import type { CoordinatorStore } from './store';

export interface RelayHooks {
  /** Publishes on a gossipsub topic of the coordinator's current node. */
  publish(topic: string, bytes: Uint8Array): Promise<unknown>;
  /** Coordinator events ('shared', 'record-refused'). */
  emit(event: string, payload: unknown): void;
}

export class RecordRelay {
  /** The highest record seq stored (in coordinator.db, by any run). */
  lastSeq: number;
  private readonly storedAtBySeq = new Map<number, number>();

  constructor(
    private readonly store: CoordinatorStore,
    private readonly log: Logger,
    private readonly hooks: RelayHooks,
    private readonly heartbeatMs: number,
  ) {
    this.lastSeq = store.maxSeq();
  }

  /** When a record was stored (this run; older records count as old). */
  private storedAt(seq: number): number {
    return this.storedAtBySeq.get(seq) ?? 0;
  }

  /** An agent's `share` frame: refused (error + ack) when its signature does not verify, else stored, acked and broadcast. */
  async onShare(s: Session, frame: FrameOf<'share'>): Promise<void> {
    // The record must carry this agent's own signature: what is stored and relayed stays verifiable by
    // every receiver. A refused record is acked too (the agent drops it from its outbox: signing it
    // again would not change the verdict) and named in an error frame; the session goes on.
    const check = await verifyRecord(frame.record, s.peerId);
    if (!check.ok) {
      this.log.warn({ peer: s.peerId, id: frame.record.id, reason: check.reason }, 'refused a shared record whose signature does not verify');
      this.hooks.emit('record-refused', { peerId: s.peerId, id: frame.record.id, reason: check.reason });
      await s.channel.send({
        t: 'error',
        code: 'BadSignature',
        message: `Record ${frame.record.id} refused: ${check.reason === 'unsigned' ? 'it is not signed' : 'its signature does not verify against this agent’s key'}.`,
      });
      await s.channel.send({ t: 'ack', ids: [frame.record.id] });
      return;
    }
    const { seq, inserted } = this.store.putShared(s.peerId, frame.record);
    await s.channel.send({ t: 'ack', ids: [frame.record.id] });
    if (inserted) this.broadcast(seq, s.peerId, frame.record);
  }

  /** Broadcasts a stored record on gossipsub (fire and forget; counted) and emits 'shared'. */
  broadcast(seq: number, origin: string, record: SharedRecord): void {
    this.lastSeq = Math.max(this.lastSeq, seq);
    this.storedAtBySeq.set(seq, Date.now());
    if (this.storedAtBySeq.size > 10_000) {
      for (const k of this.storedAtBySeq.keys()) {
        this.storedAtBySeq.delete(k);
        if (this.storedAtBySeq.size <= 5_000) break;
      }
    }
    const bytes = new TextEncoder().encode(JSON.stringify({ v: PROTOCOL_VERSION, seq, origin, record }));
    this.hooks.publish(EXPERIENCE_TOPIC, bytes).then(
      () => swarmMetrics.gossipPublishedTotal.inc({ result: 'ok' }),
      (err: unknown) => {
        swarmMetrics.gossipPublishedTotal.inc({ result: 'failed' });
        this.log.debug({ err: (err as Error).message }, 'gossip publish failed');
      },
    );
    this.hooks.emit('shared', { seq, origin, record });
  }

  /** True when an agent at `cursor` is missing records (its heartbeat must then go through the gap check). */
  behind(s: Session, cursor: number | undefined): boolean {
    return cursor !== undefined && cursor < this.lastSeq && !s.catchingUp;
  }

  /**
   * Gap fill: a record gossip did not deliver (e.g. published before the agent's subscription was known) is
   * sent over the stream once it is older than one heartbeat.
   */
  gapFill(s: Session, cursor: number | undefined): void {
    if (cursor === undefined || !this.behind(s, cursor)) return;
    const missing = this.store.sharedAfter(cursor, 1)[0];
    if (missing && Date.now() - this.storedAt(missing.seq) > this.heartbeatMs) void this.catchUp(s, cursor);
  }

  /** Sends every stored record after `cursor` (paged; each send waits for the stream: backpressure). */
  async catchUp(s: Session, cursor: number): Promise<void> {
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
}
