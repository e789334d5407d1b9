/**
 * The row shapes the store reads from SQLite (experiences, patterns, verdicts, any sealed record) and their
 * plain conversions to the public types.
 * Must never: decrypt, query or write anything (callers hold the statements and the keyring).
 */
import type { Sealed } from './keys';
import type { ExperienceFields, Origin, Signal, Verdict } from './types';

export interface SealedRow {
  key_id: string;
  nonce: Buffer;
  data: Buffer;
}

export interface ExperienceRow extends SealedRow {
  rowid: number;
  id: string;
  agent_id: string;
  origin: Origin;
  pattern_type: string;
  dataset: string;
  timeframe: string;
  signal: Signal;
  confidence: number;
  similarity: number;
  horizon: number;
  at: number;
  recorded_at: number;
}

export interface PatternRow extends SealedRow {
  id: string;
  length: number;
}

export interface VerdictRow {
  experience_id: string;
  origin: Origin;
  profitability: number;
  risk: number;
  timing: number;
  consistency: number;
  quality: number;
  success: number;
  judged_at: number;
}

export function sealedOf(row: SealedRow): Sealed {
  return { keyId: row.key_id, nonce: row.nonce, data: row.data };
}

export function fieldsOf(row: ExperienceRow): ExperienceFields {
  return {
    id: row.id,
    agentId: row.agent_id,
    origin: row.origin,
    patternType: row.pattern_type,
    dataset: row.dataset,
    timeframe: row.timeframe,
    signal: row.signal,
    confidence: row.confidence,
    similarity: row.similarity,
    horizon: row.horizon,
    at: row.at,
  };
}

export function verdictFromRow(v: VerdictRow): Omit<Verdict, 'outcome'> {
  return {
    experienceId: v.experience_id,
    origin: v.origin,
    profitability: v.profitability,
    risk: v.risk,
    timing: v.timing,
    consistency: v.consistency,
    quality: v.quality,
    success: v.success === 1,
    judgedAt: v.judged_at,
  };
}
