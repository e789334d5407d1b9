/**
 * The data capability: CSV import, the SQLite data-set store, timeframes. Entry point for the rest of the core.
 */
import fs from 'node:fs';
import type { Bars } from '../../shared/market';
import { parseCsv, type ParsedCsv } from './csv';

export { parseCsv, type ParsedCsv, type CsvFormat } from './csv';
export { resample, detectTimeframe, bucketStart, alignTimeframes, type AlignedSeries } from './resample';
export { DataStore, type ImportOptions } from './store';
export { parseDateTime, formatTime } from './time-parse';
export { ensureSamples } from './samples';

/** Reads and parses a CSV file from disk. */
export function loadCsvFile(file: string): ParsedCsv {
  return parseCsv(fs.readFileSync(file, 'utf8'));
}

/** Convenience for the CLI and benchmarks: the bars of a CSV file. */
export function loadBars(file: string): Bars {
  return loadCsvFile(file).bars;
}
