/**
 * The sample data sets shipped in resources/data (credited in resources/data/SOURCES.md), imported into a
 * new workspace on first start so the app opens on real prices. A sample that is missing is an error naming
 * its path (a broken installation), never a silent skip.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WarpdeskError } from '../../shared/errors';
import type { DataStore } from './store';

export const SAMPLES = [
  { file: 'ttrc_daily.csv', name: 'US equity composite (daily, 1985-2006)', timeZone: 'UTC' },
  { file: 'usdchf_30min_1996_2001.csv', name: 'USD/CHF (30 min, 1996-2001)', timeZone: 'Europe/Zurich' },
  { file: 'msft_daily_2000_2001.csv', name: 'MSFT (daily, 2000-2001)', timeZone: 'America/New_York' },
] as const;

/** Imports the samples when the store has no data set yet; returns how many were imported. */
export function ensureSamples(store: DataStore, resourcesDir: string): number {
  if (store.list().length > 0) return 0;
  let imported = 0;
  for (const s of SAMPLES) {
    const file = path.join(resourcesDir, 'data', s.file);
    if (!fs.existsSync(file)) throw new WarpdeskError('NotFound', `Warpdesk is missing a sample data set it ships: ${file} does not exist; reinstall Warpdesk.`, { path: file });
    store.importCsv(fs.readFileSync(file, 'utf8'), { name: s.name, source: `sample: ${s.file} (see SOURCES.md)`, timeZone: s.timeZone });
    imported++;
  }
  return imported;
}
