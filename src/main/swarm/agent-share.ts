/**
 * What an agent shares and receives: its outbox (agent.db) goes out in a bounded window, each record signed
 * with the agent's identity key as it leaves and dropped only when the coordinator acks its id; records from
 * the swarm (gossip live, stream catch-up) land in the ExperienceSink once per id, after their origin's
 * signature verifies, and advance the contiguous catch-up cursor.
 * Must never hand the sink a record its origin did not sign and never drop an outbox record before its ack.
 */
import type { PrivateKey } from '@libp2p/interface';
import { swarmMetrics, type Logger } from '../metrics';
import type { Live } from './agent-session';
import type { SharedRecord } from './protocol';
import { signRecord, verifyRecord } from './record-signature';
import type { ExperienceSink } from './sink';
import type { AgentStore } from './store';

/** Sends outbox records not yet in flight, up to `window` (backpressure: the window bounds memory). */
export function flushOutbox(live: Live, store: AgentStore, privateKey: PrivateKey, window: number): void {
  if (live.inflight.size >= window) return;
  for (const record of store.pending(window + live.inflight.size)) {
    if (live.inflight.size >= window) break;
    if (live.inflight.has(record.id)) continue;
    live.inflight.add(record.id);
    signRecord(privateKey, record)
      .then((signed) => live.channel.send({ t: 'share', record: signed }))
      .catch(() => live.inflight.delete(record.id));
  }
}

/** Where received records land. */
export class Inbox {
  /** Seqs received above the contiguous cursor (gossip can arrive out of order). */
  private readonly aboveCursor = new Set<number>();

  constructor(
    private readonly store: AgentStore,
    private readonly sink: ExperienceSink,
    private readonly log: Logger,
    /** This agent's PeerId now (its own records need no check). */
    private readonly self: () => string,
    private readonly emit: (event: string, payload: unknown) => void,
  ) {}

  /**
   * Lands a record once per id (dedup in agent.db) when its origin's signature verifies (else it is refused:
   * logged, `record-refused` emitted, never handed to the sink), and advances the contiguous catch-up cursor.
   */
  async deliver(seq: number, origin: string, record: SharedRecord, path: 'gossip' | 'catch-up'): Promise<void> {
    const check = origin === this.self() ? null : await verifyRecord(record, origin);
    if (check && !check.ok) {
      this.log.warn({ id: record.id, origin, seq, path, reason: check.reason }, 'refused a shared record whose signature does not verify against its origin');
      this.emit('record-refused', { id: record.id, origin, seq, path, reason: check.reason });
    } else if (check && this.store.markReceived(record.id, seq, origin, record, path)) {
      swarmMetrics.experiencesReceivedTotal.inc({ path });
      const age = Date.now() - record.createdAt;
      if (age >= 0 && age < 3_600_000) swarmMetrics.agentdbSyncLatencyMs.observe(age);
      try {
        await this.sink.accept(record, { origin, seq, path });
      } catch (err) {
        this.log.warn({ id: record.id, err: (err as Error).message }, 'the experience sink failed');
      }
      this.emit('shared', { seq, origin, record, path });
    }
    const cursor = this.store.cursor();
    if (seq <= cursor) return;
    if (path === 'catch-up' || seq === cursor + 1) {
      let next = seq;
      while (this.aboveCursor.delete(next + 1)) next++;
      this.store.advanceCursor(next);
    } else if (this.aboveCursor.size < 10_000) {
      this.aboveCursor.add(seq);
    }
  }
}
