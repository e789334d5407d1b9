/**
 * Contract of the evaluation capability (`warpdesk evaluate`, the Evaluate view): walk-forward folds per
 * series with purging and an embargo, learning vs baseline vs buy-and-hold vs random-with-same-exposure,
 * stationary-bootstrap p-values with a Holm correction across series, the Deflated Sharpe Ratio and the
 * Probability of Backtest Overfitting of the variants tried. The CLI's --json, the HTML report and the view
 * all show one EvaluationReport. Must never import Node, Electron or the DOM.
 */
import { z } from 'zod';
import { channel } from './define';
import { TimeframeSchema } from './data';

export const STRATEGIES = ['learning', 'baseline', 'buy-and-hold', 'random'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export const EvaluationGridSchema = z
  .object({
    window: z.array(z.number().int().min(4).max(1024)).min(1).max(6).default([32]),
    top: z.array(z.number().int().min(1).max(100)).min(1).max(6).default([10]),
    threshold: z.array(z.number().min(0.5).max(1)).min(1).max(8).default([0.55, 0.6, 0.7]),
  })
  .strict();
export type EvaluationGrid = z.output<typeof EvaluationGridSchema>;

export const EvaluationSettingsSchema = z
  .object({
    folds: z.number().int().min(1).max(50).default(5),
    mode: z.enum(['rolling', 'anchored']).default('rolling'),
    /** Bars not scored after training and after validation (default: the horizon). */
    embargo: z.number().int().min(0).max(10_000).optional(),
    horizon: z.number().int().min(1).max(1000).default(5),
    grid: EvaluationGridSchema.default({ window: [32], top: [10], threshold: [0.55, 0.6, 0.7] }),
    /** Bootstrap resamples per p-value. */
    samples: z.number().int().min(50).max(100_000).default(2000),
    /** Mean block length of the stationary bootstrap (default: 2·n^(1/3) bars of the series tested). */
    meanBlock: z.number().min(1).optional(),
    /** CSCV partitions for the PBO (even). */
    partitions: z.number().int().min(2).max(16).default(8),
    alpha: z.number().gt(0).lt(1).default(0.05),
    /** Trials run elsewhere that count in the DSR (e.g. the loop variants of a trials file, `--trials`). */
    extraTrials: z.number().int().min(0).max(1_000_000).default(0),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    commissionBps: z.number().min(0).max(1000).default(1),
    slippageBps: z.number().min(0).max(1000).default(1),
  })
  .strict();
export type EvaluationSettings = z.output<typeof EvaluationSettingsSchema>;
export type EvaluationSettingsInput = z.input<typeof EvaluationSettingsSchema>;

const Range = z.object({ from: z.number().int(), to: z.number().int(), fromTime: z.number(), toTime: z.number() });

export const OosMetricsSchema = z.object({
  /** Annualized Sharpe of the out-of-sample (test) bars of every fold, concatenated. */
  sharpe: z.number().nullable(),
  totalReturn: z.number(),
  maxDrawdown: z.number(),
  exposure: z.number(),
  bars: z.number().int(),
});
export type OosMetrics = z.infer<typeof OosMetricsSchema>;

export const ComparisonRowSchema = z.object({
  /** e.g. "learning vs baseline". */
  against: z.string(),
  /** Mean per-bar return difference over the test bars, in basis points. */
  meanDiffBps: z.number(),
  /** One-sided stationary-bootstrap p-value that the mean difference is ≤ 0. */
  p: z.number().nullable(),
  /** Holm-adjusted across series (per-series rows); equal to p in the pooled section. */
  pHolm: z.number().nullable(),
});
export type ComparisonRow = z.infer<typeof ComparisonRowSchema>;

export const VariantSchema = z.object({
  id: z.string(),
  learning: z.boolean(),
  window: z.number().int(),
  top: z.number().int(),
  threshold: z.number(),
});
export type Variant = z.infer<typeof VariantSchema>;

export const FoldReportSchema = z.object({
  index: z.number().int(),
  train: Range,
  validation: Range,
  test: Range,
  /** Training decisions the learning run learned from (after purging). */
  learnedFrom: z.number().int(),
  chosen: z.object({ baseline: z.string(), learning: z.string() }),
  /** Test-range equity (rebased to 1), thinned to at most ~200 points. */
  equity: z.object({ time: z.array(z.number()), learning: z.array(z.number()), baseline: z.array(z.number()), 'buy-and-hold': z.array(z.number()), random: z.array(z.number()) }),
});
export type FoldReport = z.infer<typeof FoldReportSchema>;

export const OverfittingSchema = z.object({
  trials: z.number().int(),
  /** Best variant by out-of-sample Sharpe, its per-bar Sharpe and its DSR. */
  best: z.string().nullable(),
  bestSharpe: z.number().nullable(),
  dsr: z.number().nullable(),
  expectedMaxSharpe: z.number().nullable(),
  pbo: z.number().nullable(),
  logits: z.array(z.number()),
  /** Hansen's SPA p-value (consistent) of the learning variants against the walk-forward baseline. */
  spaP: z.number().nullable(),
  /** Why a statistic is missing (too few trials or bars). */
  note: z.string().nullable(),
});
export type Overfitting = z.infer<typeof OverfittingSchema>;

export const SeriesReportSchema = z.object({
  name: z.string(),
  timeframe: z.string(),
  barCount: z.number().int(),
  from: z.number(),
  to: z.number(),
  folds: z.array(FoldReportSchema),
  metrics: z.record(z.string(), OosMetricsSchema),
  comparisons: z.array(ComparisonRowSchema),
  overfitting: OverfittingSchema,
});
export type SeriesReport = z.infer<typeof SeriesReportSchema>;

export const EvaluationReportSchema = z.object({
  settings: EvaluationSettingsSchema,
  embargo: z.number().int(),
  variants: z.array(VariantSchema),
  series: z.array(SeriesReportSchema),
  /** Null with a note when fewer than 2 series. */
  pooled: z.object({ metrics: z.record(z.string(), OosMetricsSchema), comparisons: z.array(ComparisonRowSchema), overfitting: OverfittingSchema }).nullable(),
  pooledNote: z.string().nullable(),
  /** The plain-words paragraph generated from the numbers. */
  summary: z.string(),
  backend: z.string(),
});
export type EvaluationReport = z.infer<typeof EvaluationReportSchema>;

const RequestId = z.string().min(1).max(64);

export const evaluationChannels = {
  'evaluate:run': channel(
    'Runs the walk-forward evaluation (folds, purging, embargo, bootstrap p-values with Holm, DSR, PBO) over stored data sets.',
    z
      .object({
        datasets: z
          .array(z.object({ datasetId: z.number().int().positive(), timeframe: TimeframeSchema }).strict())
          .min(1)
          .max(12),
        settings: EvaluationSettingsSchema.partial().strict().default({}),
        requestId: RequestId,
      })
      .strict(),
    EvaluationReportSchema,
  ),
  'evaluate:cancel': channel('Cancels a running evaluation.', z.object({ requestId: RequestId }).strict(), z.object({ cancelled: z.boolean() })),
} as const;

export const evaluationEvents = {
  'evaluate:progress': z.object({ requestId: z.string(), fraction: z.number().min(0).max(1), etaMs: z.number().nullable(), phase: z.string() }),
} as const;
