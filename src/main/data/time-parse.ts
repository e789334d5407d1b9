/**
 * Date/time parsing for imported price files: ISO 8601 (with or without zone), "YYYY-MM-DD HH:MM[:SS]",
 * "YYYY.MM.DD" (MetaTrader), "YYYY/MM/DD", "MM/DD/YYYY" (US exports), "DD.MM.YYYY", "YYYYMMDD", and
 * Unix epoch seconds or milliseconds (TradingView). Times without a zone are wall-clock labels and are
 * kept as if UTC, so the chart shows exactly the file's own times. Returns NaN when the text is not a date;
 * never throws (the caller names the line).
 */

const DATE_RE = /^(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const US_DATE_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const EU_DATE_RE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const COMPACT_RE = /^(\d{4})(\d{2})(\d{2})$/;
const TIME_RE = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return Number.NaN;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // Reject dates that rolled over (e.g. 2001-02-30).
  const check = new Date(t);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return Number.NaN;
  return t;
}

function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}

/** Parses a date (optionally with time) into UTC epoch ms; NaN if unparsable. */
export function parseDateTime(text: string): number {
  const s = text.trim();
  if (s.length === 0) return Number.NaN;
  let m = DATE_RE.exec(s);
  if (m) {
    const frac = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
    const t = utc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), frac);
    return t - zoneOffsetMs(m[8]);
  }
  if (/^\d+(\.\d+)?$/.test(s)) {
    if ((m = COMPACT_RE.exec(s))) return utc(Number(m[1]), Number(m[2]), Number(m[3]));
    const n = Number(s);
    // Epoch seconds (9-10 digits, 1973..2286) or milliseconds (12-13 digits).
    if (n >= 1e8 && n < 1e10) return Math.round(n * 1000);
    if (n >= 1e11 && n < 1e13) return Math.round(n);
    return Number.NaN;
  }
  if ((m = US_DATE_RE.exec(s))) return utc(Number(m[3]), Number(m[1]), Number(m[2]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if ((m = EU_DATE_RE.exec(s))) return utc(Number(m[3]), Number(m[2]), Number(m[1]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  return Number.NaN;
}

/** Parses a separate time-of-day column ("23:30", "23:30:00") into milliseconds since midnight; NaN if not. */
export function parseTimeOfDay(text: string): number {
  const m = TIME_RE.exec(text.trim());
  if (!m) return Number.NaN;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = Number(m[3] ?? 0);
  if (h > 23 || mi > 59 || s > 59) return Number.NaN;
  const frac = m[4] ? Math.round(Number(`0.${m[4]}`) * 1000) : 0;
  return ((h * 60 + mi) * 60 + s) * 1000 + frac;
}

/** Formats UTC ms as "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" (when not midnight). */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const date = iso.slice(0, 10);
  const time = iso.slice(11, 16);
  return time === '00:00' ? date : `${date} ${time}`;
}
