/**
 * Contract of the data capability: data sets, import and bars at a timeframe.
 */
import { z } from 'zod';
import { TIMEFRAMES } from '../market';
import { channel } from './define';

export const TimeframeSchema = z.enum(TIMEFRAMES);

export const DatasetInfoSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  source: z.string(),
  /** Detected format of the file it came from, e.g. "yahoo", "metatrader", "tradingview", "generic", "close-only". */
  format: z.string(),
  /** Native timeframe detected from the bar spacing. */
  timeframe: TimeframeSchema,
  barCount: z.number().int().nonnegative(),
  firstTime: z.number(),
  lastTime: z.number(),
  hasVolume: z.boolean(),
  closeOnly: z.boolean(),
  /** IANA zone or "UTC" the data set's times are shown in. */
  timeZone: z.string(),
  importedAt: z.number(),
});
export type DatasetInfo = z.infer<typeof DatasetInfoSchema>;

/** Columnar bars in plain arrays (JSON-safe for the browser host). */
export const BarsPayloadSchema = z.object({
  time: z.array(z.number()),
  open: z.array(z.number()),
  high: z.array(z.number()),
  low: z.array(z.number()),
  close: z.array(z.number()),
  volume: z.array(z.number()),
});
export type BarsPayload = z.infer<typeof BarsPayloadSchema>;

/** Largest CSV the app accepts in one import (text), whether sent whole or in chunks. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;
/** Largest piece of a chunked import (characters); the renderer sends files in pieces of this size. */
export const IMPORT_CHUNK_CHARS = 1024 * 1024;
/** Largest single message the browser host reads (issue 12): a chunk JSON-escaped at worst (6 bytes per char) plus its envelope. */
export const MAX_MESSAGE_BYTES = 6 * IMPORT_CHUNK_CHARS + 64 * 1024;
/** Largest CSV sent whole in `datasets:import`; bigger files go through importBegin/importChunk/importEnd. */
export const MAX_WHOLE_IMPORT_CHARS = IMPORT_CHUNK_CHARS;

export const dataChannels = {
  'datasets:list': channel('Lists the data sets in the workspace.', z.object({}).strict(), z.array(DatasetInfoSchema)),
  'datasets:import': channel(
    'Imports a CSV file as a new data set; all or nothing.',
    z
      .object({
        name: z.string().min(1).max(200),
        csv: z.string().min(1).max(MAX_WHOLE_IMPORT_CHARS),
        timeZone: z.string().max(64).optional(),
      })
      .strict(),
    DatasetInfoSchema,
  ),
  'datasets:importBegin': channel(
    'Starts a chunked import of a CSV of up to 64 MiB (chunks of up to 1 MiB follow, then importEnd).',
    z
      .object({
        name: z.string().min(1).max(200),
        totalChars: z.number().int().positive().max(MAX_IMPORT_BYTES),
        timeZone: z.string().max(64).optional(),
      })
      .strict(),
    z.object({ importId: z.string() }),
  ),
  'datasets:importChunk': channel(
    'Appends the next chunk of a chunked import, in order.',
    z.object({ importId: z.string().min(1).max(64), index: z.number().int().nonnegative(), chunk: z.string().min(1).max(IMPORT_CHUNK_CHARS) }).strict(),
    z.object({ receivedChars: z.number() }),
  ),
  'datasets:importEnd': channel(
    'Finishes a chunked import: parses and stores the whole CSV, all or nothing.',
    z.object({ importId: z.string().min(1).max(64) }).strict(),
    DatasetInfoSchema,
  ),
  'datasets:importAbort': channel('Drops a chunked import.', z.object({ importId: z.string().min(1).max(64) }).strict(), z.object({ aborted: z.boolean() })),
  'datasets:remove': channel('Deletes a data set.', z.object({ datasetId: z.number().int().positive() }).strict(), z.object({ removed: z.boolean() })),
  'datasets:bars': channel(
    'Bars of a data set at a timeframe (resampled when coarser than native).',
    z.object({ datasetId: z.number().int().positive(), timeframe: TimeframeSchema }).strict(),
    z.object({ dataset: DatasetInfoSchema, timeframe: TimeframeSchema, bars: BarsPayloadSchema }),
  ),
} as const;
