/**
 * CSV import for price files. csv-parse (RFC 4180: quoted fields, quotes, newlines inside quotes) tokenises;
 * on top of it this module detects the delimiter (`,` `;` tab `|`, or Excel's `sep=` line), the header (or its
 * absence) in English, German, French, Spanish and Italian, the decimal mark (`1.234,56` or `1,234.56`), the
 * day/month order from the whole date column, and the layout: generic OHLCV, Yahoo Finance ("Adj Close",
 * `null` rows), MetaTrader (<DATE>,<TIME> or headerless), TradingView (epoch seconds), close-only, and one
 * series of a multi-column file when the caller maps the columns (`ColumnMapping`).
 * Newest-first files are reversed (and say so); rows without any price (Yahoo `null` rows, holidays of one
 * column in a multi-column file) are skipped and counted. Everything else that is wrong is refused with its
 * line: unreadable or ambiguous dates, duplicate or unordered timestamps, non-decimal numbers (hex, Infinity),
 * non-positive prices, close or open outside [low, high], negative volume, years before 1800.
 * All or nothing: nothing is returned half-parsed. Pure: no I/O, no SQLite.
 */
import { parse as parseRecords } from 'csv-parse/sync';
import { WarpdeskError } from '../../shared/errors';
import type { Bars } from '../../shared/market';
import { formatTime, parseTimeOfDay, readDate, yearLastParts, type DateOrder } from './time-parse';

export type CsvFormat = 'generic' | 'yahoo' | 'metatrader' | 'tradingview' | 'close-only' | 'european' | 'multi-column';
export type Delimiter = ',' | ';' | '\t' | '|';
export type DecimalMark = '.' | ',';
export const COLUMN_ROLES = ['date', 'time', 'open', 'high', 'low', 'close', 'volume'] as const;
export type ColumnRole = (typeof COLUMN_ROLES)[number];
/** A column by 0-based index or by its header text (case- and accent-insensitive). */
export type ColumnRef = number | string;
/** Which column plays which role; `null` means "do not use" (e.g. ignore a volume column). */
export type ColumnMapping = Partial<Record<ColumnRole, ColumnRef | null>>;

export interface CsvOptions {
  columns?: ColumnMapping;
  /** Order of year-last dates ("01/02/2001"); needed only when the file cannot tell. */
  dateOrder?: DateOrder;
  delimiter?: Delimiter;
  decimal?: DecimalMark;
}

export interface ParsedCsv {
  bars: Bars;
  format: CsvFormat;
  closeOnly: boolean;
  hasVolume: boolean;
  delimiter: Delimiter;
  decimal: DecimalMark;
  /** The day/month order used for year-last dates, or null when the dates are not of that shape. */
  dateOrder: DateOrder | null;
  /** Column index per role as used (-1: absent). */
  columns: Record<ColumnRole, number>;
  /** Rows without any price (e.g. Yahoo `null` rows), skipped. */
  skippedRows: number;
  skippedLines: number[];
  /** True when the file was newest first and was reversed. */
  reversed: boolean;
  /** Sentences for the user about what was adjusted (skipped rows, reversal). */
  notes: string[];
}

export interface CsvColumnPreview {
  index: number;
  /** Header text, or "column N" for a file without a header. */
  name: string;
  /** The role detected (or mapped) for this column, or null when unused. */
  role: ColumnRole | null;
  /** Whether the column's sample values read as numbers (candidates for prices). */
  numeric: boolean;
}

export interface CsvPreview {
  delimiter: Delimiter;
  decimal: DecimalMark;
  hasHeader: boolean;
  columns: CsvColumnPreview[];
  /** The first data rows, as text. */
  rows: string[][];
  /** Line number (1-based) of each preview row. */
  rowLines: number[];
  /** The order detected or given; null when the dates are not year-last or the column cannot tell. */
  dateOrder: DateOrder | null;
  /** Orders still possible: two when the user must choose, one when decided, none when not applicable. */
  dateOrderCandidates: DateOrder[];
  /** Line count of data rows (records after the header). */
  dataRows: number;
}

