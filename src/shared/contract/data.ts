/**
 * Contract of the data capability: data sets, import and bars at a timeframe.
 */
import { z } from 'zod';
import { TIMEFRAMES } from '../market';
import { channel } from './define';

export const TimeframeSchema = z.enum(TIMEFRAMES);

/** A query window of a data set at a timeframe (inclusive bar indices at that timeframe): fields to spread. */
export const QueryWindowFields = {
  datasetId: z.number().int().positive(),
  timeframe: TimeframeSchema,
  queryStart: z.number().int().nonnegative(),
  queryEnd: z.number().int().nonnegative(),
};

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

/** Roles a file's columns can play; one series is read from the mapped columns. */
export const COLUMN_ROLES = ['date', 'time', 'open', 'high', 'low', 'close', 'volume'] as const;
export const ColumnRoleSchema = z.enum(COLUMN_ROLES);
export type ColumnRole = z.infer<typeof ColumnRoleSchema>;

/** Day/month order of year-last dates ("01/02/2001"): day first or month first. */
export const DateOrderSchema = z.enum(['dmy', 'mdy']);
export type DateOrder = z.infer<typeof DateOrderSchema>;
export const DelimiterSchema = z.enum([',', ';', '\t', '|']);
export const DecimalMarkSchema = z.enum(['.', ',']);

/**
 * Which column plays which role: a 0-based column index (as in the preview's `columns[].index`) or the header
 * text; `null` = do not use (e.g. ignore a volume column). Roles left out keep what was detected. Picking a close
 * column other than the detected one drops the detected open/high/low/volume unless they are mapped too.
 */
const ColumnRefSchema = z
  .union([z.number().int().nonnegative().max(10_000), z.string().min(1).max(200)])
  .nullable()
  .optional();
export const ColumnMappingSchema = z.object({ date: ColumnRefSchema, time: ColumnRefSchema, open: ColumnRefSchema, high: ColumnRefSchema, low: ColumnRefSchema, close: ColumnRefSchema, volume: ColumnRefSchema }).strict();
export type ColumnMapping = z.infer<typeof ColumnMappingSchema>;

/** How to read a file when detection is not enough; everything optional (the preview says what was detected). */
export const CsvReadOptionsSchema = z
  .object({
    columns: ColumnMappingSchema.optional(),
    dateOrder: DateOrderSchema.optional(),
    delimiter: DelimiterSchema.optional(),
    decimal: DecimalMarkSchema.optional(),
  })
  .strict();
export type CsvReadOptions = z.infer<typeof CsvReadOptionsSchema>;

export const CsvColumnPreviewSchema = z.object({
  index: z.number().int().nonnegative(),
  /** Header text, or "column N" in a file without a header. */
  name: z.string(),
  /** The role detected (or mapped) for this column; null = unused. */
  role: ColumnRoleSchema.nullable(),
  /** The sample values read as numbers (a candidate price column). */
  numeric: z.boolean(),
});

export const SerializedErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

export const CsvPreviewSchema = z.object({
  delimiter: DelimiterSchema,
  decimal: DecimalMarkSchema,
  hasHeader: z.boolean(),
  columns: z.array(CsvColumnPreviewSchema),
  /** The first data rows as text (up to `rows` of the request, default 20) and their 1-based line numbers. */
  rows: z.array(z.array(z.string())),
  rowLines: z.array(z.number().int()),
  /** The day/month order detected or given; null when the dates are not year-last or the file cannot tell. */
  dateOrder: DateOrderSchema.nullable(),
  /** Orders still possible: ['dmy','mdy'] means the dialog must ask (unless dateOrder was given); one = decided. */
  dateOrderCandidates: z.array(DateOrderSchema),
  /** Records after the header. */
  dataRows: z.number().int().nonnegative(),
  /**
   * What importing with these options would give: the series' summary, or the error the import would raise
   * (a sentence naming the line). `duplicateOf` is the data set that already holds this exact series.
   */
  result: z.discriminatedUnion('ok', [
    z.object({
      ok: z.literal(true),
      format: z.string(),
      barCount: z.number().int().positive(),
      firstTime: z.number(),
      lastTime: z.number(),
      closeOnly: z.boolean(),
      hasVolume: z.boolean(),
      skippedRows: z.number().int().nonnegative(),
      reversed: z.boolean(),
      notes: z.array(z.string()),
      duplicateOf: DatasetInfoSchema.nullable(),
    }),
    z.object({ ok: z.literal(false), error: SerializedErrorSchema }),
  ]),
});
export type CsvPreview = z.infer<typeof CsvPreviewSchema>;

/** A new data set and what the import adjusted. */
export const ImportResultSchema = DatasetInfoSchema.extend({
  skippedRows: z.number().int().nonnegative(),
  reversed: z.boolean(),
  /** Sentences for the user (rows skipped, file reversed). */
  notes: z.array(z.string()),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;

export const dataChannels = {
  'datasets:list': channel('Lists the data sets in the workspace.', z.object({}).strict(), z.array(DatasetInfoSchema)),
  'datasets:preview': channel(
    'Reads a CSV file without importing it: first rows, columns with their detected roles, delimiter, decimal mark, date order and what the import would give.',
    z
      .object({
        csv: z.string().min(1).max(MAX_IMPORT_BYTES),
        options: CsvReadOptionsSchema.optional(),
        rows: z.number().int().min(1).max(200).optional(),
      })
      .strict(),
    CsvPreviewSchema,
  ),
  'datasets:import': channel(
    'Imports a CSV file as a new data set, all or nothing; the same series imported again is refused with Conflict (details.datasetId names the existing data set).',
    z
      .object({
        name: z.string().min(1).max(200),
        csv: z.string().min(1).max(MAX_WHOLE_IMPORT_CHARS),
        timeZone: z.string().max(64).optional(),
        options: CsvReadOptionsSchema.optional(),
      })
      .strict(),
    ImportResultSchema,
  ),
  'datasets:importBegin': channel(
    'Starts a chunked import of a CSV of up to 64 MiB (chunks of up to 1 MiB follow, then importEnd).',
    z
      .object({
        name: z.string().min(1).max(200),
        totalChars: z.number().int().positive().max(MAX_IMPORT_BYTES),
        timeZone: z.string().max(64).optional(),
        /** How to read the file (column mapping, date order...), as for datasets:import. */
        options: CsvReadOptionsSchema.optional(),
      })
      .strict(),
    z.object({ importId: z.string() }),
  ),
  'datasets:importChunk': channel(
    'Appends the next chunk of a chunked import, in order.',
    z.object({ importId: z.string().min(1).max(64), index: z.number().int().nonnegative(), chunk: z.string().min(1).max(IMPORT_CHUNK_CHARS) }).strict(),
    z.object({ receivedChars: z.number() }),
  ),
  'datasets:importEnd': channel('Finishes a chunked import: parses and stores the whole CSV, all or nothing.', z.object({ importId: z.string().min(1).max(64) }).strict(), ImportResultSchema),
  'datasets:importAbort': channel('Drops a chunked import.', z.object({ importId: z.string().min(1).max(64) }).strict(), z.object({ aborted: z.boolean() })),
  'datasets:remove': channel('Deletes a data set.', z.object({ datasetId: z.number().int().positive() }).strict(), z.object({ removed: z.boolean() })),
  'datasets:bars': channel(
    'Bars of a data set at a timeframe (resampled when coarser than native).',
    z.object({ datasetId: z.number().int().positive(), timeframe: TimeframeSchema }).strict(),
    z.object({ dataset: DatasetInfoSchema, timeframe: TimeframeSchema, bars: BarsPayloadSchema }),
  ),
} as const;
