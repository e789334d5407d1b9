/**
 * CSV import for price files: detects the delimiter, the header (or its absence) and the layout, then
 * parses every row into columnar Bars, validating as it goes. Recognized layouts: generic OHLCV, Yahoo
 * Finance ("Adj Close"), MetaTrader (<DATE>,<TIME> headers or headerless "YYYY.MM.DD,HH:MM,o,h,l,c,v"),
 * TradingView ("time" in epoch seconds) and close-only files ("time,close").
 * All or nothing: the first bad row throws WarpdeskError('InvalidCsv') naming the line and the problem;
 * nothing is returned half-parsed. Pure: no I/O, no SQLite.
 */
import { WarpdeskError } from '../../shared/errors';
import type { Bars } from '../../shared/market';
import { parseDateTime, parseTimeOfDay, formatTime } from './time-parse';

export type CsvFormat = 'generic' | 'yahoo' | 'metatrader' | 'tradingview' | 'close-only';

export interface ParsedCsv {
  bars: Bars;
  format: CsvFormat;
  closeOnly: boolean;
  hasVolume: boolean;
}

interface Layout {
  format: CsvFormat;
  hasHeader: boolean;
  date: number;
  /** Separate time-of-day column, or -1. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  columnCount: number;
}

const ALIASES: Record<'date' | 'time' | 'datetime' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'tickvol', string[]> = {
  datetime: ['datetime', 'timestamp', 'date time', 'date_time', 'gmt time', 'local time', 'open time', 'time (utc)', 'date (utc)'],
  date: ['date', 'day'],
  time: ['time'],
  open: ['open', 'o', 'open price'],
  high: ['high', 'h', 'high price'],
  low: ['low', 'l', 'low price'],
  close: ['close', 'c', 'last', 'price', 'close price', 'close/last'],
  volume: ['volume', 'vol', 'v', 'real volume'],
  tickvol: ['tickvol', 'tick volume', 'tick_volume', 'tickvolume'],
};

function fail(line: number, problem: string, column?: string): never {
  throw new WarpdeskError('InvalidCsv', `Line ${line}: ${problem}`, column ? { line, column } : { line });
}

function normalizeHeader(h: string): string {
  return h.trim().replace(/^"|"$/g, '').replace(/^<|>$/g, '').trim().toLowerCase();
}

function detectDelimiter(line: string): string {
  const candidates = [',', ';', '\t', '|'];
  let best = ',';
  let bestCount = 0;
  for (const d of candidates) {
    const count = line.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

function splitLine(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === delimiter && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function findColumn(headers: string[], names: string[]): number {
  for (const n of names) {
    const i = headers.indexOf(n);
    if (i >= 0) return i;
  }
  return -1;
}

function layoutFromHeader(headers: string[], rawHeaderLine: string): Layout {
  let date = findColumn(headers, ALIASES.datetime);
  let time = -1;
  if (date < 0) {
    date = findColumn(headers, ALIASES.date);
    const t = findColumn(headers, ALIASES.time);
    if (date >= 0 && t >= 0) time = t;
    else if (date < 0) date = t;
  }
  if (date < 0) fail(1, 'the header has no date or time column (expected one named date, time, datetime or timestamp).', 'date');
  const close = findColumn(headers, ALIASES.close);
  if (close < 0) fail(1, 'the header has no close column (expected one named close, last or price).', 'close');
  const open = findColumn(headers, ALIASES.open);
  const high = findColumn(headers, ALIASES.high);
  const low = findColumn(headers, ALIASES.low);
  const ohlcFound = [open, high, low].filter((i) => i >= 0).length;
  if (ohlcFound > 0 && ohlcFound < 3) {
    const missing = ['open', 'high', 'low'].filter((_, i) => [open, high, low][i]! < 0);
    fail(1, `the header has some but not all of open, high and low (missing ${missing.join(', ')}).`, missing[0]);
  }
  let volume = findColumn(headers, ALIASES.volume);
  const tickvol = findColumn(headers, ALIASES.tickvol);
  if (tickvol >= 0 && (volume < 0 || headers[volume] === 'vol')) volume = tickvol;
  const closeOnly = ohlcFound === 0;
  let format: CsvFormat = 'generic';
  if (closeOnly) format = 'close-only';
  else if (headers.includes('adj close') || headers.includes('adj_close')) format = 'yahoo';
  else if (rawHeaderLine.includes('<')) format = 'metatrader';
  else if (headers[date] === 'time') format = 'tradingview';
  return { format, hasHeader: true, date, time, open, high, low, close, volume, columnCount: headers.length };
}

function layoutHeaderless(fields: string[]): Layout {
  const n = fields.length;
  const hasTimeCol = n >= 2 && !Number.isNaN(parseTimeOfDay(fields[1]!));
  const base = hasTimeCol ? 2 : 1;
  const metaDate = /^\d{4}\.\d{2}\.\d{2}/.test(fields[0]!.trim());
  const format: CsvFormat = metaDate || hasTimeCol ? 'metatrader' : 'generic';
  const remaining = n - base;
  if (remaining === 1) return { format: 'close-only', hasHeader: false, date: 0, time: hasTimeCol ? 1 : -1, open: -1, high: -1, low: -1, close: base, volume: -1, columnCount: n };
  if (remaining >= 4) {
    return { format, hasHeader: false, date: 0, time: hasTimeCol ? 1 : -1, open: base, high: base + 1, low: base + 2, close: base + 3, volume: remaining >= 5 ? base + 4 : -1, columnCount: n };
  }
  fail(1, `a file without a header needs date[,time],close or date[,time],open,high,low,close[,volume]; this one has ${n} columns.`);
}

function toNumber(text: string | undefined, line: number, column: string): number {
  const s = (text ?? '').trim();
  if (s.length === 0) fail(line, `the ${column} value is empty.`, column);
  const v = Number(s);
  if (!Number.isFinite(v)) fail(line, `the ${column} value "${s.slice(0, 40)}" is not a number.`, column);
  return v;
}

/** Parses CSV text into validated bars. Throws WarpdeskError('InvalidCsv') naming the first bad line. */
export function parseCsv(text: string): ParsedCsv {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = src.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw new WarpdeskError('InvalidCsv', 'The file is empty.');
  const delimiter = detectDelimiter(lines[0]!);
  const firstFields = splitLine(lines[0]!, delimiter);
  const headerless = !Number.isNaN(parseDateTime(firstFields[0] ?? ''));
  const layout = headerless ? layoutHeaderless(firstFields) : layoutFromHeader(firstFields.map(normalizeHeader), lines[0]!);
  const start = layout.hasHeader ? 1 : 0;
  const capacity = lines.length - start;
  if (capacity <= 0) throw new WarpdeskError('InvalidCsv', 'The file has a header but no rows.');

  const time = new Float64Array(capacity);
  const open = new Float64Array(capacity);
  const high = new Float64Array(capacity);
  const low = new Float64Array(capacity);
  const close = new Float64Array(capacity);
  const volume = new Float64Array(capacity);
  const closeOnly = layout.open < 0;
  const needed = Math.max(layout.date, layout.time, layout.open, layout.high, layout.low, layout.close, layout.volume) + 1;
  let count = 0;
  let hasVolume = false;

  for (let li = start; li < lines.length; li++) {
    const raw = lines[li]!;
    const lineNo = li + 1;
    if (raw.trim() === '') continue;
    const f = delimiter === ',' && !raw.includes('"') ? raw.split(',') : splitLine(raw, delimiter);
    if (f.length < needed) fail(lineNo, `expected at least ${needed} columns, found ${f.length}.`);
    let t = parseDateTime(f[layout.date]!);
    if (layout.time >= 0) {
      const tod = parseTimeOfDay(f[layout.time]!);
      if (Number.isNaN(tod)) fail(lineNo, `the time "${f[layout.time]!.trim().slice(0, 40)}" could not be read.`, 'time');
      t += tod;
    }
    if (Number.isNaN(t)) fail(lineNo, `the date "${f[layout.date]!.trim().slice(0, 40)}" could not be read.`, 'date');
    if (count > 0 && t <= time[count - 1]!) {
      fail(lineNo, `time ${formatTime(t)} is not after the previous row's ${formatTime(time[count - 1]!)}; rows must be in increasing time order without duplicates.`, 'date');
    }
    const c = toNumber(f[layout.close], lineNo, 'close');
    let o = c;
    let h = c;
    let l = c;
    if (!closeOnly) {
      o = toNumber(f[layout.open], lineNo, 'open');
      h = toNumber(f[layout.high], lineNo, 'high');
      l = toNumber(f[layout.low], lineNo, 'low');
    }
    if (c <= 0) fail(lineNo, `the close price ${c} is not positive.`, 'close');
    if (!closeOnly) {
      if (o <= 0) fail(lineNo, `the open price ${o} is not positive.`, 'open');
      if (h <= 0) fail(lineNo, `the high price ${h} is not positive.`, 'high');
      if (l <= 0) fail(lineNo, `the low price ${l} is not positive.`, 'low');
    }
    if (h < l) fail(lineNo, `the high ${h} is below the low ${l}.`, 'high');
    let v = 0;
    if (layout.volume >= 0) {
      v = toNumber(f[layout.volume], lineNo, 'volume');
      if (v < 0) fail(lineNo, `the volume ${v} is negative.`, 'volume');
      if (v > 0) hasVolume = true;
    }
    time[count] = t;
    open[count] = o;
    high[count] = h;
    low[count] = l;
    close[count] = c;
    volume[count] = v;
    count++;
  }
  if (count === 0) throw new WarpdeskError('InvalidCsv', 'The file has no data rows.');
  const cut = (a: Float64Array): Float64Array => (count === capacity ? a : a.slice(0, count));
  return {
    bars: { time: cut(time), open: cut(open), high: cut(high), low: cut(low), close: cut(close), volume: cut(volume) },
    format: layout.format,
    closeOnly,
    hasVolume,
  };
}
