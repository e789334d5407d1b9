/**
 * Public types of the pattern memory (see ./index.ts for the API and ./README.md for the formulas).
 * Must never: import better-sqlite3, node:crypto or the engine (these types cross into the contract).
 */
import type { CalibrationBin } from './adapt';
import type { OutcomeInput, Signal, VerdictScores } from './judge';

export type { CalibrationBin } from './adapt';
export type { OutcomeInput, Signal, VerdictScores } from './judge';

export type Origin = 'local' | 'remote';

/** One match a search found for the query. Only `similarity` is required. */
export interface MatchInput {
  /** In [0, 1] (the engine's DTW similarity). */
  similarity: number;
  distance?: number;
  /** Bar index range of the match at the experience's timeframe. */
  start?: number;
  end?: number;
  startTime?: number;
  endTime?: number;
  /** What followed the match over the horizon (fraction); null when history ended first. */
  forwardReturn?: number | null;
  /** When the match is itself a stored experience or distilled pattern: its id. */
  ref?: string;
}

export type ContextValue = string | number | boolean | null;

export interface ExperienceInput {
  /** What kind of pattern this is, the unit thresholds adapt over (e.g. "analog:1h", "double-bottom"). */
  patternType: string;
  /** Data set the query came from (id or name). */
  dataset: string;
  timeframe: string;
  /** The query window's values (prices), at least 2, all finite. */
  query: ArrayLike<number>;
  /** Top matches with their similarities (at most 1,000). */
  matches: MatchInput[];
  signal: Signal;
  /** Stated confidence in [0, 1]. */
  confidence: number;
  /** Bars after the query over which the outcome is measured (integer >= 1). */
  horizon: number;
  /** Epoch ms of the decision (the query's last bar, or simulated time in a backtest); default now. */
  at?: number;
  /** Small free-form facts kept encrypted with the experience (query range, search request id...). */
  context?: Record<string, ContextValue>;
}

/** What every stored experience carries in the clear (listings, filters). */
export interface ExperienceFields {
  id: string;
  agentId: string;
  origin: Origin;
  patternType: string;
  dataset: string;
  timeframe: string;
  signal: Signal;
  confidence: number;
  /** Mean similarity of the matches (0 without matches): what thresholds adapt over. */
  similarity: number;
  horizon: number;
  at: number;
}

export interface Experience extends ExperienceFields {
  recordedAt: number;
  /** The query window as stored (dequantized from 8 bits: |error| <= scale / 2). */
  query: Float64Array;
  matches: MatchInput[];
  context: Record<string, ContextValue>;
}

export interface Outcome extends OutcomeInput {
  experienceId: string;
  recordedAt: number;
}

export interface Verdict extends VerdictScores {
  experienceId: string;
  origin: Origin;
  judgedAt: number;
  outcome: OutcomeInput;
}

/** A summary row for lists (no query values). */
export interface ExperienceSummary extends ExperienceFields {
  hasOutcome: boolean;
  verdict: { quality: number; profitability: number; risk: number; timing: number; consistency: number; success: boolean; judgedAt: number } | null;
  flags: Array<{ kind: 'duplicate' | 'contradiction' | 'pruned'; relatedId: string | null; detail: string }>;
}

export interface ThresholdInfo {
  patternType: string;
  /** Number of verdicts learned from. */
  version: number;
  similarityThreshold: number;
  /** Posterior mean success rate over all verdicts of the type. */
  successRate: number;
  calibration: CalibrationBin[];
  calibrationError: number;
  updatedAt: number | null;
}

/** One step of the learning trajectory: a verdict and the thresholds right after it. */
export interface TrajectoryPoint {
  patternType: string;
  version: number;
  experienceId: string;
  quality: number;
  similarityThreshold: number;
  successRate: number;
  calibrationError: number;
  at: number;
}

export interface RetrieveOptions {
  query: ArrayLike<number>;
  /** How many to return (1..100, default 10). */
  k?: number;
  patternType?: string;
  dataset?: string;
  timeframe?: string;
  /** Sakoe-Chiba window as a fraction of the query length (default 0.1); or `window` in samples. */
  windowRatio?: number;
  window?: number;
  /** MMR trade-off: 1 = score only, 0 = diversity only (default 0.7). */
  lambda?: number;
  /** MMR re-ranks the exact top k x poolFactor by score (default 4). */
  poolFactor?: number;
  /** Epoch ms recency is measured from (default now; a backtest passes its simulated time). */
  now?: number;
  /** Recency half-life (default 90 days) and floor (default 0.5). */
  halfLifeMs?: number;
  recencyFloor?: number;
  /** Search the experiences (default) or the distilled patterns. */
  source?: 'experiences' | 'distilled';
  excludeIds?: string[];
}

