/**
 * Contract of the strategy capability (src/main/strategy), the one learning loop: analogs of a query window →
 * forecast (what followed them) → signal (one rule) → gated by the learned thresholds → experience recorded →
 * outcome judged once its horizon is in the data → thresholds adapt. `analogs:run` does all of it in one
 * main-side call; the renderer only displays what it returns. `learn:run` walks a data set's history through
 * the same loop into the workspace memory.
 * Must never import Node, Electron or the DOM.
 */
import { z } from 'zod';
import { channel } from './define';
import { QueryWindowFields, TimeframeSchema } from './data';
import { RankedExperienceSchema, SignalSchema, ThresholdSummarySchema } from './memory';

const unit = z.number().min(0).max(1);

/** Why a decision is what it is: a trade, or the reason the loop stands aside. */
export const DecisionReasonSchema = z.enum(['trade', 'no-analogs', 'below-gate', 'no-edge', 'no-shorts']);
export type DecisionReason = z.infer<typeof DecisionReasonSchema>;

export const AnalogsRequestSchema = z
  .object({
    /** The decision is made at queryEnd's close. */
    ...QueryWindowFields,
    k: z.number().int().min(1).max(100),
    /** Sakoe-Chiba window as a fraction of the query length. */
    windowRatio: z.number().min(0).max(1),
    /** Bars after each analog over which "what followed" is measured; also the decision's horizon. */
    horizon: z.number().int().min(1).max(10_000),
    /** Two analogs' starts differ by more than this many bars; default the query length (analogs never overlap). */
    exclusion: z.number().int().min(0).max(100_000).optional(),
    /** Record the decision as an experience in the workspace memory (default true). */
    record: z.boolean().default(true),
    /** Caller-chosen id, used to correlate progress events and to cancel. */
    requestId: z.string().min(1).max(64),
  })
  .strict()
  .refine((r) => r.queryEnd > r.queryStart, { message: 'The query must span at least two bars.' });
export type AnalogsRequest = z.input<typeof AnalogsRequestSchema>;

export const AnalogSchema = z.object({
  /** Bar index range of the analog at the request's timeframe. */
  start: z.number().int(),
  end: z.number().int(),
  startTime: z.number(),
  endTime: z.number(),
  distance: z.number(),
  /** In [0,1]: 1 / (1 + distance / W) (src/shared/numerics). */
  similarity: unit,
  /** Close-to-close return over the horizon after the analog (always known: analogs end H bars before the query ends). */
  forwardReturn: z.number(),
  /** False when the analog's similarity is below the learned threshold: shown, but not part of the forecast. */
  admitted: z.boolean(),
  /**
   * What followed the analog, bar by bar: path[j] = close[end + 1 + j] / close[end] - 1 for j < horizon (fewer
   * when the data ends sooner). The Analogs view draws the forecast cone from these, rescaled to the query's close.
   */
  path: z.array(z.number()).optional(),
});
export type AnalogInfo = z.infer<typeof AnalogSchema>;

/** What followed the admitted analogs. */
export const ForecastSchema = z.object({
  analogs: z.number().int(),
  admitted: z.number().int(),
  belowThreshold: z.number().int(),
  mean: z.number().nullable(),
  median: z.number().nullable(),
  /** Share of admitted analogs followed by a rise. */
  upShare: unit.nullable(),
  /** The admitted analogs' majority direction (ties: the mean's sign). */
  view: SignalSchema,
  /** Share of admitted analogs agreeing with the view (0 when flat). */
  agreement: unit,
});
export type ForecastInfo = z.infer<typeof ForecastSchema>;

export const DecisionSchema = z.object({
  /** What the loop does: the view when it passes the gate, else flat ("stand aside"). */
  signal: SignalSchema,
  reason: DecisionReasonSchema,
  confidence: unit,
  /** The confidence gate in force (learned from calibrated verdicts; > 1 means "stand aside until evidence improves"). */
  gate: z.number(),
  similarityThreshold: unit,
  /** Position size in [0, 1] when trading. */
  size: unit,
  /** Epoch ms of the decision bar. */
  time: z.number(),
});
export type DecisionInfo = z.infer<typeof DecisionSchema>;

