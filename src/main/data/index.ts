/**
 * The data capability: CSV import, the SQLite data-set store, timeframes. Entry point for the rest of the core.
 */
import fs from 'node:fs';
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

/** Reads and parses a CSV file from disk. */
export function loadCsvFile(file: string, options?: CsvOptions): ParsedCsv {
  return parseCsv(fs.readFileSync(file, 'utf8'), options);
}

/** Convenience for the CLI and benchmarks: the bars of a CSV file. */
export function loadBars(file: string, options?: CsvOptions): Bars {
  return loadCsvFile(file, options).bars;
}
