/**
 * An agent's live session with its coordinator (one connection, one command stream), shared by the agent's
 * parts: agent.ts (lifecycle, handshake, frames), agent-heartbeat.ts (pings), agent-share.ts (outbox),
 * agent-tasks.ts (shards). Types only. Must never import the other agent files (they import this one).
 */
import type { Connection } from '@libp2p/interface';
import type { FrameChannel } from './protocol';

export interface Live {
  conn: Connection;
  channel: FrameChannel;
  transport: 'quic' | 'ws' | 'other';
  inflight: Set<string>;
  /** performance.now() at which each unanswered ping (heartbeat or ping()) left, by ping id. */
  pings: Map<number, number>;
  /** The rtt histogram's child for this transport (no label hashing per pong). */
  rttHist: { observe(v: number): void };
  /** The heartbeat schedule (agent-heartbeat.ts), stopped when the session ends. */
  heartbeat?: { stop(): void };
  ended: boolean;
  endedPromise: Promise<void>;
  end: (why: string) => void;
}
