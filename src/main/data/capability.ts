/**
 * The data capability's handlers behind the contract: list, preview, import, remove, bars at a timeframe.
 */
import type { BarsPayload, CsvPreview, CsvReadOptions } from '../../shared/contract';
import { toSerializedError } from '../../shared/errors';
import type { Bars } from '../../shared/market';
import type { Capability } from '../platform/capability';
import { parseCsv, previewCsv, type CsvOptions } from './csv';
import type { DataStore } from './store';

export function barsToPayload(b: Bars): BarsPayload {
  return { time: Array.from(b.time), open: Array.from(b.open), high: Array.from(b.high), low: Array.from(b.low), close: Array.from(b.close), volume: Array.from(b.volume) };
}

function csvOptions(o: CsvReadOptions | undefined): CsvOptions | undefined {
  if (!o) return undefined;
  const { columns, ...rest } = o;
  const mapped: CsvOptions = { ...rest };
  if (columns) mapped.columns = Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== undefined));
  return mapped;
}

/** The preview of a file plus what importing it would give (or the error it would raise), without storing anything. */
export function previewImport(store: DataStore, csv: string, options: CsvReadOptions | undefined, rows = 20): CsvPreview {
  const opts = csvOptions(options);
  const preview = previewCsv(csv, opts, rows);
  let result: CsvPreview['result'];
  try {
    const parsed = parseCsv(csv, opts);
    const b = parsed.bars;
    const n = b.time.length;
    result = {
      ok: true,
      format: parsed.format,
      barCount: n,
      firstTime: b.time[0]!,
      lastTime: b.time[n - 1]!,
      closeOnly: parsed.closeOnly,
      hasVolume: parsed.hasVolume,
      skippedRows: parsed.skippedRows,
      reversed: parsed.reversed,
      notes: parsed.notes,
      duplicateOf: store.findDuplicate(b) ?? null,
    };
  } catch (err) {
    result = { ok: false, error: toSerializedError(err) };
  }
  return { ...preview, result };
}

export function dataCapability(store: DataStore): Capability {
  return {
    name: 'data',
    handlers: {
      'datasets:list': () => store.list(),
      'datasets:preview': (req) => previewImport(store, req.csv, req.options, req.rows),
      'datasets:import': (req) => store.importCsv(req.csv, { name: req.name, source: `import: ${req.name}`, timeZone: req.timeZone, csv: csvOptions(req.options) }),
      'datasets:remove': (req) => ({ removed: store.remove(req.datasetId) }),
      'datasets:bars': (req) => {
        const dataset = store.get(req.datasetId);
        return { dataset, timeframe: req.timeframe, bars: barsToPayload(store.bars(req.datasetId, req.timeframe)) };
      },
    },
  };
}
