/** Shared helpers for the memory tests: temporary workspaces, seeded series, tampering through raw SQL. */
import Database from 'better-sqlite3';
import path from 'node:path';
import type { ExperienceInput } from '..';
import { mulberry32 } from '../../../shared/random';

export const rng = mulberry32;

export function walk(n: number, rnd: () => number, start = 100): number[] {
  const out: number[] = [];
  let x = start;
  for (let i = 0; i < n; i++) {
    x += rnd() - 0.5;
    out.push(x);
  }
  return out;
}

export function experience(query: number[], over: Partial<ExperienceInput> = {}): ExperienceInput {
  return {
    patternType: 'analog:1h',
    dataset: 'eurusd',
    timeframe: '1h',
    query,
    matches: [
      { similarity: 0.8, forwardReturn: 0.01, start: 10, end: 40 },
      { similarity: 0.7, forwardReturn: 0.02, start: 100, end: 130 },
      { similarity: 0.6, forwardReturn: -0.005, start: 300, end: 330 },
    ],
    signal: 'long',
    confidence: 0.6,
    horizon: 10,
    at: 1_700_000_000_000,
    ...over,
  };
}

/** A second connection as an outside tool would open it (foreign keys off, no Warpdesk code). */
export function raw(dir: string): Database.Database {
  const db = new Database(path.join(dir, 'memory.sqlite'));
  db.pragma('foreign_keys = OFF');
  return db;
}
