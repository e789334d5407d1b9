/**
 * The coordinator's per-agent state shared by its parts (coordinator.ts streams and sessions, coordinator-tasks.ts
 * shards, coordinator-heartbeat.ts liveness, coordinator-share.ts records): one Session per live agent, and a
 * sharded task's state. Types only. Must never import the other coordinator files (they import this one).
 */
import type { Connection } from '@libp2p/interface';
import type { FrameChannel, Frame, OutFrame } from './protocol';

export interface AgentInfo {
  peerId: string;
  agentType: string;
  transport: 'quic' | 'ws' | 'other';
  rttMs: number | null;
  lastSeen: number;
  connectedAt: number;
  busy: string | null;
}

export interface Session {
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

/** A sharded task of any kind: how to build a shard's frame, take its answer, and merge. */
export interface TaskState {
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
