/**
 * The fold plan of a walk-forward evaluation: K folds per series, each a train / validation / test triple of
 * bar ranges, rolling (train slides with the folds) or anchored (train always starts at the first decision),
 * with purging and an embargo (López de Prado, Advances in Financial Machine Learning, ch. 7):
 *
 *   blocks of B bars after the first decision bar; fold i: train = blocks i..i+1 (anchored: 0..i+1),
 *   validation = block i+2, test = block i+3; the K test blocks are consecutive and never overlap.
 *   - purging: a training decision at bar t is learned from only when its outcome window [t, t+H] ends
 *     inside the training range (t + H < train.to), so no label reaches into validation or test;
 *   - embargo: the first E bars of the validation and of the test range are not scored (a gap of E bars
 *     after training and after validation), so serial dependence does not carry a training label over.
 *
 * Pure arithmetic over indices; the oracle of the property tests. Must never look at prices.
 */
import { WarpdeskError } from '../../shared/errors';

export type FoldMode = 'rolling' | 'anchored';

export interface BarRange {
  /** First bar (inclusive). */
  from: number;
  /** End bar (exclusive). */
  to: number;
}

export interface Fold {
  index: number;
  /** Bars whose decisions may be learned from (before purging). */
  train: BarRange;
  /** Bars whose returns choose the parameters (after the embargo). */
  validation: BarRange;
  /** Bars whose returns are reported (after the embargo). */
  test: BarRange;
  /** Last bar (exclusive) at which a training decision may be learned from: t + H < train.to. */
  learnBefore: number;
}

export interface FoldPlan {
  mode: FoldMode;
  folds: Fold[];
  block: number;
  embargo: number;
  horizon: number;
  /** First decision bar of the series (bars before it only serve as history). */
  start: number;
  barCount: number;
}

export interface FoldPlanOptions {
  folds: number;
  mode?: FoldMode;
  embargo: number;
  horizon: number;
  /** First decision bar (the strategy's minimum history for the largest window of the grid). */
  start: number;
  /** Bars scored at least per validation / test range (default 20). */
  minScored?: number;
  /** The series' name, for the sentence when it is too short. */
  name?: string;
}

/** Blocks a plan of K folds needs: train (2) + validation (1) + one test block per fold. */
export function blocksFor(folds: number): number {
  return folds + 3;
}

/** Smallest series (in bars) that holds K folds with this start, embargo, horizon and scored length. */
export function minimumBars(o: Pick<FoldPlanOptions, 'folds' | 'embargo' | 'horizon' | 'start' | 'minScored'>): number {
  const scored = o.minScored ?? 20;
  // a block holds the embargo plus the scored bars, and two training blocks hold at least one purged-in label
  const block = Math.max(o.embargo + scored, Math.ceil((o.horizon + 2) / 2));
  return o.start + blocksFor(o.folds) * block;
}

/** The fold plan for n bars; throws a sentence with the minimum length when the series is too short. */
export function planFolds(n: number, o: FoldPlanOptions): FoldPlan {
  const K = o.folds;
  if (!Number.isInteger(K) || K < 1) throw new WarpdeskError('InvalidInput', `The number of folds must be a whole number of at least 1, got ${K}.`);
  if (!Number.isInteger(o.embargo) || o.embargo < 0) throw new WarpdeskError('InvalidInput', `The embargo must be 0 or more bars, got ${o.embargo}.`);
  const min = minimumBars(o);
  if (n < min) {
    const who = o.name ? `${o.name} has` : 'The series has';
    throw new WarpdeskError(
      'InvalidInput',
      `${who} ${n} bars, too few for ${K} fold${K === 1 ? '' : 's'}: with ${o.start} bars of history before the first decision, a ${o.horizon}-bar horizon and an embargo of ${o.embargo} bars it needs at least ${min} bars (use fewer folds, a smaller window or a longer series).`,
      { barCount: n, minimum: min, folds: K },
    );
  }
  const mode = o.mode ?? 'rolling';
  const block = Math.floor((n - o.start) / blocksFor(K));
  const at = (b: number): number => o.start + b * block;
  const folds: Fold[] = [];
  for (let i = 0; i < K; i++) {
    const train = { from: mode === 'anchored' ? at(0) : at(i), to: at(i + 2) };
    // the last fold's test runs to the end of the series (the remainder of the block division)
    const testTo = i === K - 1 ? n : at(i + 4);
    folds.push({
      index: i,
      train,
      validation: { from: at(i + 2) + o.embargo, to: at(i + 3) },
      test: { from: at(i + 3) + o.embargo, to: testTo },
      learnBefore: train.to - o.horizon,
    });
  }
  return { mode, folds, block, embargo: o.embargo, horizon: o.horizon, start: o.start, barCount: n };
}

/** May a decision at bar t be learned from in this fold? (in the training range, its label purged clear) */
export function learnable(fold: Fold, t: number): boolean {
  return t >= fold.train.from && t < fold.learnBefore;
}
