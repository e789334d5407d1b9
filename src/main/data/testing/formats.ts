/**
 * Test helper: writes one series in the shapes traders' files come in (ISO, DD/MM/YYYY, MM/DD/YYYY, German
 * Excel, newest first, Yahoo with null rows, one column of a multi-column file, MetaTrader, TradingView,
 * decimal years, quoted fields with newlines), with the options a user would give to read each back.
 * Used by the parser's property test and the CLI's "same series, same analogs" test. Never used by the app.
 */
import type { Bars } from '../../../shared/market';
import type { CsvOptions } from '../csv';

export interface Format {
  name: string;
  /** daily: dates only; intraday: the format also carries a time of day. */
  kinds: Array<'daily' | 'intraday'>;
  write: (bars: Bars) => string;
  options?: CsvOptions;
  /** The format keeps only the close (open = high = low = close, no volume). */
  closeOnly?: boolean;
  noVolume?: boolean;
  /** Whether the format can hold these times (epoch formats start in 1973). */
  accepts?: (bars: Bars) => boolean;
  /** The CLI flags that read it (`--columns`, `--date-order`). */
  cliFlags?: string[];
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const parts = (t: number): { y: number; mo: string; d: string; hms: string; midnight: boolean } => {
  const dt = new Date(t);
  const hms = `${pad(dt.getUTCHours())}:${pad(dt.getUTCMinutes())}:${pad(dt.getUTCSeconds())}`;
  return { y: dt.getUTCFullYear(), mo: pad(dt.getUTCMonth() + 1), d: pad(dt.getUTCDate()), hms, midnight: hms === '00:00:00' };
};
const iso = (t: number, intraday: boolean): string => {
  const p = parts(t);
  return `${p.y}-${p.mo}-${p.d}${intraday ? `T${p.hms}` : ''}`;
};
const isIntraday = (b: Bars): boolean => Array.from(b.time).some((t) => !parts(t).midnight);
const rows = (b: Bars, f: (i: number) => string[]): string[] => Array.from(b.time, (_, i) => f(i).join(','));
const german = (x: number): string => {
  const [int, frac] = String(x).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return frac ? `${grouped},${frac}` : grouped;
};
const decimalYear = (t: number): string => {
  const y = new Date(t).getUTCFullYear();
  const start = Date.UTC(y, 0, 1);
  const frac = (t - start) / (Date.UTC(y + 1, 0, 1) - start);
  return `${y}.${frac.toFixed(12).slice(2)}`;
};
const ohlcv = (b: Bars, i: number): string[] => [String(b.open[i]), String(b.high[i]), String(b.low[i]), String(b.close[i]), String(b.volume[i])];
const ALL: Array<'daily' | 'intraday'> = ['daily', 'intraday'];

export const FORMATS: Format[] = [
  {
    name: 'ISO generic',
    kinds: ALL,
    write: (b) => ['date,open,high,low,close,volume', ...rows(b, (i) => [iso(b.time[i]!, isIntraday(b)), ...ohlcv(b, i)])].join('\n') + '\n',
  },
  {
    name: 'DD/MM/YYYY',
    kinds: ALL,
    options: { dateOrder: 'dmy' },
    cliFlags: ['--date-order', 'dmy'],
    write: (b) =>
      [
        'Date,Open,High,Low,Close,Volume',
        ...rows(b, (i) => {
          const p = parts(b.time[i]!);
          return [`${p.d}/${p.mo}/${p.y}${isIntraday(b) ? ` ${p.hms}` : ''}`, ...ohlcv(b, i)];
        }),
      ].join('\n') + '\n',
  },
  {
    name: 'MM/DD/YYYY',
    kinds: ['daily'],
    options: { dateOrder: 'mdy' },
    cliFlags: ['--date-order', 'mdy'],
    write: (b) =>
      [
        'Date,Open,High,Low,Close,Volume',
        ...rows(b, (i) => {
          const p = parts(b.time[i]!);
          return [`${p.mo}/${p.d}/${p.y}`, ...ohlcv(b, i)];
        }),
      ].join('\n') + '\n',
  },
  {
    name: 'German Excel (BOM, CRLF, ;, decimal comma, DD.MM.YYYY)',
    kinds: ALL,
    write: (b) => {
      const intra = isIntraday(b);
      const head = intra ? 'Datum;Zeit;Eröffnung;Hoch;Tief;Schluss;Volumen' : 'Datum;Eröffnung;Hoch;Tief;Schluss;Volumen';
      const body = Array.from(b.time, (t, i) => {
        const p = parts(t);
        return [`${p.d}.${p.mo}.${p.y}`, ...(intra ? [p.hms] : []), german(b.open[i]!), german(b.high[i]!), german(b.low[i]!), german(b.close[i]!), german(b.volume[i]!)].join(';');
      });
      return '\ufeff' + [head, ...body].join('\r\n') + '\r\n';
    },
  },
  {
    name: 'newest first',
    kinds: ALL,
    write: (b) => ['Date,Open,High,Low,Close,Volume', ...rows(b, (i) => [iso(b.time[i]!, isIntraday(b)), ...ohlcv(b, i)]).reverse()].join('\n') + '\n',
  },
  {
    name: 'Yahoo with null rows',
    kinds: ['daily'],
    write: (b) => {
      const out = ['Date,Open,High,Low,Close,Adj Close,Volume'];
      for (let i = 0; i < b.time.length; i++) {
        out.push([iso(b.time[i]!, false), String(b.open[i]), String(b.high[i]), String(b.low[i]), String(b.close[i]), String(b.close[i]), String(b.volume[i])].join(','));
        // A null row on the day after every other bar (the generators leave a gap of at least two days).
        if (i % 2 === 0 && i + 1 < b.time.length) out.push(`${iso(b.time[i]! + 86_400_000, false)},null,null,null,null,null,null`);
      }
      return out.join('\n') + '\n';
    },
  },
  {
    name: 'one column of a multi-column file',
    kinds: ALL,
    closeOnly: true,
    options: { columns: { close: 'SMI' } },
    cliFlags: ['--columns', 'close=SMI'],
    write: (b) => ['date,DAX,SMI,CAC,FTSE', ...rows(b, (i) => [iso(b.time[i]!, isIntraday(b)), i % 3 === 1 ? '' : String(b.close[i]! * 2), String(b.close[i]), String(b.high[i]), 'null'])].join('\n') + '\n',
  },
  {
    name: 'MetaTrader 4 headerless',
    kinds: ALL,
    write: (b) =>
      rows(b, (i) => {
        const p = parts(b.time[i]!);
        return [`${p.y}.${p.mo}.${p.d}`, p.hms.slice(0, 5), ...ohlcv(b, i)];
      }).join('\n') + '\n',
    accepts: (b) => Array.from(b.time).every((t) => parts(t).hms.endsWith(':00')),
  },
  {
    name: 'MetaTrader 5 (tabs, <DATE> <TIME>)',
    kinds: ALL,
    write: (b) =>
      [
        '<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>',
        ...Array.from(b.time, (t, i) => {
          const p = parts(t);
          return [`${p.y}.${p.mo}.${p.d}`, p.hms, String(b.open[i]), String(b.high[i]), String(b.low[i]), String(b.close[i]), String(b.volume[i]), '0', '2'].join('\t');
        }),
      ].join('\n') + '\n',
  },
  {
    name: 'TradingView epoch seconds',
    kinds: ALL,
    write: (b) => ['time,open,high,low,close,Volume', ...rows(b, (i) => [String(b.time[i]! / 1000), ...ohlcv(b, i)])].join('\n') + '\n',
    accepts: (b) => b.time[0]! >= 1e11 && b.time[b.time.length - 1]! < 1e13,
  },
  {
    name: 'decimal years',
    kinds: ALL,
    write: (b) => ['Date,Open,High,Low,Close,Volume', ...rows(b, (i) => [decimalYear(b.time[i]!), ...ohlcv(b, i)])].join('\n') + '\n',
  },
  {
    name: 'quoted fields with newlines',
    kinds: ALL,
    noVolume: true,
    write: (b) =>
      [
        '"Date","Note","Open","High","Low","Close"',
        ...rows(b, (i) => [`"${iso(b.time[i]!, isIntraday(b))}"`, `"bar ${i}, said ""hi""\nsecond line"`, `"${b.open[i]}"`, `"${b.high[i]}"`, `"${b.low[i]}"`, `"${b.close[i]}"`]),
      ].join('\r\n') + '\r\n',
  },
];

export function formatsOf(kind: 'daily' | 'intraday'): Format[] {
  return FORMATS.filter((f) => f.kinds.includes(kind));
}
