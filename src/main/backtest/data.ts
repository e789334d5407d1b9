/**
 * Bars for backtests from a CSV file, optionally resampled to a coarser timeframe, through the data
 * capability's own parser and resampler (same bars as the app shows). Never modifies the file.
 */
import fs from 'node:fs';
import type { Bars, Timeframe } from '../../shared/market';
import { WarpdeskError } from '../../shared/errors';
import { loadBars, resample, type CsvOptions } from '../data';

/** `csv`: column mapping and date order for files that need them (`--columns`, `--date-order`). */
export function loadBacktestBars(file: string, timeframe?: Timeframe, csv?: CsvOptions): Bars {
  if (!fs.existsSync(file)) throw new WarpdeskError('NotFound', `The data file ${file} does not exist.`);
  const bars = loadBars(file, csv);
  return timeframe ? resample(bars, timeframe) : bars;
}
