/**
 * The data capability's handlers behind the contract: list, preview, import (whole, or in chunks of up to 1 MiB
 * so no transport message is bigger than that; issue 12), remove, bars at a timeframe. Chunked imports are
 * bounded: at most MAX_PENDING_IMPORTS at once, each at most MAX_IMPORT_BYTES, dropped after IMPORT_IDLE_MS
 * without a chunk.
 */
import crypto from 'node:crypto';
import { MAX_IMPORT_BYTES, type BarsPayload, type CsvPreview, type CsvReadOptions } from '../../shared/contract';
import { toSerializedError, WarpdeskError } from '../../shared/errors';
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

/** Chunked imports in progress at once (all clients together). */
export const MAX_PENDING_IMPORTS = 4;
/** A chunked import without a chunk for this long is dropped. */
export const IMPORT_IDLE_MS = 5 * 60_000;

interface PendingImport {
  name: string;
  timeZone?: string;
  options?: CsvReadOptions;
  totalChars: number;
  parts: string[];
  chars: number;
  touched: number;
}

export function dataCapability(store: DataStore, now: () => number = Date.now): Capability {
  const pending = new Map<string, PendingImport>();
  const sweep = (): void => {
    for (const [id, p] of pending) if (now() - p.touched > IMPORT_IDLE_MS) pending.delete(id);
  };
  const get = (importId: string): PendingImport => {
    sweep();
    const p = pending.get(importId);
    if (!p) throw new WarpdeskError('NotFound', 'This import is unknown or was dropped after 5 minutes without data; start it again.', { importId });
    p.touched = now();
    return p;
  };
  return {
    name: 'data',
    close: () => pending.clear(),
    handlers: {
      'datasets:list': () => store.list(),
      'datasets:preview': (req) => previewImport(store, req.csv, req.options, req.rows),
      'datasets:import': (req) => store.importCsv(req.csv, { name: req.name, source: `import: ${req.name}`, timeZone: req.timeZone, csv: csvOptions(req.options) }),
      'datasets:importBegin': (req) => {
        sweep();
        if (pending.size >= MAX_PENDING_IMPORTS) throw new WarpdeskError('Unavailable', `${MAX_PENDING_IMPORTS} imports are already running; wait for one to finish.`, { limit: MAX_PENDING_IMPORTS });
        const importId = crypto.randomBytes(12).toString('base64url');
        pending.set(importId, { name: req.name, timeZone: req.timeZone, options: req.options, totalChars: req.totalChars, parts: [], chars: 0, touched: now() });
        return { importId };
      },
      'datasets:importChunk': (req) => {
        const p = get(req.importId);
        if (req.index !== p.parts.length) throw new WarpdeskError('InvalidInput', `Chunk ${req.index} of the import arrived out of order (expected ${p.parts.length}).`, { importId: req.importId });
        if (p.chars + req.chunk.length > p.totalChars) {
          pending.delete(req.importId);
          throw new WarpdeskError('TooLarge', `The import sent more than the ${p.totalChars} characters it announced (at most ${MAX_IMPORT_BYTES / 2 ** 20} MiB).`, { importId: req.importId });
        }
        p.parts.push(req.chunk);
        p.chars += req.chunk.length;
        return { receivedChars: p.chars };
      },
      'datasets:importEnd': (req) => {
        const p = get(req.importId);
        pending.delete(req.importId);
        if (p.chars !== p.totalChars) throw new WarpdeskError('InvalidInput', `The import ended after ${p.chars} of the ${p.totalChars} characters it announced.`, { importId: req.importId });
        const csv = p.parts.join('');
        p.parts.length = 0;
        return store.importCsv(csv, { name: p.name, source: `import: ${p.name}`, timeZone: p.timeZone, csv: csvOptions(p.options) });
      },
      'datasets:importAbort': (req) => ({ aborted: pending.delete(req.importId) }),
      'datasets:remove': (req) => ({ removed: store.remove(req.datasetId) }),
      'datasets:bars': (req) => {
        const dataset = store.get(req.datasetId);
        return { dataset, timeframe: req.timeframe, bars: barsToPayload(store.bars(req.datasetId, req.timeframe)) };
      },
    },
  };
}
