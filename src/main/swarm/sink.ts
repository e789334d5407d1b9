/**
 * Where shared experiences land on an agent. The swarm deduplicates by record id (agent.db `received`)
 * before calling the sink, so a sink sees each id once per workspace. The memory module's adapter lives in
 * `memory-sink.ts`; tests and the bench use the default (records stay in agent.db only).
 * Must never throw for a record it does not understand: ignore it and return.
 */
import type { SharedRecord } from './protocol';

export interface ExperienceMeta {
  /** PeerId the record is attributed to (the coordinator attests it from the origin's connection). */
  origin: string;
  seq: number | null;
  path: 'gossip' | 'catch-up';
}

export interface ExperienceSink {
  accept(record: SharedRecord, meta: ExperienceMeta): void | Promise<void>;
}

export const noopSink: ExperienceSink = { accept: () => undefined };
