/**
 * What the audit chain hashes: the canonical content of an experience or a verdict, built from plaintext
 * values (never ciphertext, so a key rotation leaves the chain intact). An outcome enters the chain with the
 * verdict judged from it. Origin and local bookkeeping (recorded_at, flags, trajectories) are not hashed, so
 * the same experience hashes the same in every agent's memory.
 * Must never: change the content of a released version (add a new `v` instead).
 */
import { canonicalJson, canonicalJsonSpliced, sha256Hex } from './canonical';
import type { OutcomeInput, PortableExperience } from './types';

/** The hashed content of an experience: its portable form without hashes or verdict. */
export type ExperienceContentInput = Omit<PortableExperience, 'contentHash' | 'verdict'>;

export function experienceContent(e: ExperienceContentInput, payloadCanonical?: string): string {
  const content = {
    kind: 'experience',
    v: 1,
    id: e.id,
    agentId: e.agentId,
    patternType: e.patternType,
    dataset: e.dataset,
    timeframe: e.timeframe,
    signal: e.signal,
    confidence: e.confidence,
    similarity: e.similarity,
    horizon: e.horizon,
    at: e.at,
    pattern: e.pattern,
    payload: e.payload,
  };
  // `payloadCanonical` must be canonicalJson(e.payload) (the store seals those same bytes); same result, written once.
  return payloadCanonical === undefined ? canonicalJson(content) : canonicalJsonSpliced(content, 'payload', payloadCanonical);
}

export interface VerdictContentInput {
  experienceId: string;
  outcome: OutcomeInput;
  profitability: number;
  risk: number;
  timing: number;
  consistency: number;
  quality: number;
  success: boolean;
  judgedAt: number;
}

export function verdictContent(v: VerdictContentInput): string {
  return canonicalJson({
    kind: 'verdict',
    v: 1,
    experienceId: v.experienceId,
    outcome: { realizedReturn: v.outcome.realizedReturn, mae: v.outcome.mae, timeToTarget: v.outcome.timeToTarget },
    profitability: v.profitability,
    risk: v.risk,
    timing: v.timing,
    consistency: v.consistency,
    quality: v.quality,
    success: v.success,
    judgedAt: v.judgedAt,
  });
}

/** The position-free hash carried by portable records (gossip): SHA-256 of the canonical content. */
export function contentHash(canonical: string): string {
  return sha256Hex(canonical);
}