interface Table {
  delimiter: Delimiter;
  records: string[][];
  /** 1-based first line of each record. */
  lines: number[];
}

interface Layout {
  format: CsvFormat;
  hasHeader: boolean;
  headers: string[];
  roles: Record<ColumnRole, number>;
}

const HEADER_ALIASES: Record<ColumnRole | 'datetime', string[]> = {
  datetime: ['datetime', 'timestamp', 'date time', 'date_time', 'gmt time', 'local time', 'open time', 'time (utc)', 'date (utc)', 'zeitstempel', 'horodatage', 'fecha y hora', 'data e ora'],
  date: ['date', 'day', 'datum', 'handelstag', 'fecha', 'data', 'jour'],
  time: ['time', 'zeit', 'uhrzeit', 'heure', 'hora', 'ora'],
  open: ['open', 'o', 'open price', 'opening', 'eroffnung', 'eroeffnung', 'eroffnungskurs', 'erster', 'erster kurs', 'ouverture', 'ouv.', 'apertura'],
  high: ['high', 'h', 'high price', 'hoch', 'hochst', 'hoechst', 'hochstkurs', 'tageshoch', 'plus haut', 'haut', 'maximo', 'max', 'massimo', 'max.'],
  low: ['low', 'l', 'low price', 'tief', 'tiefst', 'tiefstkurs', 'tagestief', 'plus bas', 'bas', 'minimo', 'min', 'min.'],
  close: [
    'close',
    'c',
    'last',
    'price',
    'close price',
    'close/last',
    'schluss',
    'schlusskurs',
    'schluß',
    'schlußkurs',
    'letzter',
    'letzter kurs',
    'kurs',
    'cloture',
    'dernier',
    'cierre',
    'ultimo',
    'precio',
    'chiusura',
    'prezzo',
  ],
  volume: ['volume', 'vol', 'v', 'vol.', 'real volume', 'volumen', 'volumes', 'volume total', 'volumi', 'stuck', 'stucke'],
};
const TICKVOL_ALIASES = ['tickvol', 'tick volume', 'tick_volume', 'tickvolume'];
const DELIMITER_NAMES: Record<Delimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'vertical bar' };
/** Values that mean "no price here": skipped when a whole row has no price. */
const MISSING_RE = /^(?:|null|n\/a|na|#n\/a|-|—)$/i;
const NUMBER_DOT_RE = /^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const NUMBER_COMMA_RE = /^[+-]?(?:\d{1,3}(?:[.'\u00a0\u202f ]\d{3})+|\d+)?(?:,\d+)?(?:[eE][+-]?\d+)?$/;

function fail(line: number, problem: string, column?: string, extra: Record<string, string | number | boolean | null> = {}): never {
  throw new WarpdeskError('InvalidCsv', `Line ${line}: ${problem}`, { line, ...(column ? { column } : {}), ...extra });
}

/** Lowercase, accents stripped, quotes and MetaTrader's <> removed, inner whitespace collapsed. */
export function normalizeHeader(h: string): string {
  return h
    .trim()
    .replace(/^"|"$/g, '')
    .replace(/^<|>$/g, '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Delimiter counts per line outside quotes. */
function countOutsideQuotes(line: string, d: string): number {
  let n = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === d && !quoted) n++;
  }
  return n;
}

function detectDelimiter(head: string[]): Delimiter {
  const order: Delimiter[] = ['\t', ';', ',', '|'];
  const lines = head.slice(0, 30);
  let fallback: Delimiter = ',';
  let fallbackCount = 0;
  for (const d of order) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    const first = counts[0] ?? 0;
    if (first > fallbackCount) {
      fallback = d;
      fallbackCount = first;
    }
    // Consistent: every sampled line has the header's count (the last line may be cut short by the sample).
    if (first > 0 && counts.slice(0, -1).every((c) => c === first)) return d;
  }
  return fallback;
}

function tokenize(text: string, forced?: Delimiter): Table {
  let src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let lineOffset = 0;
  let delimiter = forced;
  // Excel writes "sep=;" as the first line of some exports.
  const sep = /^sep=(.)\r?\n/i.exec(src);
  if (sep) {
    if (!delimiter && [',', ';', '\t', '|'].includes(sep[1]!)) delimiter = sep[1] as Delimiter;
    src = src.slice(sep[0].length);
    lineOffset = 1;
  }
  const head: string[] = [];
  let pos = 0;
  while (head.length < 31 && pos < src.length) {
    let end = src.indexOf('\n', pos);
    if (end < 0) end = src.length;
    const line = src.slice(pos, end).replace(/\r$/, '');
    if (line.trim() !== '') head.push(line);
    pos = end + 1;
  }
  if (head.length === 0) throw new WarpdeskError('InvalidCsv', 'The file is empty.');
  delimiter ??= detectDelimiter(head);
  // Without a quote character anywhere, RFC 4180 is plain splitting: do that (several times faster than the
  // general tokenizer on 60,000-row files). Files with quotes, or with old-Mac "\r" line ends, go to csv-parse.
  if (!src.includes('"') && (src.includes('\n') || !src.includes('\r'))) return splitPlain(src, delimiter, lineOffset);
  let raw: Array<{ record: string[]; info: { lines: number } }>;
  try {
    raw = parseRecords(src, { delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: true, info: true }) as unknown as typeof raw;
  } catch (err) {
    const e = err as { lines?: number; message?: string };
    const line = (e.lines ?? 0) + lineOffset;
    throw new WarpdeskError('InvalidCsv', `Line ${line}: the file is not valid CSV (${(e.message ?? String(err)).replace(/\.$/, '')}).`, { line });
  }
  const records: string[][] = [];
  const lines: number[] = [];
  for (const r of raw) {
    // Rows of empty fields (";;;;" at the end of Excel sheets) are blank lines.
    if (r.record.every((f) => f === '')) continue;
    let newlines = 0;
    for (const f of r.record) for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) newlines++;
    records.push(r.record);
    lines.push(r.info.lines - newlines + lineOffset);
  }
  if (records.length === 0) throw new WarpdeskError('InvalidCsv', 'The file is empty.');
  return { delimiter, records, lines };
}

function splitPlain(src: string, delimiter: Delimiter, lineOffset: number): Table {
  const records: string[][] = [];
  const lines: number[] = [];
  const raw = src.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i]!;
    if (line.trim() === '') continue;
    const record = line.split(delimiter);
    let empty = true;
    for (let k = 0; k < record.length; k++) {
      const f = record[k]!.trim();
      record[k] = f;
      if (f !== '') empty = false;
    }
    if (empty) continue;
    records.push(record);
    lines.push(i + 1 + lineOffset);
  }
  if (records.length === 0) throw new WarpdeskError('InvalidCsv', 'The file is empty.');
  return { delimiter, records, lines };
}

