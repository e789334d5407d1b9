/**
 * The backtester: walk-forward backtests of the analog signal over the same engine (and, for learning,
 * the same pattern memory) as the app; parameter sweeps as serializable
 * jobs; saved sessions. Design: docs/adr/0005-walk-forward-backtests.md.
 *
 *   const result = await runBacktestAsync(bars, { window: 32, top: 10, horizon: 5 }, getEngine());
 *   const rows = await runSweepParallel(expandGrid(file, tf, base, grid));  // local worker processes
 *
 * Must never import Electron, and never let a decision at bar t read a bar after t.
 */
export { runBacktest, runBacktestAsync, runStrategy, buyAndHold, randomSameExposure, parseParams, metricsOf, forecastsAsync, assembleResult, type RunOptions } from './run';
export { metricsStart } from './run';
export { computeForecasts, computeForecastsAsync, computeForecastsParallel, computeForecastsWalk, planForecasts, resolveSearch, type ForecastTable } from './forecast';
export { computeForecastsInWorkers } from './forecast-workers';
export { AnalogIndex } from './analog-index';
export { runPolicy, tableAnalogs, type PolicyResult, type WalkOptions } from './policy';
export { learnFromHistory, learnTotals, type LearnOptions, type LearnReport } from './learn';
export { simulate, type Simulation } from './simulate';
export { computeMetrics, periodsPerYear } from './metrics';
export { rng } from './bootstrap';
export { splitPoints, expandGrid, runSweepParallel, runSweepSequential, SweepRunner, batchJobs, searchKey, type SweepGrid } from './sweep';
export { SessionStore, SESSIONS_FILE } from './sessions';
export { runLearningVariants, barsUpTo, LEARNING_VARIANTS, type VariantSpec, type VariantSeriesInput, type Trial, type TrialsFile, type TrialSeriesInfo, type TrialSeriesResult } from './variants';
export { backtestCapability } from './capability';
export { loadBacktestBars } from './data';
export { workerLaunch } from './worker-entry';
