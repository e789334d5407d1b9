/**
 * The data capability: CSV import, the SQLite data-set store, timeframes. Entry point for the rest of the core.
 */
import fs from 'node:fs';
import { WarpdeskError } from '../../shared/errors';
import type { Bars } from '../../shared/market';
import { parseCsv, type CsvOptions, type ParsedCsv } from './csv';

export {
  parseCsv,
  previewCsv,
  normalizeHeader,
  COLUMN_ROLES,
  type ParsedCsv,
  type CsvFormat,
  type CsvOptions,
  type CsvPreview,
  type CsvColumnPreview,
  type ColumnMapping,
  type ColumnRef,
  type ColumnRole,
  type Delimiter,
  type DecimalMark,
} from './csv';
export { resample, detectTimeframe, bucketStart, alignTimeframes, type AlignedSeries } from './resample';
export { DataStore, barsContentHash, type ImportOptions, type ImportResult } from './store';
export { parseDateTime, formatTime, DATE_ORDERS, type DateOrder } from './time-parse';
export { ensureSamples } from './samples';

/**
 * Largest CSV file read from disk (issue 12): a file is parsed as one string, and past a few hundred MiB V8
 * fails with a raw "Cannot create a string longer than..." after gigabytes of RSS. Refused before reading.
 */
export const MAX_CSV_FILE_BYTES = 256 * 1024 * 1024;

/** Reads and parses a CSV file from disk; files over MAX_CSV_FILE_BYTES are refused (TooLarge) before reading. */
export function loadCsvFile(file: string, options?: CsvOptions, maxBytes = MAX_CSV_FILE_BYTES): ParsedCsv {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new WarpdeskError('NotFound', `There is no CSV file at ${file}.`);
  }
  if (size > maxBytes)
    throw new WarpdeskError('TooLarge', `The CSV file ${file} has ${(size / 2 ** 20).toFixed(0)} MiB, more than the ${(maxBytes / 2 ** 20).toFixed(0)} MiB Warpdesk reads at once; split it or resample it first.`, {
      bytes: size,
      limitBytes: maxBytes,
    });
  return parseCsv(fs.readFileSync(file, 'utf8'), options);
}

/** Convenience for the CLI and benchmarks: the bars of a CSV file. */
export function loadBars(file: string, options?: CsvOptions): Bars {
  return loadCsvFile(file, options).bars;
}