function findColumn(headers: string[], names: string[], taken: Set<number>): number {
  for (const n of names) {
    const i = headers.findIndex((h, j) => h === n && !taken.has(j));
    if (i >= 0) return i;
  }
  return -1;
}

const noRoles = (): Record<ColumnRole, number> => ({ date: -1, time: -1, open: -1, high: -1, low: -1, close: -1, volume: -1 });

function isHeaderless(first: string[]): boolean {
  return readDate(first[0] ?? '').t !== undefined || yearLastParts(first[0] ?? '') !== null;
}

function detectLayout(first: string[]): Layout {
  if (isHeaderless(first)) {
    const n = first.length;
    const roles = noRoles();
    roles.date = 0;
    const hasTimeCol = n >= 2 && !Number.isNaN(parseTimeOfDay(first[1]!));
    if (hasTimeCol) roles.time = 1;
    const base = hasTimeCol ? 2 : 1;
    const remaining = n - base;
    const metaDate = /^\d{4}\.\d{2}\.\d{2}/.test(first[0]!.trim());
    const headers = first.map((_, i) => `column ${i + 1}`);
    if (remaining === 1) {
      roles.close = base;
      return { format: 'close-only', hasHeader: false, headers, roles };
    }
    if (remaining >= 4) {
      [roles.open, roles.high, roles.low, roles.close] = [base, base + 1, base + 2, base + 3];
      if (remaining >= 5) roles.volume = base + 4;
      return { format: metaDate || hasTimeCol ? 'metatrader' : 'generic', hasHeader: false, headers, roles };
    }
    return { format: 'generic', hasHeader: false, headers, roles };
  }
  const headers = first.map(normalizeHeader);
  const roles = noRoles();
  const taken = new Set<number>();
  const claim = (role: ColumnRole, i: number): void => {
    roles[role] = i;
    if (i >= 0) taken.add(i);
  };
  let date = findColumn(headers, HEADER_ALIASES.datetime, taken);
  if (date >= 0) claim('date', date);
  else {
    date = findColumn(headers, HEADER_ALIASES.date, taken);
    const t = findColumn(headers, HEADER_ALIASES.time, taken);
    if (date >= 0) {
      claim('date', date);
      if (t >= 0) claim('time', t);
    } else claim('date', t);
  }
  claim('close', findColumn(headers, HEADER_ALIASES.close, taken));
  claim('open', findColumn(headers, HEADER_ALIASES.open, taken));
  claim('high', findColumn(headers, HEADER_ALIASES.high, taken));
  claim('low', findColumn(headers, HEADER_ALIASES.low, taken));
  let volume = findColumn(headers, HEADER_ALIASES.volume, taken);
  const tickvol = findColumn(headers, TICKVOL_ALIASES, taken);
  if (tickvol >= 0 && (volume < 0 || headers[volume] === 'vol')) volume = tickvol;
  claim('volume', volume);
  let format: CsvFormat = 'generic';
  const ohlc = [roles.open, roles.high, roles.low].filter((i) => i >= 0).length;
  if (ohlc === 0) format = 'close-only';
  else if (headers.includes('adj close') || headers.includes('adj_close')) format = 'yahoo';
  else if (first.some((h) => h.trim().startsWith('<'))) format = 'metatrader';
  else if (headers[roles.date] === 'time') format = 'tradingview';
  return { format, hasHeader: true, headers: first.map((h) => h.trim()), roles };
}

