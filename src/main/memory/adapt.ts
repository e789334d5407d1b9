/**
 * Adaptive thresholds per pattern type, learned from verdicts with Beta-Bernoulli posteriors (pure).
 * Documented in ./README.md ("Adapting"):
 *  - Similarity threshold: verdicts are binned by the experience's similarity s (mean similarity of its
 *    matches) into 20 bins. For each bin edge e, the pooled posterior over verdicts with s >= e is
 *    Beta(1 + successes, 1 + failures). Only edges with at least 5 verdicts above them count as evidence.
 *    The threshold is the smallest such e whose posterior mean reaches the target success rate (0.55); if
 *    none does, the e with the best posterior mean (ties: the smallest); with fewer than 5 verdicts in all,
 *    the initial threshold (0.5).
 *  - Confidence calibration: 10 bins of stated confidence c; bin b has prior Beta(4 m_b, 4 (1 - m_b)) (m_b its
 *    midpoint), so calibrate(c) = (4 m_b + successes_b) / (4 + n_b) starts at m_b and moves to the observed rate.
 *  - Calibration error (ECE) = sum over bins of (n_b / N) |observed success rate - mean stated confidence|.
 * Every update is kept in threshold_history: the learning trajectory.
 * Must never: do I/O, or produce a threshold outside [0, 1].
 */

export interface AdaptConfig {
  /** Target posterior success rate for matches above the threshold. */
  targetSuccess: number;
  /** Threshold until there is enough evidence. */
  initialThreshold: number;
  /** Verdicts above an edge needed before the edge can become the threshold. */
  minEvidence: number;
}

export const DEFAULT_ADAPT: AdaptConfig = { targetSuccess: 0.55, initialThreshold: 0.5, minEvidence: 5 };
export const SIM_BINS = 20;
export const CONF_BINS = 10;

export interface AdaptState {
  v: 1;
  n: number;
  successes: number;
  simN: number[];
  simS: number[];
  confN: number[];
  confS: number[];
  /** Sum of stated confidences per bin (for the mean stated confidence). */
  confSum: number[];
}

export function emptyAdaptState(): AdaptState {
  const z = (k: number): number[] => new Array<number>(k).fill(0);
  return { v: 1, n: 0, successes: 0, simN: z(SIM_BINS), simS: z(SIM_BINS), confN: z(CONF_BINS), confS: z(CONF_BINS), confSum: z(CONF_BINS) };
}

const binOf = (x: number, bins: number): number => Math.min(bins - 1, Math.max(0, Math.floor(x * bins)));

/** Returns a new state with one more verdict. */
export function updateAdaptState(state: AdaptState, similarity: number, confidence: number, success: boolean): AdaptState {
  const s: AdaptState = { ...state, simN: [...state.simN], simS: [...state.simS], confN: [...state.confN], confS: [...state.confS], confSum: [...state.confSum] };
  const y = success ? 1 : 0;
  s.n++;
  s.successes += y;
  const sb = binOf(similarity, SIM_BINS);
  s.simN[sb]!++;
  s.simS[sb]! += y;
  const cb = binOf(confidence, CONF_BINS);
  s.confN[cb]!++;
  s.confS[cb]! += y;
  s.confSum[cb]! += confidence;
  return s;
}

export function similarityThreshold(state: AdaptState, config: AdaptConfig = DEFAULT_ADAPT): number {
  if (state.n < config.minEvidence) return config.initialThreshold;
  let bestEdge = 0;
  let bestMean = -1;
  let n = 0;
  let s = 0;
  const means: Array<{ edge: number; mean: number }> = [];
  for (let b = SIM_BINS - 1; b >= 0; b--) {
    n += state.simN[b]!;
    s += state.simS[b]!;
    if (n >= config.minEvidence) means.push({ edge: b / SIM_BINS, mean: (1 + s) / (2 + n) });
  }
  means.reverse(); // ascending edges
  for (const m of means) if (m.mean >= config.targetSuccess) return m.edge;
  for (const m of means)
    if (m.mean > bestMean) {
      bestMean = m.mean;
      bestEdge = m.edge;
    }
  return bestEdge;
}

export function successRate(state: AdaptState): number {
  return (1 + state.successes) / (2 + state.n);
}

export interface CalibrationBin {
  from: number;
  to: number;
  /** Verdicts in the bin. */
  n: number;
  /** Of which judged a success (realised success rate = successes / n). */
  successes: number;
  /** Mean stated confidence (the midpoint when empty). */
  stated: number;
  /** Posterior mean success rate: what calibrate() returns for confidences in this bin. */
  calibrated: number;
}

export function calibrationBins(state: AdaptState): CalibrationBin[] {
  const out: CalibrationBin[] = [];
  for (let b = 0; b < CONF_BINS; b++) {
    const mid = (b + 0.5) / CONF_BINS;
    const n = state.confN[b]!;
    const s = state.confS[b]!;
    out.push({ from: b / CONF_BINS, to: (b + 1) / CONF_BINS, n, successes: s, stated: n > 0 ? state.confSum[b]! / n : mid, calibrated: (4 * mid + s) / (4 + n) });
  }
  return out;
}

/** The calibration bin a stated confidence falls in (the one bin rule). */
export function calibrationBinOf(bins: readonly CalibrationBin[], confidence: number): CalibrationBin {
  return bins[binOf(confidence, bins.length)]!;
}

/** The calibrated success probability of a stated confidence, from a pattern type's calibration bins. */
export function calibratedFrom(bins: readonly CalibrationBin[], confidence: number): number {
  return calibrationBinOf(bins, confidence).calibrated;
}

/**
 * A cautious calibrated success probability: the bin's posterior mean minus one posterior standard deviation
 * (the same Beta(4 m + s, 4 (1 − m) + n − s) posterior as `calibrated`).
 */
export function calibratedLowerFrom(bins: readonly CalibrationBin[], confidence: number): number {
  const bin = calibrationBinOf(bins, confidence);
  const mid = (bin.from + bin.to) / 2;
  const a = 4 * mid + bin.successes;
  const b = 4 * (1 - mid) + bin.n - bin.successes;
  const sd = Math.sqrt((a * b) / ((a + b) * (a + b) * (a + b + 1)));
  return a / (a + b) - sd;
}

export function calibrate(state: AdaptState, confidence: number): number {
  return calibratedFrom(calibrationBins(state), confidence);
}

export function calibrationError(state: AdaptState): number {
  if (state.n === 0) return 0;
  let e = 0;
  for (let b = 0; b < CONF_BINS; b++) {
    const n = state.confN[b]!;
    if (n === 0) continue;
    e += (n / state.n) * Math.abs(state.confS[b]! / n - state.confSum[b]! / n);
  }
  return e;
}

export function parseAdaptState(json: string): AdaptState {
  const s = JSON.parse(json) as AdaptState;
  if (s.v !== 1 || s.simN.length !== SIM_BINS || s.confN.length !== CONF_BINS) throw new Error('unknown adaptive state format');
  return s;
}
