/**
 * Adapter between the swarm and the pattern memory (src/main/memory): an ExperienceSink that imports
 * shared experiences/verdicts into the agent's memory (deduplicated by the memory as well, content hash
 * checked), and `shareExperience` which puts a memory experience (with its verdict, once judged) into the
 * agent's outbox. Swarm record ids are `exp:<id>` and `verdict:<id>`, so an experience and its later verdict
 * travel as two records, each delivered once.
 * Must never import a record that fails the memory's validation (it logs and drops it instead).
 */
import type { Memory, PortableExperience } from '../memory';
import type { SharedRecord } from './protocol';
import type { ExperienceSink } from './sink';

export type MemoryLike = Pick<Memory, 'importRemoteExperience' | 'exportExperience'>;

export function memorySink(memory: MemoryLike, onError: (id: string, err: unknown) => void = () => undefined): ExperienceSink {
  return {
    accept(record: SharedRecord) {
      if (record.kind !== 'experience' && record.kind !== 'verdict') return;
      try {
        memory.importRemoteExperience(record.payload as unknown as PortableExperience);
      } catch (err) {
        onError(record.id, err);
      }
    },
  };
}

/** The swarm record for a memory experience (a verdict record when the experience is judged). */
export function experienceRecord(memory: MemoryLike, experienceId: string, now = Date.now()): SharedRecord {
  const portable = memory.exportExperience(experienceId);
  const judged = portable.verdict !== undefined;
  return {
    id: `${judged ? 'verdict' : 'exp'}:${experienceId}`,
    kind: judged ? 'verdict' : 'experience',
    createdAt: now,
    payload: portable as unknown as Record<string, unknown>,
  };
}

/** Queues a memory experience for the swarm on `agent` (durable outbox; delivered once). */
export function shareExperience(agent: { record(r: SharedRecord): boolean }, memory: MemoryLike, experienceId: string): boolean {
  return agent.record(experienceRecord(memory, experienceId));
}