function resolveRef(ref: ColumnRef, layout: Layout, width: number, role: ColumnRole): number {
  if (typeof ref === 'number') {
    if (!Number.isInteger(ref) || ref < 0 || ref >= width) throw new WarpdeskError('InvalidInput', `The ${role} column ${ref + 1} does not exist; the file has ${width} columns.`, { column: role });
    return ref;
  }
  const wanted = normalizeHeader(ref);
  const i = layout.headers.findIndex((h) => normalizeHeader(h) === wanted);
  if (i >= 0) return i;
  if (/^\d+$/.test(ref.trim())) return resolveRef(Number(ref) - 1, layout, width, role);
  const names = layout.hasHeader ? layout.headers.join(', ') : `column 1 to column ${width}`;
  throw new WarpdeskError('InvalidInput', `There is no column "${ref}" for ${role}; the file's columns are ${names}.`, { column: role });
}

/** Detected layout with the caller's mapping applied on top. */
function applyMapping(layout: Layout, width: number, mapping: ColumnMapping | undefined): Layout {
  if (!mapping) return layout;
  const roles = { ...layout.roles };
  const explicit = new Set<ColumnRole>();
  for (const role of COLUMN_ROLES) {
    const ref = mapping[role];
    if (ref === undefined) continue;
    explicit.add(role);
    roles[role] = ref === null ? -1 : resolveRef(ref, layout, width, role);
  }
  let format = layout.format;
  // A close picked from a column other than the detected one is another series: the detected open, high,
  // low and volume belong to a different one unless mapped too.
  if (explicit.has('close') && roles.close !== layout.roles.close) {
    for (const r of ['open', 'high', 'low', 'volume'] as const) if (!explicit.has(r)) roles[r] = -1;
    format = layout.roles.close < 0 || layout.format === 'close-only' ? 'multi-column' : format;
  }
  // A column mapped explicitly is no longer available to a detected role.
  for (const role of COLUMN_ROLES) {
    if (explicit.has(role) || roles[role] < 0) continue;
    if (COLUMN_ROLES.some((r) => explicit.has(r) && roles[r] === roles[role])) roles[role] = -1;
  }
  const ohlc = [roles.open, roles.high, roles.low].filter((i) => i >= 0).length;
  if (ohlc === 0 && format !== 'multi-column') format = 'close-only';
  return { ...layout, roles, format };
}

