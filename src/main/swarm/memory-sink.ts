/**
 * Adapter between the swarm and the pattern memory (src/main/memory): an ExperienceSink that imports
 * shared experiences/verdicts into the agent's memory (deduplicated by the memory as well, content hash
 * checked; the agent has already checked the origin's signature), `shareExperience` which puts a memory
 * experience (with its verdict, once judged) into the agent's outbox, and `judgedSharer`, the learning loop's
 * onJudged hook for an agent. Swarm record ids are `exp:<id>` and `verdict:<id>`, so an experience and its
 * later verdict travel as two records, each delivered once.
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

/** Where judged experiences go: the running agent, or null when there is none (then sharing is a no-op). */
export type RecordTarget = () => { record(r: SharedRecord): boolean } | null;

export interface JudgedSharer {
  /** Notes a judged experience for the swarm (the learning loop's onJudged hook); cheap, never throws. */
  share(memory: MemoryLike, experienceId: string): void;
  /** Queues what was noted now (normally done on the next turn of the event loop). Returns how many were new. */
  flush(): number;
}

/**
 * Shares experiences as they are judged. The loop calls `share` from inside its transaction (a learn commits
 * decisions in slices), so ids are only noted there and exported on the next turn of the event loop, once the
 * slice committed: a verdict rolled back with its slice is never shared. Only judged experiences go out (as
 * `verdict:<id>`, experience and verdict in one record); the outbox and the coordinator deduplicate by id.
 */
export function judgedSharer(target: RecordTarget, onError: (id: string, err: unknown) => void = () => undefined): JudgedSharer {
  let noted: Array<{ memory: MemoryLike; id: string }> = [];
  let scheduled = false;
  const flush = (): number => {
    scheduled = false;
    const batch = noted;
    noted = [];
    const agent = target();
    if (!agent) return 0;
    let added = 0;
    for (const { memory, id } of batch) {
      try {
        const record = experienceRecord(memory, id);
        if (record.kind !== 'verdict') continue;
        if (agent.record(record)) added++;
      } catch (err) {
        onError(id, err);
      }
    }
    return added;
  };
  return {
    share(memory, experienceId) {
      if (!target()) return;
      noted.push({ memory, id: experienceId });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
