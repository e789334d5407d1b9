/**
 * The evaluation capability: a walk-forward evaluation a quant can check (`warpdesk evaluate`, the Evaluate
 * view, `backtest --evaluate`). Folds with purging and an embargo (folds.ts), fold jobs in process or in worker
 * processes (fold-run.ts, fold-workers.ts), the runner choosing on validation only and testing out of sample
 * with bootstrap p-values, Holm, DSR, PBO and SPA (runner.ts, statistics/), the plain-words paragraph
 * (summary.ts) and the self-contained HTML report (report-html.ts).
 *
 *   const report = await runEvaluation([{ name, bars, timeframe }], { engine: getEngine(), settings: { folds: 5 } });
 *   fs.writeFileSync('report.html', renderReportHtml(report));
 *
 * Must never import Electron, and never choose anything from a test range.
 */
export { planFolds, minimumBars, learnable, type Fold, type FoldPlan, type FoldMode, type FoldPlanOptions } from './folds';
export { runEvaluation, refuseConstant, planFor, variantsOf, COMPARISONS, type SeriesInput, type RunEvaluationOptions } from './runner';
export { runFoldJob, foldMemory, truncateBars, truncateTable, tableKey, type FoldJob, type FoldJobResult } from './fold-run';
export { summarize } from './summary';
export { renderReportHtml } from './report-html';
export { evaluationCapability, type EvaluationCapabilityOptions } from './capability';
