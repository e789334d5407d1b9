/**
 * The judge: turns a realized outcome into a verdict with four scores in [0, 1] and an overall quality.
 * Pure functions; the formulas are documented in ./README.md ("Judging") and must stay in step with it.
 *
 *   sigma  = RMS of the analogs' forward returns (finite ones), else 1%; never below 0.1%
 *   mu     = mean of the analogs' forward returns, s_f = their standard deviation (never below 0.1%)
 *   d      = +1 for long, -1 for short
 *   profitability = 0.5 + 0.5 tanh(d r / sigma)          (long, short)
 *                 = 1 - tanh(|r| / sigma)                (flat: right when nothing moved)
 *   risk          = exp(-mae / sigma)                      (mae >= 0, adverse excursion as a fraction)
 *   timing        = 1 - 0.5 min(t, H) / H  if the target was reached after t bars of horizon H, else 0
 *   consistency   = exp(-((r - mu) / s_f)^2 / 2)   with >= 2 analog returns, else 0.5 (no evidence)
 *   quality       = 0.40 profitability + 0.20 risk + 0.15 timing + 0.25 consistency
 *   success       = profitability > 0.5
 * Must never: return a score outside [0, 1] or a non-finite one.
 */
import { WarpdeskError } from '../../shared/errors';

export type Signal = 'long' | 'short' | 'flat';

export interface OutcomeInput {
  /** Realized return over the horizon as a fraction (0.02 = +2%), in the instrument's direction (not the signal's). */
  realizedReturn: number;
  /** Maximum adverse excursion against the signal over the horizon, as a non-negative fraction. */
  mae: number;
  /** Bars until the target was reached; null when it never was within the horizon. */
  timeToTarget: number | null;
}

export interface VerdictScores {
  profitability: number;
  risk: number;
  timing: number;
  consistency: number;
  quality: number;
  success: boolean;
}

export const QUALITY_WEIGHTS = { profitability: 0.4, risk: 0.2, timing: 0.15, consistency: 0.25 } as const;
export const MIN_SCALE = 0.001;
export const DEFAULT_SCALE = 0.01;

/** Validates an outcome; throws NonFinite / InvalidInput. */
export function checkOutcome(o: unknown): OutcomeInput {
  if (!o || typeof o !== 'object') throw new WarpdeskError('InvalidInput', 'The outcome must be an object with realizedReturn, mae and timeToTarget.');
  const { realizedReturn, mae, timeToTarget } = o as Record<string, unknown>;
  if (typeof realizedReturn !== 'number' || !Number.isFinite(realizedReturn)) throw new WarpdeskError('NonFinite', "The outcome's realized return must be a finite number.", { field: 'realizedReturn' });
  if (realizedReturn <= -1) throw new WarpdeskError('InvalidInput', "The outcome's realized return must be above -100%.", { field: 'realizedReturn' });
  if (typeof mae !== 'number' || !Number.isFinite(mae)) throw new WarpdeskError('NonFinite', "The outcome's maximum adverse excursion must be a finite number.", { field: 'mae' });
  if (mae < 0) throw new WarpdeskError('InvalidInput', "The outcome's maximum adverse excursion must be 0 or more (a magnitude).", { field: 'mae' });
  if (timeToTarget !== null && timeToTarget !== undefined) {
    if (typeof timeToTarget !== 'number' || !Number.isFinite(timeToTarget)) throw new WarpdeskError('NonFinite', "The outcome's time to target must be a finite number of bars or null.", { field: 'timeToTarget' });
    if (timeToTarget < 0) throw new WarpdeskError('InvalidInput', "The outcome's time to target must be 0 or more bars.", { field: 'timeToTarget' });
  }
  return { realizedReturn, mae, timeToTarget: timeToTarget ?? null };
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

export interface JudgeContext {
  signal: Signal;
  horizon: number;
  /** Forward returns of the analogs the search found (nulls ignored). */
  analogReturns: Array<number | null>;
}

export function analogStats(returns: Array<number | null>): { sigma: number; mu: number; sd: number; count: number } {
  const f = returns.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (f.length === 0) return { sigma: DEFAULT_SCALE, mu: 0, sd: MIN_SCALE, count: 0 };
  let s = 0;
  let s2 = 0;
  for (const x of f) {
    s += x;
    s2 += x * x;
  }
  const mu = s / f.length;
  const rms = Math.sqrt(s2 / f.length);
  const variance = Math.max(0, s2 / f.length - mu * mu);
  return { sigma: Math.max(rms, MIN_SCALE), mu, sd: Math.max(Math.sqrt(variance), MIN_SCALE), count: f.length };
}

export function judgeOutcome(ctx: JudgeContext, outcome: OutcomeInput): VerdictScores {
  const { realizedReturn: r, mae, timeToTarget: t } = outcome;
  const { sigma, mu, sd, count } = analogStats(ctx.analogReturns);
  const profitability = clamp01(ctx.signal === 'flat' ? 1 - Math.tanh(Math.abs(r) / sigma) : 0.5 + 0.5 * Math.tanh(((ctx.signal === 'long' ? 1 : -1) * r) / sigma));
  const risk = clamp01(Math.exp(-mae / sigma));
  const h = Math.max(1, ctx.horizon);
  const timing = t === null ? 0 : clamp01(1 - (0.5 * Math.min(t, h)) / h);
  const consistency = count >= 2 ? clamp01(Math.exp(-0.5 * ((r - mu) / sd) ** 2)) : 0.5;
  const w = QUALITY_WEIGHTS;
  const quality = clamp01(w.profitability * profitability + w.risk * risk + w.timing * timing + w.consistency * consistency);
  for (const v of [profitability, risk, timing, consistency, quality]) if (!Number.isFinite(v)) throw new WarpdeskError('Internal', 'The judge produced a non-finite score.');
  return { profitability, risk, timing, consistency, quality, success: profitability > 0.5 };
}
