/**
 * Multiple-testing statistics for walk-forward evaluations and sweeps: pure functions of numbers, no I/O, no
 * npm dependencies, reproducible for a seed (the project's mulberry32 and its one stationary bootstrap,
 * src/shared/bootstrap.ts). Everything per observation (per bar), never annualised.
 *
 *   holmAdjust(p[])                                  Holm-Bonferroni adjusted p-values (= R p.adjust "holm")
 *   stationaryBootstrapPValue(diffs, {samples, meanBlock, seed})
 *                                                    one-sided p for mean(diffs) ≤ 0, centred stationary bootstrap
 *   sharpeRatio(r), returnMoments(r)                 per-bar Sharpe; skewness and non-excess kurtosis
 *   probabilisticSharpeRatio({sharpe, benchmark, observations, skewness, kurtosis})   Bailey & López de Prado 2012
 *   deflatedSharpeRatio({sharpe, trials, trialSharpeVariance, observations, skewness, kurtosis})
 *     → {dsr, expectedMaxSharpe}                     Bailey & López de Prado 2014
 *   probabilityOfBacktestOverfitting(perf T×N, {partitions: S, metric?}) → {pbo, logits, combinations}   CSCV, 2016
 *   spaTest(relative T×K, {samples, meanBlock, seed}) → {consistent, lower, upper, statistic, best}
 *                                                    Hansen's SPA (2005); `upper` is White's Reality Check (studentised)
 *   normalCdf, normalQuantile                        Φ and Φ⁻¹
 *
 * Must never read the clock, Math.random or anything outside its arguments.
 */
export { holmAdjust } from './holm';
export { stationaryBootstrapPValue, type StationaryBootstrapOptions } from './bootstrap';
export { sharpeRatio, returnMoments, probabilisticSharpeRatio, expectedMaxSharpe, deflatedSharpeRatio, type ReturnMoments, type PsrInput, type DsrInput, type DsrResult } from './sharpe';
export { probabilityOfBacktestOverfitting, combinations, type PboOptions, type PboResult, type PboMetric } from './pbo';
export { spaTest, stationaryBootstrapVariance, type SpaOptions, type SpaResult } from './spa';
export { normalCdf, normalQuantile, normalPdf } from './normal';
export { stationaryIndices, defaultMeanBlock } from '../../../shared/bootstrap';