export const AnalogsResultSchema = z.object({
  requestId: z.string(),
  backend: z.string(),
  simdLevel: z.string(),
  /** Why the native engine is not in use (one sentence naming the file), when the reference engine answered. */
  engineNote: z.string().optional(),
  queryLength: z.number().int(),
  window: z.number().int(),
  /** The exclusion zone in force: analogs' starts differ by more than this many bars. */
  exclusion: z.number().int(),
  candidates: z.number().int(),
  elapsedMs: z.number(),
  horizon: z.number().int(),
  analogs: z.array(AnalogSchema),
  forecast: ForecastSchema,
  decision: DecisionSchema,
  /** The experience recorded for this decision (null when not recorded: `record: false`, or no view to judge). */
  experience: z
    .object({
      id: z.string(),
      patternType: z.string(),
      /** Success probability for this confidence, calibrated from the pattern type's verdicts. */
      calibrated: unit,
      /** Judged at once (the query is far enough in the past for its horizon to be in the data). */
      judged: z.boolean(),
    })
    .nullable(),
  threshold: ThresholdSummarySchema,
  /** The most relevant past experiences for this query (itself excluded), ranked. */
  past: z.array(RankedExperienceSchema),
  /** Earlier experiences judged during this call (their horizons had passed in the data). */
  settled: z.number().int(),
});
export type AnalogsResult = z.infer<typeof AnalogsResultSchema>;

export const LearnRequestSchema = z
  .object({
    datasetId: z.number().int().positive(),
    timeframe: TimeframeSchema,
    window: z.number().int().min(4).max(1024).default(32),
    top: z.number().int().min(1).max(100).default(10),
    horizon: z.number().int().min(1).max(1000).default(5),
    step: z.number().int().min(1).max(10_000).default(1),
    /** Two analogs' starts differ by more than this many bars; default the window (analogs never overlap). */
    exclusion: z.number().int().min(0).max(100_000).optional(),
    /** Epoch ms bounds of the decisions (inclusive); bars after `to` are never read. */
    from: z.number().optional(),
    to: z.number().optional(),
    requestId: z.string().min(1).max(64),
  })
  .strict();
export type LearnRequest = z.input<typeof LearnRequestSchema>;

export const LearnResultSchema = z.object({
  requestId: z.string(),
  decisions: z.number().int(),
  recorded: z.number().int(),
  judged: z.number().int(),
  pending: z.number().int(),
  trades: z.number().int(),
  cancelled: z.boolean(),
  patternType: z.string(),
  threshold: ThresholdSummarySchema,
  elapsedMs: z.number(),
});
export type LearnResult = z.infer<typeof LearnResultSchema>;

const cancel = z.object({ requestId: z.string().min(1).max(64) }).strict();

export const strategyChannels = {
  'analogs:run': channel("Finds the query window's analogs, forecasts, decides (gated by the learned thresholds), records and judges the experience, in one call.", AnalogsRequestSchema, AnalogsResultSchema),
  'analogs:cancel': channel('Cancels a running analog search.', cancel, z.object({ cancelled: z.boolean() })),
  'learn:run': channel("Walks a data set's history bar by bar through the learning loop into the workspace memory.", LearnRequestSchema, LearnResultSchema),
  'learn:cancel': channel('Stops a running learn; what was committed stays.', cancel, z.object({ cancelled: z.boolean() })),
} as const;

export const strategyEvents = {
  'analogs:progress': z.object({ requestId: z.string(), fraction: z.number().min(0).max(1) }),
  'learn:progress': z.object({ requestId: z.string(), phase: z.enum(['search', 'learn']), fraction: z.number().min(0).max(1) }),
} as const;
