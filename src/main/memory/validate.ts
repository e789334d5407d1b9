/**
 * Input checks for the memory API. Every public entry point validates here before touching the database,
 * so bad input becomes a typed WarpdeskError (InvalidInput, InvalidDimensions, NonFinite) and nothing is
 * written.
 * Must never: coerce silently (a string "0.5" is not a number), or accept NaN/Infinity anywhere.
 */
import { WarpdeskError } from '../../shared/errors';
import type { ContextValue, ExperienceInput, MatchInput, Signal } from './types';

export const MAX_QUERY_LENGTH = 65_536;
export const MAX_MATCHES = 1_000;
const MAX_TEXT = 200;

export function checkText(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT) throw new WarpdeskError('InvalidInput', `The ${field} must be a non-empty text of at most ${MAX_TEXT} characters.`, { field });
  return v;
}

export function checkFinite(v: unknown, field: string): number {
  if (typeof v !== 'number') throw new WarpdeskError('InvalidInput', `The ${field} must be a number.`, { field });
  if (!Number.isFinite(v)) throw new WarpdeskError('NonFinite', `The ${field} must be a finite number (got ${v}).`, { field });
  return v;
}

export function checkUnit(v: unknown, field: string): number {
  const x = checkFinite(v, field);
  if (x < 0 || x > 1) throw new WarpdeskError('InvalidInput', `The ${field} must be between 0 and 1 (got ${x}).`, { field });
  return x;
}

export function checkInteger(v: unknown, field: string, min: number, max: number): number {
  const x = checkFinite(v, field);
  if (!Number.isInteger(x) || x < min || x > max) throw new WarpdeskError('InvalidInput', `The ${field} must be a whole number from ${min} to ${max} (got ${x}).`, { field });
  return x;
}

export function checkSignal(v: unknown): Signal {
  if (v !== 'long' && v !== 'short' && v !== 'flat') throw new WarpdeskError('InvalidInput', 'The signal must be "long", "short" or "flat".', { field: 'signal' });
  return v;
}

/** A query window: array-like of at least 2 finite numbers; returned as a Float64Array copy. */
export function checkSeries(v: unknown, field = 'query'): Float64Array {
  if (v === null || typeof v !== 'object' || typeof (v as { length?: unknown }).length !== 'number') throw new WarpdeskError('InvalidInput', `The ${field} must be an array of numbers.`, { field });
  const a = v as ArrayLike<unknown>;
  if (a.length < 2 || a.length > MAX_QUERY_LENGTH) throw new WarpdeskError('InvalidDimensions', `The ${field} must have from 2 to ${MAX_QUERY_LENGTH} values (got ${a.length}).`, { field, length: a.length });
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== 'number') throw new WarpdeskError('InvalidInput', `The ${field} must hold only numbers (index ${i}).`, { field, index: i });
    if (!Number.isFinite(x)) throw new WarpdeskError('NonFinite', `The ${field} holds a non-finite value (${x}) at index ${i}.`, { field, index: i });
    out[i] = x;
  }
  return out;
}

function optFinite(v: unknown, field: string): number | undefined {
  return v === undefined ? undefined : checkFinite(v, field);
}

export function checkMatch(m: unknown, i: number): MatchInput {
  if (!m || typeof m !== 'object') throw new WarpdeskError('InvalidInput', `Match ${i} must be an object with a similarity.`, { index: i });
  const o = m as Record<string, unknown>;
  const out: MatchInput = { similarity: checkUnit(o['similarity'], `similarity of match ${i}`) };
  for (const f of ['distance', 'start', 'end', 'startTime', 'endTime'] as const) {
    const x = optFinite(o[f], `${f} of match ${i}`);
    if (x !== undefined) out[f] = x;
  }
  if (o['forwardReturn'] !== undefined) out.forwardReturn = o['forwardReturn'] === null ? null : checkFinite(o['forwardReturn'], `forward return of match ${i}`);
  if (o['ref'] !== undefined) out.ref = checkText(o['ref'], `ref of match ${i}`);
  return out;
}

export function checkContext(v: unknown): Record<string, ContextValue> {
  if (v === undefined) return {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new WarpdeskError('InvalidInput', 'The context must be an object of simple values.', { field: 'context' });
  const out: Record<string, ContextValue> = {};
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 64) throw new WarpdeskError('InvalidInput', 'The context may hold at most 64 entries.', { field: 'context' });
  for (const [k, x] of entries) {
    if (x === undefined) continue;
    if (x === null || typeof x === 'boolean') out[k] = x;
    else if (typeof x === 'number') out[k] = checkFinite(x, `context entry ${k}`);
    else if (typeof x === 'string' && x.length <= 1000) out[k] = x;
    else throw new WarpdeskError('InvalidInput', `The context entry ${k} must be a number, a short text, a boolean or null.`, { field: 'context' });
  }
  return out;
}

export interface CheckedExperience {
  patternType: string;
  dataset: string;
  timeframe: string;
  query: Float64Array;
  matches: MatchInput[];
  signal: Signal;
  confidence: number;
  horizon: number;
  at: number | undefined;
  context: Record<string, ContextValue>;
}

export function checkExperience(input: unknown): CheckedExperience {
  if (!input || typeof input !== 'object') throw new WarpdeskError('InvalidInput', 'The experience must be an object.');
  const e = input as Partial<ExperienceInput>;
  const matches = e.matches;
  if (!Array.isArray(matches)) throw new WarpdeskError('InvalidInput', 'The experience needs a list of matches (possibly empty).', { field: 'matches' });
  if (matches.length > MAX_MATCHES) throw new WarpdeskError('InvalidDimensions', `An experience holds at most ${MAX_MATCHES} matches (got ${matches.length}).`, { field: 'matches' });
  return {
    patternType: checkText(e.patternType, 'pattern type'),
    dataset: checkText(e.dataset, 'data set'),
    timeframe: checkText(e.timeframe, 'timeframe'),
    query: checkSeries(e.query),
    matches: matches.map(checkMatch),
    signal: checkSignal(e.signal),
    confidence: checkUnit(e.confidence, 'confidence'),
    horizon: checkInteger(e.horizon, 'horizon', 1, 1_000_000),
    at: e.at === undefined ? undefined : checkInteger(e.at, 'time (at)', 0, 8.64e15),
    context: checkContext(e.context),
  };
}
