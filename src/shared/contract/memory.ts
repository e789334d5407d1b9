/**
 * Contract of the pattern memory capability (src/main/memory): record a search as an experience, rank a
 * query's past experiences (with the score's parts), judge outcomes as data arrives, list experiences with
 * their verdicts, and chart the learning trajectory per pattern type.
 * Must never import Node, Electron or the DOM.
 */
import { z } from 'zod';
import { channel } from './define';
import { QueryWindowFields } from './data';

const unit = z.number().min(0).max(1);
export const SignalSchema = z.enum(['long', 'short', 'flat']);

export const VerdictSummarySchema = z.object({
  quality: unit,
  profitability: unit,
  risk: unit,
  timing: unit,
  consistency: unit,
  success: z.boolean(),
  judgedAt: z.number(),
});

export const ExperienceSummarySchema = z.object({
  id: z.string(),
  agentId: z.string(),
  origin: z.enum(['local', 'remote']),
  patternType: z.string(),
  dataset: z.string(),
  timeframe: z.string(),
  signal: SignalSchema,
  confidence: unit,
  similarity: unit,
  horizon: z.number().int(),
  at: z.number(),
  hasOutcome: z.boolean(),
  verdict: VerdictSummarySchema.nullable(),
  flags: z.array(z.object({ kind: z.enum(['duplicate', 'contradiction', 'pruned']), relatedId: z.string().nullable(), detail: z.string() })),
});
export type ExperienceSummaryInfo = z.infer<typeof ExperienceSummarySchema>;

/** One past experience ranked for a query: the score and its three factors, MMR, and its verdict. */
export const RankedExperienceSchema = z.object({
  id: z.string(),
  rank: z.number().int(),
  score: unit,
  similarity: unit,
  recency: unit,
  reliability: unit,
  mmr: z.number(),
  redundancy: unit,
  at: z.number(),
  patternType: z.string(),
  dataset: z.string().optional(),
  timeframe: z.string().optional(),
  signal: SignalSchema.optional(),
  confidence: unit.optional(),
  verdict: z.object({ quality: unit, success: z.boolean() }).nullable().optional(),
  flags: z.array(z.string()).optional(),
});
export type RankedExperience = z.infer<typeof RankedExperienceSchema>;

export const ThresholdSummarySchema = z.object({
  patternType: z.string(),
  version: z.number().int(),
  similarityThreshold: unit,
  successRate: unit,
  calibrationError: unit,
  updatedAt: z.number().nullable(),
  /**
   * The reliability diagram's bins of stated confidence [from, to): verdicts in the bin, how many were a
   * success, and the mean stated confidence (the bin's midpoint when empty).
   */
  calibration: z.array(z.object({ from: unit, to: unit, n: z.number().int(), successes: z.number().int(), stated: unit })).optional(),
});

export const TrajectoryPointSchema = z.object({
  version: z.number().int(),
  experienceId: z.string(),
  quality: unit,
  similarityThreshold: unit,
  successRate: unit,
  calibrationError: unit,
  at: z.number(),
});

export const memoryChannels = {
  'memory:retrieve': channel(
    'Ranks past experiences for a query window: similarity x recency x reliability, diversified by MMR.',
    z
      .object({ ...QueryWindowFields, k: z.number().int().min(1).max(100).default(10), windowRatio: unit.default(0.1), lambda: unit.default(0.7), patternType: z.string().min(1).max(200).optional() })
      .strict()
      .refine((r) => r.queryEnd > r.queryStart, { message: 'The query must span at least two bars.' }),
    z.object({ items: z.array(RankedExperienceSchema), elapsedMs: z.number(), exactDtw: z.number().int(), rows: z.number().int() }),
  ),
  'memory:experiences': channel(
    'Lists recorded experiences, newest first, with their verdicts and consolidation flags.',
    z.object({ patternType: z.string().min(1).max(200).optional(), limit: z.number().int().min(1).max(1000).default(100), before: z.number().optional() }).strict(),
    z.object({ items: z.array(ExperienceSummarySchema) }),
  ),
  'memory:trajectory': channel(
    'The learning trajectory per pattern type: quality and thresholds after each verdict.',
    z.object({ patternType: z.string().min(1).max(200).optional(), limit: z.number().int().min(1).max(100_000).default(5000) }).strict(),
    z.object({ series: z.array(z.object({ threshold: ThresholdSummarySchema, points: z.array(TrajectoryPointSchema) })) }),
  ),
  'memory:settle-due': channel(
    'Judges every experience whose horizon has passed in the stored data.',
    z.object({ datasetId: z.number().int().positive().optional() }).strict(),
    z.object({ settled: z.number().int(), pending: z.number().int() }),
  ),
  'memory:stats': channel(
    'Counts, pattern types and the audit chain status of the pattern memory.',
    z.object({ verify: z.boolean().default(false) }).strict(),
    z.object({
      experiences: z.number().int(),
      verdicts: z.number().int(),
      distilled: z.number().int(),
      patternTypes: z.array(z.string()),
      chainLength: z.number().int(),
      chain: z.object({ ok: z.boolean(), links: z.number().int(), message: z.string().nullable() }).nullable(),
    }),
  ),
} as const;

export const memoryEvents = {
  /** Sent after experiences or verdicts were recorded, so views can refresh. */
  'memory:changed': z.object({ experiences: z.number().int(), verdicts: z.number().int() }),
} as const;
