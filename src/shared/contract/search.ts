/**
 * Contract of the pattern search capability: top-k analogs of a query window, with progress events.
 */
import { z } from 'zod';
import { channel } from './define';
import { TimeframeSchema } from './data';

export const SearchRequestSchema = z
  .object({
    datasetId: z.number().int().positive(),
    timeframe: TimeframeSchema,
    /** Inclusive bar index range of the query at this timeframe. */
    queryStart: z.number().int().nonnegative(),
    queryEnd: z.number().int().nonnegative(),
    k: z.number().int().min(1).max(100),
    /** Sakoe-Chiba window as a fraction of the query length. */
    windowRatio: z.number().min(0).max(1),
    /** Bars after each match over which "what followed" is measured. */
    horizon: z.number().int().min(1).max(10_000),
    /** Caller-chosen id, used to correlate progress events and to cancel. */
    requestId: z.string().min(1).max(64),
  })
  .strict()
  .refine((r) => r.queryEnd > r.queryStart, { message: 'The query must span at least two bars.' });
export type SearchRequest = z.infer<typeof SearchRequestSchema>;

export const SearchMatchSchema = z.object({
  /** Bar index range of the match at the request's timeframe. */
  start: z.number().int(),
  end: z.number().int(),
  startTime: z.number(),
  endTime: z.number(),
  distance: z.number(),
  /** In [0,1]; see the engine README for the formula. */
  similarity: z.number(),
  /** Close-to-close return over the `horizon` bars after the match; null when history ends first. */
  forwardReturn: z.number().nullable(),
});
export type SearchMatchInfo = z.infer<typeof SearchMatchSchema>;

export const SearchResultSchema = z.object({
  requestId: z.string(),
  backend: z.string(),
  simdLevel: z.string(),
  queryLength: z.number().int(),
  window: z.number().int(),
  candidates: z.number().int(),
  elapsedMs: z.number(),
  matches: z.array(SearchMatchSchema),
  /** Summary of what followed the matches: mean and median forward return, share of positive ones. */
  forward: z.object({ mean: z.number().nullable(), median: z.number().nullable(), positiveShare: z.number().nullable(), count: z.number().int() }),
});
export type SearchResult = z.infer<typeof SearchResultSchema>;

export const searchChannels = {
  'search:run': channel('Finds the top-k earlier windows most similar to the query (z-normalized DTW).', SearchRequestSchema, SearchResultSchema),
  'search:cancel': channel('Cancels a running search.', z.object({ requestId: z.string().min(1).max(64) }).strict(), z.object({ cancelled: z.boolean() })),
} as const;

export const searchEvents = {
  'search:progress': z.object({ requestId: z.string(), fraction: z.number().min(0).max(1) }),
} as const;
