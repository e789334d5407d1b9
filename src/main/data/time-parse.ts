/**
 * Date/time parsing for imported price files: ISO 8601 (with or without zone), "YYYY-MM-DD HH:MM[:SS]",
 * "YYYY.MM.DD" (MetaTrader), "YYYY/MM/DD", "DD/MM/YYYY" or "MM/DD/YYYY" (the order decided for the whole
 * column by the caller), "DD.MM.YYYY", "YYYYMMDD", decimal years ("1991.5384") and Unix epoch seconds or
 * milliseconds (TradingView). Times without a zone are wall-clock labels and are kept as if UTC, so the chart
 * shows exactly the file's own times. Years before 1800 are refused (never mapped to 19xx).
 * Never throws: `readDate` returns the time or the problem as a sentence fragment; the caller names the line.
 */

/** Day/month order of dates written with the year last ("01/02/2001"). */
export type DateOrder = 'dmy' | 'mdy';
export const DATE_ORDERS: readonly DateOrder[] = ['dmy', 'mdy'];

/** Earliest year a price file may hold. */
export const MIN_YEAR = 1800;
const MAX_YEAR = 2300;

const YMD_RE = /^(\d{1,4})[-./](\d{1,2})[-./](\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
/** Year last: "15/07/1991", "15.07.1991 13:30", "07-15-1991". Groups: a, separator, b, year, h, m, s, frac, zone. */
const YEAR_LAST_RE = /^(\d{1,2})([-./])(\d{1,2})\2(\d{4})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const COMPACT_RE = /^(\d{4})(\d{2})(\d{2})$/;
const DECIMAL_YEAR_RE = /^(\d{4})(?:\.(\d+))?$/;
const TIME_RE = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;

export type DateRead = { t: number; problem?: undefined } | { t?: undefined; problem: string };

const bad = (problem: string): DateRead => ({ problem });

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): DateRead {
  if (y < MIN_YEAR) return bad(`the year ${y} is before ${MIN_YEAR}`);
  if (y >= MAX_YEAR) return bad(`the year ${y} is after ${MAX_YEAR - 1}`);
  if (mo < 1 || mo > 12) return bad(`the month ${mo} does not exist`);
  if (d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return bad('it is not a valid date and time');
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // Reject dates that rolled over (e.g. 2001-02-30).
  const check = new Date(t);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return bad('that day does not exist');
  return { t };
}

function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}

const fracMs = (digits: string | undefined): number => (digits ? Math.round(Number(`0.${digits}`) * 1000) : 0);

function withZone(r: DateRead, zone: string | undefined): DateRead {
  return r.t === undefined ? r : { t: r.t - zoneOffsetMs(zone) };
}

/** The day/month fields of a year-last date ("15/07/1991" → [15, 7]), or null for any other shape. */
export function yearLastParts(text: string): [number, number] | null {
  const m = YEAR_LAST_RE.exec(text.trim());
  return m ? [Number(m[1]), Number(m[3])] : null;
}

/** Start of a year in UTC ms (years 1800..2299). */
function yearStart(y: number): number {
  return Date.UTC(y, 0, 1);
}

/**
 * Reads one date (optionally with a time of day). `order` decides year-last dates; without it, dotted dates
 * are day first (DD.MM.YYYY) and slashed ones month first (MM/DD/YYYY), the conventions of their regions.
 */
export function readDate(text: string, order?: DateOrder): DateRead {
  const s = text.trim();
  if (s.length === 0) return bad('it is empty');
  let m = YMD_RE.exec(s);
  if (m) {
    if (m[1]!.length < 4) return bad(`the year ${Number(m[1])} is before ${MIN_YEAR}`);
    return withZone(utc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), fracMs(m[7])), m[8]);
  }
  if ((m = YEAR_LAST_RE.exec(s))) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const dayFirst = order ? order === 'dmy' : m[2] === '.';
    const [day, month] = dayFirst ? [a, b] : [b, a];
    return withZone(utc(Number(m[4]), month, day, Number(m[5] ?? 0), Number(m[6] ?? 0), Number(m[7] ?? 0), fracMs(m[8])), m[9]);
  }
  if ((m = COMPACT_RE.exec(s))) return utc(Number(m[1]), Number(m[2]), Number(m[3]));
  if ((m = DECIMAL_YEAR_RE.exec(s))) {
    const y = Number(m[1]);
    if (y < MIN_YEAR) return bad(`the year ${y} is before ${MIN_YEAR}`);
    if (y >= MAX_YEAR) return bad(`the year ${y} is after ${MAX_YEAR - 1}`);
    const frac = m[2] ? Number(`0.${m[2]}`) : 0;
    const start = yearStart(y);
    const t = start + frac * (yearStart(y + 1) - start);
    // Four decimals resolve about 53 minutes: such columns hold dates, so they snap to the day; finer ones to the second.
    const unit = (m[2]?.length ?? 0) <= 4 ? 86_400_000 : 1000;
    return { t: Math.round(t / unit) * unit };
  }
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    // Epoch seconds (9-10 digits, 1973..2286) or milliseconds (12-13 digits).
    if (n >= 1e8 && n < 1e10) return { t: Math.round(n * 1000) };
    if (n >= 1e11 && n < 1e13) return { t: Math.round(n) };
    return bad('it is a number but neither a year, YYYYMMDD nor epoch seconds or milliseconds');
  }
  return bad('it is not a date Warpdesk reads (ISO YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY, MM/DD/YYYY, YYYY.MM.DD, YYYYMMDD, decimal years or epoch seconds)');
}

/** Parses a date (optionally with time) into UTC epoch ms; NaN if unparsable. */
export function parseDateTime(text: string, order?: DateOrder): number {
  return readDate(text, order).t ?? Number.NaN;
}

/** Parses a separate time-of-day column ("23:30", "23:30:00") into milliseconds since midnight; NaN if not. */
export function parseTimeOfDay(text: string): number {
  const m = TIME_RE.exec(text.trim());
  if (!m) return Number.NaN;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = Number(m[3] ?? 0);
  if (h > 23 || mi > 59 || s > 59) return Number.NaN;
  return ((h * 60 + mi) * 60 + s) * 1000 + fracMs(m[4]);
}

/** Formats UTC ms as "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" (when not midnight). */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const date = iso.slice(0, 10);
  const time = iso.slice(11, 16);
  return time === '00:00' ? date : `${date} ${time}`;
}
