/**
 * Data benchmarks: CSV parse and SQLite import of the shipped samples (the 62,496-row USD/CHF file must
 * import in well under a second), bars read-back, and resampling to coarser timeframes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DataStore, parseCsv, resample } from '../src/main/data';
import { median, quantile, timeRuns, type BenchContext, type BenchSection } from './lib';

export default async function run(ctx: BenchContext): Promise<BenchSection> {
  const dir = path.resolve(__dirname, '../resources/data');
  const usdchf = fs.readFileSync(path.join(dir, 'usdchf_30min_1996_2001.csv'), 'utf8');
  const daily = fs.readFileSync(path.join(dir, 'ttrc_daily.csv'), 'utf8');
  const iterations = ctx.quick ? 2 : 10;
  const rows: BenchSection['rows'] = [];
  const add = (name: string, samples: number[], items: number): void => {
    rows.push({ case: name, items, 'median ms': median(samples), 'p90 ms': quantile(samples, 0.9), 'ns/item': (median(samples) * 1e6) / items });
  };

  add('parse USD/CHF 30m CSV', await timeRuns(() => parseCsv(usdchf), iterations), 62_496);
  add('parse daily OHLCV CSV', await timeRuns(() => parseCsv(daily), iterations), 5550);
  let k = 0;
  const store = DataStore.open(ctx.tmpDir ?? fs.mkdtempSync('/tmp/wd-bench-'));
  add('import USD/CHF (parse + SQLite txn)', await timeRuns(() => store.importCsv(usdchf, { name: `u${k++}`, source: 'bench', allowDuplicate: true }), iterations), 62_496);
  const id = store.list()[0]!.id;
  add('read bars back (62,496)', await timeRuns(() => store.bars(id), iterations), 62_496);
  const bars = store.bars(id);
  for (const tf of ['1h', '4h', '1D', '1W'] as const) add(`resample 30m -> ${tf}`, await timeRuns(() => resample(bars, tf, '30m'), iterations), 62_496);
  store.close();
  return { name: 'data: CSV import and timeframes', rows, notes: ['Target: the 62,496-row file imports in well under a second.'] };
}