export interface RetrievedItem {
  id: string;
  source: 'experience' | 'distilled';
  rank: number;
  score: number;
  similarity: number;
  distance: number;
  recency: number;
  reliability: number;
  /** MMR value when picked, and the highest similarity to an earlier pick. */
  mmr: number;
  redundancy: number;
  at: number;
  patternType: string;
  /** Experiences only. */
  dataset?: string;
  timeframe?: string;
  signal?: Signal;
  confidence?: number;
  verdict?: { quality: number; success: boolean } | null;
  flags?: string[];
  /** Distilled patterns only. */
  members?: number;
  stats?: DistilledStats;
}

export interface RetrieveResult {
  items: RetrievedItem[];
  stats: { rows: number; lowerBounded: number; dtwComputed: number; pool: number; window: number; elapsedMs: number };
}

export interface DistilledStats {
  members: number;
  judged: number;
  meanQuality: number | null;
  successRate: number | null;
  longShare: number;
  shortShare: number;
  flatShare: number;
}

export interface DistillOptions {
  /** Target experiences per distilled pattern (default 10). */
  ratio?: number;
  /** DBA refinement passes per cluster (default 2). */
  iterations?: number;
  windowRatio?: number;
  /** Measure the recall lost: sample queries from memory, compare top-k (default 50 queries, k = 10; 0 to skip). */
  evaluateQueries?: number;
  k?: number;
  seed?: number;
}

export interface DistillReport {
  generation: number;
  experiences: number;
  distilled: number;
  ratio: number;
  /** Share of the full memory's exact top-k covered by the members of the distilled top-k (null when skipped). */
  recallAtK: number | null;
  recallLost: number | null;
  k: number;
  queries: number;
  elapsedMs: number;
  evaluateMs: number;
}

export interface ConsolidateOptions {
  now?: number;
  /** Similarity at or above which two judged experiences with opposite outcomes contradict (default 0.9). */
  contradictionSimilarity?: number;
  /** Returns smaller than this (absolute) count as "no move" and never contradict (default 0.001). */
  minMove?: number;
  /** Judged experiences below this quality and older than pruneAfterMs are pruned (defaults 0.2, 365 days). */
  pruneBelowQuality?: number;
  pruneAfterMs?: number;
  /** Experiences never judged and older than this are pruned (default 730 days). */
  unjudgedAfterMs?: number;
  windowRatio?: number;
}

export interface ConsolidateReport {
  examined: number;
  duplicates: number;
  contradictions: number;
  pruned: number;
  /** Up to 100 flagged ids per kind, for display. */
  sample: { duplicates: string[]; contradictions: Array<[string, string]>; pruned: string[] };
  elapsedMs: number;
}

export type ChainBreakReason =
  | 'gap'
  | 'prev-mismatch'
  | 'missing-record'
  | 'content-mismatch'
  | 'undecryptable'
  | 'unchained-record'
  /** A receipted head is not the hash of that link now: the chain was rewritten (with the key) after the receipt. */
  | 'receipt-mismatch'
  /** A receipted head lies beyond the chain's end: its newest records were deleted. */
  | 'receipt-beyond-head';

/** A checkpoint of the chain head kept outside the workspace (its signature is checked by whoever holds it). */
export interface ChainCheckpoint {
  seq: number;
  head: string;
  at?: number;
  signer?: string;
}

export interface ChainReport {
  ok: boolean;
  links: number;
  head: { seq: number; hash: string } | null;
  /** The first broken link (by sequence; unchained records come after all links). */
  broken?: { seq: number | null; kind: 'experience' | 'verdict' | 'receipt'; recordId: string; reason: ChainBreakReason; message: string };
  /** When checkpoints were given: how many the chain was checked against and how many it still contains. */
  receipts?: { checked: number; matched: number };
  elapsedMs: number;
}

export interface RotationReport {
  keyId: string;
  retired: string[];
  reencrypted: number;
  /** True when this call finished a rotation an earlier, interrupted call had started. */
  resumed: boolean;
  elapsedMs: number;
}

/** An experience as it travels between agents (swarm gossip); ids are global, content is hashed. */
export interface PortableExperience {
  id: string;
  agentId: string;
  patternType: string;
  dataset: string;
  timeframe: string;
  signal: Signal;
  confidence: number;
  similarity: number;
  horizon: number;
  at: number;
  pattern: { length: number; scale: number; offset: number; codes: string };
  payload: { matches: MatchInput[]; context: Record<string, ContextValue> };
  /** SHA-256 of the canonical content (without chain position), checked on import. */
  contentHash: string;
  verdict?: PortableVerdict;
}

export interface PortableVerdict {
  outcome: OutcomeInput;
  profitability: number;
  risk: number;
  timing: number;
  consistency: number;
  quality: number;
  success: boolean;
  judgedAt: number;
  contentHash: string;
}

export interface MemoryStats {
  experiences: number;
  outcomes: number;
  verdicts: number;
  distilled: number;
  flagged: { duplicate: number; contradiction: number; pruned: number };
  patternTypes: string[];
  chainLength: number;
  keyIds: string[];
  file: string;
  /** Size of the database file, and of its write-ahead log (not yet checkpointed or not truncated). */
  bytes: number;
  walBytes: number;
}
