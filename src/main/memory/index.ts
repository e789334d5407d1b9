/**
 * Warpdesk's pattern memory: the ReasoningBank loop (record -> retrieve -> judge -> adapt -> distill ->
 * consolidate) over one encrypted, hash-chained SQLite database per workspace (`<dataDir>/memory.sqlite`).
 * The app, the backtester and the swarm agent all use it through this module only.
 *
 *   const memory = await openMemory({ dataDir, keyProvider, agentId });
 *   const exp = memory.recordExperience({ patternType, dataset, timeframe, query, matches, signal, confidence, horizon, at });
 *   const verdict = memory.settle(exp.id, { realizedReturn, mae, timeToTarget });   // or recordOutcome + judge
 *   const { items } = memory.retrieve({ query, k: 10, patternType });
 *   memory.threshold(patternType).similarityThreshold; memory.trajectory(patternType);
 *   memory.distill(); memory.consolidate(); memory.verifyChain(); await memory.rotateKey();
 *   memory.importRemoteExperience(memory.exportExperience(id));   // swarm gossip, deduplicated by id
 *   memory.close();
 *
 * Everything but openMemory and rotateKey is synchronous (better-sqlite3); a record call is one
 * transaction. Errors are WarpdeskError with codes InvalidInput, InvalidDimensions, NonFinite, NotFound,
 * Conflict (a second outcome or verdict), WrongKey, Unavailable (closed, read-only, newer schema).
 * Formulas: ./README.md. Design: docs/adr/0004-pattern-memory.md.
 * Must never: import Electron (the app plugs safeStorage in through KeyProvider / KeyringProtection).
 */
import { consolidate } from './consolidate';
import { distill } from './distill';
import { defaultKeyProvider } from './keys';
import { MemoryStore, openMemoryStore, openScratchMemoryStore, type OpenMemoryOptions } from './store';
import type {
  ChainCheckpoint,
  ChainReport,
  ConsolidateOptions,
  ConsolidateReport,
  DistillOptions,
  DistillReport,
  Experience,
  ExperienceInput,
  ExperienceSummary,
  MemoryStats,
  Outcome,
  OutcomeInput,
  PortableExperience,
  RetrieveOptions,
  RetrieveResult,
  RotationReport,
  ThresholdInfo,
  TrajectoryPoint,
  Verdict,
} from './types';

export * from './types';
export { defaultKeyProvider, envKeyProvider, fileKeyProvider, generateKey, keyIdOf, staticKeyProvider, KEY_ENV, KEY_FILE, PREVIOUS_KEY_ENV, type KeyProvider, type KeyringProtection, type MemoryKey } from './keys';
export { MEMORY_FILE, type OpenMemoryOptions, type MemoryEngine } from './store';
export { judgeOutcome, QUALITY_WEIGHTS } from './judge';
export { DEFAULT_ADAPT, calibratedFrom, calibratedLowerFrom, type AdaptConfig } from './adapt';
export { similarityFromDistance } from '../../shared/numerics';
export { thresholdSummary, rankedSummaries } from './summaries';

export interface Memory {
  /** The agent recording here (given, or made once per workspace). */
  readonly agentId: string;
  readonly file: string;
  recordExperience(input: ExperienceInput): Experience;
  /** Several experiences in one transaction (backtests, bulk import). */
  recordExperiences(inputs: ExperienceInput[]): Experience[];
  getExperience(id: string): Experience;
  listExperiences(options?: { patternType?: string; limit?: number; before?: number }): ExperienceSummary[];
  /** Ids of local experiences still waiting for an outcome, oldest first. */
  pending(options?: { dataset?: string; limit?: number }): string[];
  /** Stores the realized outcome once; `judge` turns it into a verdict. */
  recordOutcome(experienceId: string, outcome: OutcomeInput): Outcome;
  /** Verdict from the recorded outcome (once), chained, and the thresholds of the pattern type adapt. */
  judge(experienceId: string): Verdict;
  /** recordOutcome + judge in one transaction. */
  settle(experienceId: string, outcome: OutcomeInput): Verdict;
  getVerdict(experienceId: string): Verdict | null;
  retrieve(options: RetrieveOptions): RetrieveResult;
  threshold(patternType: string): ThresholdInfo;
  thresholds(): ThresholdInfo[];
  /** Calibrated probability of success for a stated confidence. */
  calibrate(patternType: string, confidence: number): number;
  trajectory(patternType?: string, options?: { limit?: number }): TrajectoryPoint[];
  distill(options?: DistillOptions): DistillReport;
  consolidate(options?: ConsolidateOptions): ConsolidateReport;
  /** Recomputes the chain; with `receipts`, also fails when a receipted head is no longer in it (ADR 0013). */
  verifyChain(options?: { receipts?: readonly ChainCheckpoint[] }): ChainReport;
  rotateKey(options?: { batchSize?: number; onProgress?: (done: number) => void }): Promise<RotationReport>;
  exportExperience(id: string): PortableExperience;
  importRemoteExperience(exp: PortableExperience): { imported: boolean; verdictImported: boolean };
  stats(): MemoryStats;
  /** Runs fn in one transaction: the records it makes commit together (or not at all). */
  batch<T>(fn: () => T): T;
  /** Copies the write-ahead log into the database and empties it now (otherwise done when idle; ADR 0004). */
  checkpoint(): { walPages: number; checkpointed: number };
  close(): void;
}

/** Opens (creating on first use) the memory of a workspace. */
export async function openMemory(options: OpenMemoryOptions): Promise<Memory> {
  const store = await openMemoryStore(options, defaultKeyProvider);
  return wrap(store);
}

/**
 * A throw-away memory held in RAM (random in-process key), opened synchronously: what backtests learn in.
 * `remove()` closes it.
 */
export function openScratchMemory(): Memory & { remove(): void } {
  const scratch = openScratchMemoryStore();
  return { ...wrap(scratch.store), remove: () => scratch.remove() };
}

function wrap(s: MemoryStore): Memory {
  return {
    agentId: s.agentId,
    file: s.file,
    recordExperience: (i) => s.recordExperience(i),
    recordExperiences: (i) => s.recordExperiences(i),
    getExperience: (id) => s.getExperience(id),
    listExperiences: (o) => s.listExperiences(o),
    pending: (o) => s.pending(o),
    recordOutcome: (id, o) => s.recordOutcome(id, o),
    judge: (id) => s.judge(id),
    settle: (id, o) => s.settle(id, o),
    getVerdict: (id) => s.getVerdict(id),
    retrieve: (o) => s.retrieve(o),
    threshold: (t) => s.threshold(t),
    thresholds: () => s.thresholds(),
    calibrate: (t, c) => s.calibrate(t, c),
    trajectory: (t, o) => s.trajectory(t, o),
    distill: (o) => distill(s, o),
    consolidate: (o) => consolidate(s, o),
    verifyChain: (o) => s.verifyChain(o),
    rotateKey: (o) => s.rotateKey(o),
    exportExperience: (id) => s.exportExperience(id),
    importRemoteExperience: (e) => s.importRemoteExperience(e),
    stats: () => s.stats(),
    checkpoint: () => s.checkpoint('TRUNCATE'),
    batch: (fn) => s.batch(fn),
    close: () => s.close(),
  };
}