function checkLayout(layout: Layout): void {
  const { roles, headers, hasHeader } = layout;
  const others = (): string => headers.filter((_, i) => !Object.values(roles).includes(i)).join(', ');
  if (roles.date < 0) {
    fail(
      1,
      hasHeader
        ? 'the header has no date or time column (expected one named date, time, datetime, timestamp, Datum, Fecha or Data); choose the date column (`--columns date=NAME` on the command line).'
        : 'the first column is not a date.',
      'date',
    );
  }
  if (roles.close < 0) {
    const rest = others();
    fail(
      1,
      `the header has no close column (expected one named close, last, price, Schluss, Clôture, Cierre or Chiusura)${rest ? `; choose which of ${rest} to use (\`--columns close=NAME\` on the command line)` : ''}.`,
      'close',
      { candidates: rest || null },
    );
  }
  const ohlc = [roles.open, roles.high, roles.low];
  const found = ohlc.filter((i) => i >= 0).length;
  if (found > 0 && found < 3) {
    const missing = ['open', 'high', 'low'].filter((_, i) => ohlc[i]! < 0);
    fail(1, `the header has some but not all of open, high and low (missing ${missing.join(', ')}).`, missing[0]);
  }
  const used = COLUMN_ROLES.map((r) => roles[r]).filter((i) => i >= 0);
  const dup = used.find((i, k) => used.indexOf(i) !== k);
  if (dup !== undefined) throw new WarpdeskError('InvalidInput', `The column "${headers[dup]}" is mapped to two roles.`);
}

/** The decimal mark of the price columns: the last separator in values that have both decides, then grouping. */
function detectDecimal(records: string[][], start: number, cols: number[]): DecimalMark {
  let commaLast = 0;
  let dotLast = 0;
  let dotGroupedOnly = true;
  const end = Math.min(records.length, start + 5000);
  for (let r = start; r < end; r++) {
    for (const c of cols) {
      const v = records[r]![c];
      if (!v) continue;
      const lc = v.lastIndexOf(',');
      const ld = v.lastIndexOf('.');
      if (lc < 0 && ld < 0) continue;
      if (lc > ld) {
        commaLast++;
        if (ld >= 0) return ',';
      } else {
        dotLast++;
        if (lc >= 0) return '.';
        if (!/^[+-]?\d{1,3}(?:\.\d{3})+$/.test(v)) dotGroupedOnly = false;
      }
    }
  }
  if (commaLast > 0 && (dotLast === 0 || dotGroupedOnly)) return ',';
  return '.';
}

function detectDateOrder(records: string[][], start: number, col: number, lines: number[]): { order: DateOrder | null; candidates: DateOrder[] } {
  let dayFirstProof = -1;
  let monthFirstProof = -1;
  let yearLast = false;
  let dotted = true;
  for (let r = start; r < records.length; r++) {
    const v = records[r]![col] ?? '';
    const parts = yearLastParts(v);
    if (!parts) continue;
    yearLast = true;
    if (!v.includes('.')) dotted = false;
    if (parts[0] > 12 && dayFirstProof < 0) dayFirstProof = r;
    if (parts[1] > 12 && monthFirstProof < 0) monthFirstProof = r;
    if (dayFirstProof >= 0 && monthFirstProof >= 0) {
      const at = Math.max(dayFirstProof, monthFirstProof);
      fail(lines[at]!, `the date "${v}" contradicts line ${lines[Math.min(dayFirstProof, monthFirstProof)]!} (one has the day first, the other the month first).`, 'date');
    }
  }
  if (!yearLast) return { order: null, candidates: [] };
  if (dayFirstProof >= 0) return { order: 'dmy', candidates: ['dmy'] };
  if (monthFirstProof >= 0) return { order: 'mdy', candidates: ['mdy'] };
  // DD.MM.YYYY is the only dotted convention in use.
  if (dotted) return { order: 'dmy', candidates: ['dmy', 'mdy'] };
  return { order: null, candidates: ['dmy', 'mdy'] };
}

function makeNumberReader(decimal: DecimalMark): (text: string, line: number, column: string) => number {
  const re = decimal === '.' ? NUMBER_DOT_RE : NUMBER_COMMA_RE;
  return (text, line, column) => {
    const s = text.trim();
    if (s.length === 0) fail(line, `the ${column} value is empty.`, column);
    if (!re.test(s) || !/\d/.test(s)) {
      fail(line, `the ${column} value "${s.slice(0, 40)}" is not a number${decimal === ',' ? ' (this file uses a decimal comma)' : ''}.`, column);
    }
    const plain = decimal === '.' ? s.replace(/,/g, '') : s.replace(/[.'\u00a0\u202f ]/g, '').replace(',', '.');
    const v = Number(plain);
    if (!Number.isFinite(v)) fail(line, `the ${column} value "${s.slice(0, 40)}" is not a finite number.`, column);
    return v;
  };
}

function setup(text: string, options: CsvOptions): { table: Table; layout: Layout; start: number; decimal: DecimalMark; width: number } {
  const table = tokenize(text, options.delimiter);
  const first = table.records[0]!;
  const width = Math.max(...table.records.slice(0, 50).map((r) => r.length));
  const layout = applyMapping(detectLayout(first), width, options.columns);
  const start = layout.hasHeader ? 1 : 0;
  const priceCols = [layout.roles.open, layout.roles.high, layout.roles.low, layout.roles.close].filter((i) => i >= 0);
  const decimal = options.decimal ?? detectDecimal(table.records, start, priceCols.length > 0 ? priceCols : first.map((_, i) => i).filter((i) => i !== layout.roles.date));
  return { table, layout, start, decimal, width };
}

/** What the import dialog shows before importing: first rows, columns with their detected roles, formats. */
export function previewCsv(text: string, options: CsvOptions = {}, maxRows = 20): CsvPreview {
  const { table, layout, start, decimal, width } = setup(text, options);
  const rows = table.records.slice(start, start + maxRows);
  const readNumber = makeNumberReader(decimal);
  const columns: CsvColumnPreview[] = [];
  for (let i = 0; i < width; i++) {
    const role = COLUMN_ROLES.find((r) => layout.roles[r] === i) ?? null;
    const sample = rows.map((r) => r[i] ?? '').filter((v) => !MISSING_RE.test(v.trim()));
    let numeric = sample.length > 0;
    for (const v of sample) {
      try {
        readNumber(v, 0, 'x');
      } catch {
        numeric = false;
        break;
      }
    }
    columns.push({ index: i, name: layout.headers[i] ?? `column ${i + 1}`, role, numeric });
  }
  let order: { order: DateOrder | null; candidates: DateOrder[] } = { order: null, candidates: [] };
  if (layout.roles.date >= 0) {
    try {
      order = detectDateOrder(table.records, start, layout.roles.date, table.lines);
    } catch {
      order = { order: null, candidates: ['dmy', 'mdy'] };
    }
  }
  if (options.dateOrder && order.candidates.length > 0) order = { order: options.dateOrder, candidates: order.candidates };
  return {
    delimiter: table.delimiter,
    decimal,
    hasHeader: layout.hasHeader,
    columns,
    rows,
    rowLines: table.lines.slice(start, start + maxRows),
    dateOrder: order.order,
    dateOrderCandidates: order.candidates,
    dataRows: table.records.length - start,
  };
}

/** Parses CSV text into validated bars. Throws WarpdeskError('InvalidCsv') naming the first bad line. */
export function parseCsv(text: string, options: CsvOptions = {}): ParsedCsv {
  const { table, layout, start, decimal } = setup(text, options);
  checkLayout(layout);
  const { records, lines } = table;
  const capacity = records.length - start;
  if (capacity <= 0) throw new WarpdeskError('InvalidCsv', 'The file has a header but no rows.');
  const R = layout.roles;
  const detected = detectDateOrder(records, start, R.date, lines);
  let dateOrder: DateOrder | null = detected.order;
  if (detected.candidates.length > 0 && options.dateOrder) {
    if (detected.candidates.length === 1 && detected.candidates[0] !== options.dateOrder) {
      throw new WarpdeskError(
        'InvalidInput',
        `The dates of this file are ${detected.candidates[0] === 'dmy' ? 'day first (DD/MM/YYYY)' : 'month first (MM/DD/YYYY)'}; they cannot be read in the order "${options.dateOrder}".`,
      );
    }
    dateOrder = options.dateOrder;
  }
  if (detected.candidates.length > 1 && dateOrder === null) {
    const example = records[start]![R.date]!;
    throw new WarpdeskError(
      'InvalidCsv',
      `The dates (e.g. "${example}") could be day/month/year or month/day/year, and no day in the file is after the 12th; say which: --date-order dmy or --date-order mdy on the command line, or pick the date order in the import dialog.`,
      { line: lines[start]!, column: 'date', needs: 'dateOrder' },
    );
  }

  const time = new Float64Array(capacity);
  const open = new Float64Array(capacity);
  const high = new Float64Array(capacity);
  const low = new Float64Array(capacity);
  const close = new Float64Array(capacity);
  const volume = new Float64Array(capacity);
  const rowLine = new Int32Array(capacity);
  const closeOnly = R.open < 0;
  const priceCols = closeOnly ? [R.close] : [R.open, R.high, R.low, R.close];
  const needed = Math.max(...Object.values(R)) + 1;
  const readNumber = makeNumberReader(decimal);
  const skippedLines: number[] = [];
  let skippedRows = 0;
  let count = 0;
  let hasVolume = false;
  let direction = 0; // +1 oldest first, -1 newest first, 0 not known yet

  for (let ri = start; ri < records.length; ri++) {
    const f = records[ri]!;
    const lineNo = lines[ri]!;
    if (f.length < needed) fail(lineNo, `expected at least ${needed} columns, found ${f.length}.`);
    const dateText = f[R.date]!;
    const read = readDate(dateText, dateOrder ?? undefined);
    if (read.t === undefined) fail(lineNo, `the date "${dateText.slice(0, 40)}" could not be read: ${read.problem}.`, 'date');
    let t = read.t;
    if (R.time >= 0) {
      const tod = parseTimeOfDay(f[R.time]!);
      if (Number.isNaN(tod)) fail(lineNo, `the time "${f[R.time]!.slice(0, 40)}" could not be read.`, 'time');
      t += tod;
    }
    if (priceCols.every((c) => MISSING_RE.test(f[c]!.trim()))) {
      skippedRows++;
      if (skippedLines.length < 20) skippedLines.push(lineNo);
      continue;
    }
    if (count > 0) {
      const prev = time[count - 1]!;
      if (t === prev) fail(lineNo, `the time ${formatTime(t)} repeats line ${rowLine[count - 1]}; each timestamp may appear once.`, 'date');
      const dir = t > prev ? 1 : -1;
      if (direction === 0) direction = dir;
      else if (dir !== direction) {
        fail(lineNo, `the time ${formatTime(t)} breaks the order of the rows (${direction > 0 ? 'oldest' : 'newest'} first until line ${rowLine[count - 1]}, ${formatTime(prev)}); rows must be sorted by time.`, 'date');
      }
    }
    const c = readNumber(f[R.close]!, lineNo, 'close');
    let o = c;
    let h = c;
    let l = c;
    if (!closeOnly) {
      o = readNumber(f[R.open]!, lineNo, 'open');
      h = readNumber(f[R.high]!, lineNo, 'high');
      l = readNumber(f[R.low]!, lineNo, 'low');
    }
    if (c <= 0) fail(lineNo, `the close price ${c} is not positive.`, 'close');
    if (!closeOnly) {
      if (o <= 0) fail(lineNo, `the open price ${o} is not positive.`, 'open');
      if (h <= 0) fail(lineNo, `the high price ${h} is not positive.`, 'high');
      if (l <= 0) fail(lineNo, `the low price ${l} is not positive.`, 'low');
      if (h < l) fail(lineNo, `the high ${h} is below the low ${l}.`, 'high');
      if (c > h || c < l) fail(lineNo, `the close ${c} is outside the bar's range [low ${l}, high ${h}].`, 'close');
      if (o > h || o < l) fail(lineNo, `the open ${o} is outside the bar's range [low ${l}, high ${h}].`, 'open');
    }
    let v = 0;
    if (R.volume >= 0 && !MISSING_RE.test(f[R.volume]!.trim())) {
      v = readNumber(f[R.volume]!, lineNo, 'volume');
      if (v < 0) fail(lineNo, `the volume ${v} is negative.`, 'volume');
      if (v > 0) hasVolume = true;
    }
    time[count] = t;
    open[count] = o;
    high[count] = h;
    low[count] = l;
    close[count] = c;
    volume[count] = v;
    rowLine[count] = lineNo;
    count++;
  }
  if (count === 0) {
    throw new WarpdeskError(
      'InvalidCsv',
      skippedRows > 0 ? `The file has no row with a price (${skippedRows} row${skippedRows === 1 ? '' : 's'} without prices, from line ${skippedLines[0]}).` : 'The file has no data rows.',
    );
  }
  const cut = (a: Float64Array): Float64Array => {
    const out = count === capacity ? a : a.slice(0, count);
    if (direction < 0) out.reverse();
    return out;
  };
  const notes: string[] = [];
  if (skippedRows > 0) {
    const shown = skippedLines.slice(0, 5).join(', ');
    notes.push(`Skipped ${skippedRows} row${skippedRows === 1 ? '' : 's'} without prices (line${skippedRows === 1 ? '' : 's'} ${shown}${skippedRows > 5 ? ', …' : ''}).`);
  }
  if (direction < 0) notes.push('The file lists the newest bar first; its rows were reversed.');
  let format = layout.format;
  if (decimal === ',' && (format === 'generic' || format === 'close-only')) format = 'european';
  return {
    bars: { time: cut(time), open: cut(open), high: cut(high), low: cut(low), close: cut(close), volume: cut(volume) },
    format,
    closeOnly,
    hasVolume,
    delimiter: table.delimiter,
    decimal,
    dateOrder,
    columns: { ...R },
    skippedRows,
    skippedLines,
    reversed: direction < 0,
    notes,
  };
}

export function delimiterName(d: Delimiter): string {
  return DELIMITER_NAMES[d];
}
