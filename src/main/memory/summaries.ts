/**
 * How the contract shows a threshold and ranked past experiences (shared by the memory's and the strategy's
 * handlers). Pure.
 */
import type { RetrievedItem, ThresholdInfo } from './types';

export function thresholdSummary(t: ThresholdInfo) {
  return {
    patternType: t.patternType,
    version: t.version,
    similarityThreshold: t.similarityThreshold,
    successRate: t.successRate,
    calibrationError: t.calibrationError,
    updatedAt: t.updatedAt,
    calibration: t.calibration.map((b) => ({ from: b.from, to: b.to, n: b.n, successes: b.successes, stated: b.stated })),
  };
}

export function rankedSummaries(items: RetrievedItem[]) {
  return items.map(({ source: _s, members: _m, stats: _st, distance: _d, ...rest }) => rest);
}
