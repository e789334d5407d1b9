/**
 * Sharpe-ratio statistics for one selected strategy among many trials (all per observation, never annualised:
 * divide an annual Sharpe by √(periods per year) first).
 *  - sharpeRatio: mean / sample standard deviation (n − 1); 0 for an all-zero series, NaN when undefined.
 *  - returnMoments: skewness γ3 and (non-excess) kurtosis γ4, population moments as in the papers (normal: 0, 3).
 *  - probabilisticSharpeRatio (Bailey & López de Prado 2012):
 *      PSR(SR*) = Φ( (SR − SR*) √(T − 1) / √(1 − γ3 SR + (γ4 − 1)/4 SR²) )
 *  - expectedMaxSharpe: E[max of N trial Sharpes] under no skill (Bailey & López de Prado 2014, from the
 *    false strategy theorem): √V ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e))), γ = Euler-Mascheroni; 0 for N = 1.
 *  - deflatedSharpeRatio: PSR against that expected maximum, with N and V the number and the variance of the
 *    Sharpe ratios of the trials actually run.
 * Pure.
 */
import { normalCdf, normalQuantile } from './normal';

const EULER_GAMMA = 0.5772156649015329;

export function sharpeRatio(returns: readonly number[] | Float64Array): number {
  const n = returns.length;
  if (n < 2) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += returns[i]!;
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (returns[i]! - mean) ** 2;
  const sd = Math.sqrt(v / (n - 1));
  if (sd === 0) return mean === 0 ? 0 : Number.NaN;
  return mean / sd;
}

export interface ReturnMoments {
  skewness: number;
  /** Non-excess kurtosis (3 for normal returns). */
  kurtosis: number;
}

export function returnMoments(returns: readonly number[] | Float64Array): ReturnMoments {
  const n = returns.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += returns[i]!;
  const mean = s / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i]! - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  if (!(m2 > 0)) return { skewness: 0, kurtosis: 3 };
  return { skewness: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

export interface PsrInput {
  /** Observed per-observation Sharpe ratio. */
  sharpe: number;
  /** Benchmark Sharpe SR* (per observation); default 0. */
  benchmark?: number;
  /** Number of return observations T. */
  observations: number;
  skewness?: number;
  /** Non-excess kurtosis (3 = normal). */
  kurtosis?: number;
}

export function probabilisticSharpeRatio(input: PsrInput): number {
  const { sharpe: sr, observations: t } = input;
  const g3 = input.skewness ?? 0;
  const g4 = input.kurtosis ?? 3;
  const bench = input.benchmark ?? 0;
  if (!(t > 1)) throw new RangeError('probabilisticSharpeRatio: needs at least 2 observations.');
  const v = 1 - g3 * sr + ((g4 - 1) / 4) * sr * sr;
  if (!(v > 0)) return Number.NaN;
  return normalCdf(((sr - bench) * Math.sqrt(t - 1)) / Math.sqrt(v));
}

/** Expected maximum Sharpe of `trials` unskilled trials whose Sharpe ratios have variance `variance`. */
export function expectedMaxSharpe(trials: number, variance: number): number {
  if (!(trials >= 1)) throw new RangeError('expectedMaxSharpe: needs at least one trial.');
  if (trials === 1 || variance <= 0) return 0;
  return Math.sqrt(variance) * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E)));
}

export interface DsrInput {
  /** The selected (best) trial's per-observation Sharpe ratio. */
  sharpe: number;
  /** Number of trials N actually run (every variant tried counts). */
  trials: number;
  /** Variance of the trials' per-observation Sharpe ratios. */
  trialSharpeVariance: number;
  /** Return observations T of the selected trial. */
  observations: number;
  skewness?: number;
  /** Non-excess kurtosis (3 = normal). */
  kurtosis?: number;
}

export interface DsrResult {
  /** Probability that the true Sharpe exceeds the expected maximum of unskilled trials. */
  dsr: number;
  /** The benchmark SR0 = E[max SR] (per observation). */
  expectedMaxSharpe: number;
}

export function deflatedSharpeRatio(input: DsrInput): DsrResult {
  const sr0 = expectedMaxSharpe(input.trials, input.trialSharpeVariance);
  const dsr = probabilisticSharpeRatio({ sharpe: input.sharpe, benchmark: sr0, observations: input.observations, skewness: input.skewness, kurtosis: input.kurtosis });
  return { dsr, expectedMaxSharpe: sr0 };
}
