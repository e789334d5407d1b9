/**
 * Real-world price files (issue 11): the shapes traders export from brokers, data sites and Excel, what is
 * refused and with which line, the column mapping and preview, duplicate detection, and a property: any valid
 * series written in each format parses back to the same bars.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WarpdeskError } from '../../shared/errors';
import type { Bars } from '../../shared/market';
import { previewImport } from './capability';
import { DataStore, parseCsv, previewCsv, type CsvOptions } from './index';
import { formatsOf, type Format } from './testing/formats';

const D = 86_400_000;

function csvError(text: string, options?: CsvOptions): WarpdeskError {
  try {
    parseCsv(text, options);
  } catch (e) {
    if (e instanceof WarpdeskError) return e;
    throw e;
  }
  throw new Error('expected parseCsv to fail');
}

const closes = (text: string, options?: CsvOptions): number[] => Array.from(parseCsv(text, options).bars.close);
const days = (text: string, options?: CsvOptions): string[] => Array.from(parseCsv(text, options).bars.time).map((t) => new Date(t).toISOString().slice(0, 10));

describe('dates of every region', () => {
  it('reads DD/MM/YYYY when a day after the 12th decides it, from the whole column', () => {
    // Lines 2-11 alone could be month/day; line 12 (15/07) decides day first for all of them.
    const rows = Array.from({ length: 10 }, (_, i) => `0${(i % 9) + 1}/07/1991,${100 + i}`).slice(0, 9);
    const text = `Date,Close\n${rows.join('\n')}\n15/07/1991,120\n`;
    expect(days(text)).toEqual([...Array.from({ length: 9 }, (_, i) => `1991-07-0${i + 1}`), '1991-07-15']);
    expect(parseCsv(text).dateOrder).toBe('dmy');
  });

  it('reads MM/DD/YYYY when a second field after 12 decides it', () => {
    expect(days('Date,Close\n07/01/1991,1\n07/15/1991,2\n')).toEqual(['1991-07-01', '1991-07-15']);
    expect(parseCsv('Date,Close\n07/01/1991,1\n07/15/1991,2\n').dateOrder).toBe('mdy');
  });

  it('asks for the order when nothing decides it, naming the flag, and follows it when given', () => {
    const text = 'Date,Close\n01/02/2001,1\n02/02/2001,2\n';
    const e = csvError(text);
    expect(e.message).toMatch(/could be day\/month\/year or month\/day\/year.*--date-order dmy or --date-order mdy/);
    expect(e.details?.['needs']).toBe('dateOrder');
    expect(days(text, { dateOrder: 'dmy' })).toEqual(['2001-02-01', '2001-02-02']);
    expect(days(text, { dateOrder: 'mdy' })).toEqual(['2001-01-02', '2001-02-02']);
    expect(previewCsv(text).dateOrderCandidates).toEqual(['dmy', 'mdy']);
    expect(previewCsv(text).dateOrder).toBeNull();
  });

  it('refuses an order the file contradicts, and columns that mix both orders', () => {
    expect(csvError('Date,Close\n15/07/1991,1\n16/07/1991,2\n', { dateOrder: 'mdy' }).message).toMatch(/day first \(DD\/MM\/YYYY\)/);
    expect(csvError('Date,Close\n15/07/1991,1\n07/16/1991,2\n').message).toMatch(/^Line 3: the date "07\/16\/1991" contradicts line 2/);
  });

  it('reads DD.MM.YYYY, YYYY.MM.DD, ISO with time, epoch seconds and milliseconds', () => {
    expect(days('Datum;Schluss\n01.02.2001;1\n02.02.2001;2\n')).toEqual(['2001-02-01', '2001-02-02']);
    expect(days('date,close\n2001.02.01,1\n2001.02.02,2\n')).toEqual(['2001-02-01', '2001-02-02']);
    expect(Array.from(parseCsv('time,close\n2001-02-01T10:30:00Z,1\n2001-02-01T12:30:00+01:00,2\n').bars.time)).toEqual([Date.UTC(2001, 1, 1, 10, 30), Date.UTC(2001, 1, 1, 11, 30)]);
    expect(Array.from(parseCsv('time,close\n981023400,1\n981027000000,2\n').bars.time)).toEqual([981023400000, 981027000000]);
  });

  it('reads decimal years (snapped to the day at four decimals)', () => {
    const r = parseCsv('year,close\n1991.0000,1\n1991.5000,2\n1992.0027,3\n', { columns: { date: 'year' } });
    expect(Array.from(r.bars.time).map((t) => new Date(t).toISOString().slice(0, 10))).toEqual(['1991-01-01', '1991-07-03', '1992-01-02']);
    expect(days('Date,Close\n1991.25,1\n1991.5,2\n')).toEqual(['1991-04-02', '1991-07-03']);
  });

  it('refuses years before 1800 instead of turning 0001 into 1901', () => {
    expect(csvError('date,close\n0001-01-02,1\n').message).toMatch(/^Line 2: the date "0001-01-02" could not be read: the year 1 is before 1800/);
    expect(csvError('date,close\n1799-12-31,1\n').message).toMatch(/the year 1799 is before 1800/);
    expect(csvError('date,close\n02.01.0003,1\n').message).toMatch(/the year 3 is before 1800/);
  });
});

describe('European Excel exports', () => {
  const german = 'Datum;Eröffnung;Hoch;Tief;Schluss;Volumen\n02.01.2001;1.234,50;1.240,00;1.230,00;1.235,25;1.000\n03.01.2001;1.235,50;1.240,00;1.230,00;1.236,25;2.500\n';

  it('reads semicolons, decimal commas with thousands dots and German headers', () => {
    const r = parseCsv(german);
    expect(r.delimiter).toBe(';');
    expect(r.decimal).toBe(',');
    expect(r.format).toBe('european');
    expect(Array.from(r.bars.open)).toEqual([1234.5, 1235.5]);
    expect(Array.from(r.bars.close)).toEqual([1235.25, 1236.25]);
    expect(Array.from(r.bars.volume)).toEqual([1000, 2500]);
    expect(days(german)).toEqual(['2001-01-02', '2001-01-03']);
  });

  it('reads a close-only Datum;Schluss file, Excel "sep=;" lines and trailing empty rows', () => {
    expect(closes('Datum;Schluss\n02.01.2001;1,5\n03.01.2001;1,75\n')).toEqual([1.5, 1.75]);
    expect(closes('sep=;\r\nDatum;Schlusskurs\r\n02.01.2001;1,5\r\n;\r\n;\r\n')).toEqual([1.5]);
  });

  it('reads French, Spanish and Italian headers', () => {
    expect(closes('Date;Ouverture;Plus haut;Plus bas;Clôture;Volume\n02/01/2001;1,5;2;1;1,75;10\n15/01/2001;1,5;2;1;1,8;10\n')).toEqual([1.75, 1.8]);
    expect(closes('Date;Dernier\n02/01/2001;1,5\n15/01/2001;1,6\n')).toEqual([1.5, 1.6]);
    expect(closes('Fecha;Apertura;Máximo;Mínimo;Cierre\n02/01/2001;1,5;2;1;1,75\n15/01/2001;1,5;2;1;1,8\n')).toEqual([1.75, 1.8]);
    expect(closes('Data;Apertura;Massimo;Minimo;Chiusura\n02/01/2001;1,5;2;1;1,75\n15/01/2001;1,5;2;1;1,8\n')).toEqual([1.75, 1.8]);
  });

  it('reads English thousands separators in quoted fields', () => {
    expect(closes('Date,Close\n2001-01-02,"1,234.5"\n2001-01-03,"1,235.75"\n')).toEqual([1234.5, 1235.75]);
  });
});

describe('site exports', () => {
  it('reverses newest-first files and says so', () => {
    const r = parseCsv('Date,Close\n2001-01-04,3\n2001-01-03,2\n2001-01-02,1\n');
    expect(Array.from(r.bars.close)).toEqual([1, 2, 3]);
    expect(r.reversed).toBe(true);
    expect(r.notes.join(' ')).toMatch(/newest bar first; its rows were reversed/);
  });

  it('skips Yahoo null rows and counts them', () => {
    const r = parseCsv('Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,2,3,1,2,2,5\n2020-01-03,null,null,null,null,null,null\n2020-01-06,2,3,1,2.5,2.5,5\n2020-01-07,null,null,null,null,null,null\n');
    expect(r.format).toBe('yahoo');
    expect(Array.from(r.bars.close)).toEqual([2, 2.5]);
    expect(r.skippedRows).toBe(2);
    expect(r.skippedLines).toEqual([3, 5]);
    expect(r.notes[0]).toBe('Skipped 2 rows without prices (lines 3, 5).');
  });

  it('takes one column of a multi-column file, named or by index, and says which columns there are', () => {
    const text = 'date,DAX,SMI,CAC,FTSE\n2001-01-02,6000,8000,5900,6200\n2001-01-03,6100,,5950,6250\n2001-01-04,6050,8100,5920,6210\n';
    const e = csvError(text);
    expect(e.message).toMatch(/^Line 1: the header has no close column .*choose which of DAX, SMI, CAC, FTSE to use \(`--columns close=NAME`/);
    expect(closes(text, { columns: { close: 'DAX' } })).toEqual([6000, 6100, 6050]);
    const smi = parseCsv(text, { columns: { close: 'smi' } });
    expect(Array.from(smi.bars.close)).toEqual([8000, 8100]);
    expect(smi.skippedRows).toBe(1);
    expect(smi.format).toBe('multi-column');
    expect(closes(text, { columns: { close: 4 } })).toEqual([6200, 6250, 6210]);
    expect(() => parseCsv(text, { columns: { close: 'Nikkei' } })).toThrow(/no column "Nikkei" for close; the file's columns are date, DAX, SMI, CAC, FTSE/);
  });

  it('maps German headers explicitly and ignores a column with null', () => {
    const text = 'Handelstag;Erster;Hoch;Tief;Schlusskurs;Stücke\n02.01.2001;1,5;2;1;1,75;10\n03.01.2001;1,5;2;1;1,8;20\n';
    expect(parseCsv(text).hasVolume).toBe(true);
    expect(parseCsv(text, { columns: { volume: null } }).hasVolume).toBe(false);
    expect(parseCsv(text, { columns: { close: 'Hoch' } }).closeOnly).toBe(true);
  });

  it('splits quoted fields with newlines and quotes as RFC 4180 says', () => {
    const r = parseCsv('date,close,note\n2001-01-02,1,"a ""quoted""\nnote, with a comma"\n2001-01-03,2,plain\n');
    expect(Array.from(r.bars.close)).toEqual([1, 2]);
    // The line numbers count the newline inside the quotes.
    expect(csvError('date,close,note\n2001-01-02,1,"a\nb"\n2001-01-03,x,c\n').message).toMatch(/^Line 4: the close value "x"/);
  });
});

describe('what is refused, with the line', () => {
  it('hex and other non-decimal numbers', () => {
    expect(csvError('date,close\n2001-01-02,0x10\n').message).toMatch(/^Line 2: the close value "0x10" is not a number/);
    expect(csvError('date,close\n2001-01-02,1\n2001-01-03,Infinity\n').message).toMatch(/^Line 3: the close value "Infinity" is not a number/);
    expect(csvError('date,close\n2001-01-02,0b11\n').message).toMatch(/not a number/);
    expect(csvError('date,close\n2001-01-02,1e400\n').message).toMatch(/not a finite number/);
  });

  it('close or open outside [low, high]', () => {
    expect(csvError('date,open,high,low,close\n2001-01-02,1,2,0.5,1\n2001-01-03,1,2,0.5,2.5\n').message).toMatch(/^Line 3: the close 2.5 is outside the bar's range \[low 0.5, high 2\]/);
    expect(csvError('date,open,high,low,close\n2001-01-02,0.4,2,0.5,1\n').message).toMatch(/^Line 2: the open 0.4 is outside/);
  });

  it('duplicate timestamps, also in newest-first files', () => {
    expect(csvError('date,close\n2001-01-02,1\n2001-01-03,2\n2001-01-03,3\n').message).toMatch(/^Line 4: the time 2001-01-03 repeats line 3/);
    expect(csvError('date,close\n2001-01-04,1\n2001-01-03,2\n2001-01-03,3\n').message).toMatch(/^Line 4: the time 2001-01-03 repeats line 3/);
  });

  it('unclosed quotes', () => {
    expect(csvError('date,close\n2001-01-02,"1\n').message).toMatch(/^Line \d+: the file is not valid CSV/);
  });

  it('a row with some prices missing (not a whole null row)', () => {
    expect(csvError('Date,Open,High,Low,Close\n2001-01-02,1,2,null,1\n').message).toMatch(/^Line 2: the low value "null" is not a number/);
  });
});

describe('preview and duplicates', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const store = (): DataStore => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-import-'));
    dirs.push(d);
    return DataStore.open(d);
  };

  it('previews columns, roles, delimiter, decimal and the first rows', () => {
    const p = previewCsv('Datum;DAX;SMI\n02.01.2001;6.000,5;8.000\n03.01.2001;6.100;8.100\n', {}, 1);
    expect(p).toMatchObject({ delimiter: ';', decimal: ',', hasHeader: true, dataRows: 2, rows: [['02.01.2001', '6.000,5', '8.000']], rowLines: [2], dateOrder: 'dmy' });
    expect(p.columns).toEqual([
      { index: 0, name: 'Datum', role: 'date', numeric: false },
      { index: 1, name: 'DAX', role: null, numeric: true },
      { index: 2, name: 'SMI', role: null, numeric: true },
    ]);
    expect(previewCsv('Datum;DAX;SMI\n02.01.2001;6.000,5;8.000\n', { columns: { close: 2 } }).columns[2]!.role).toBe('close');
  });

  it('the preview says what the import would give, or the error, and finds a series already imported', () => {
    const s = store();
    const text = 'date,DAX,SMI\n2001-01-02,6000,8000\n2001-01-03,6100,8100\n';
    const bad = previewImport(s, text, undefined);
    expect(bad.result).toMatchObject({ ok: false, error: { code: 'InvalidCsv' } });
    const good = previewImport(s, text, { columns: { close: 'SMI' } });
    expect(good.result).toMatchObject({ ok: true, barCount: 2, closeOnly: true, duplicateOf: null, format: 'multi-column' });
    const info = s.importCsv(text, { name: 'SMI', source: 'test', csv: { columns: { close: 'SMI' } } });
    expect(info).toMatchObject({ barCount: 2, skippedRows: 0, reversed: false, notes: [] });
    const again = previewImport(s, text, { columns: { close: 'SMI' } });
    expect(again.result.ok && again.result.duplicateOf?.id).toBe(info.id);
    s.close();
  });

  it('refuses the same series twice, even from another format, naming the existing data set', () => {
    const s = store();
    const first = s.importCsv('date,close\n2001-01-02,1.5\n2001-01-03,1.75\n', { name: 'mine', source: 'test' });
    let err: unknown;
    try {
      s.importCsv('Datum;Schluss\n03.01.2001;1,75\n02.01.2001;1,5\n', { name: 'again', source: 'test' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WarpdeskError);
    expect((err as WarpdeskError).code).toBe('Conflict');
    expect((err as WarpdeskError).message).toMatch(/already in the workspace as "mine"/);
    expect((err as WarpdeskError).details?.['datasetId']).toBe(first.id);
    expect(s.list()).toHaveLength(1);
    // Another column of the same file is another series.
    s.importCsv('date,close\n2001-01-02,1.5\n2001-01-03,1.8\n', { name: 'other', source: 'test' });
    expect(s.list()).toHaveLength(2);
    s.close();
  });
});

/** Random valid daily series (whole days from 1850 on, sorted, ohlc consistent, up to 4 decimals). */
function seriesArb(intraday: boolean): fc.Arbitrary<Bars> {
  const unit = intraday ? 60_000 : D;
  return fc
    .record({
      start: fc.integer({ min: Math.round(Date.UTC(1850, 0, 1) / D), max: Math.round(Date.UTC(2150, 0, 1) / D) }),
      steps: fc.array(fc.integer({ min: 2, max: intraday ? 600 : 6 }), { minLength: 1, maxLength: 40 }),
      prices: fc.array(
        fc.tuple(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 1e7 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 1e9 })),
        { minLength: 41, maxLength: 41 },
      ),
    })
    .map(({ start, steps, prices }) => {
      const n = steps.length + 1;
      const time = new Float64Array(n);
      time[0] = start * D;
      for (let i = 1; i < n; i++) time[i] = time[i - 1]! + steps[i - 1]! * unit;
      const b: Bars = { time, open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
      for (let i = 0; i < n; i++) {
        const [l, range, fo, fc2, v] = prices[i]!;
        b.low[i] = l / 1e4;
        b.high[i] = (l + range) / 1e4;
        b.open[i] = (l + Math.round(range * fo)) / 1e4;
        b.close[i] = (l + Math.round(range * fc2)) / 1e4;
        b.volume[i] = v;
      }
      return b;
    });
}

describe('any valid series written in each format parses back to the same bars (property)', () => {
  const check = (format: Format, intraday: boolean): void => {
    fc.assert(
      fc.property(seriesArb(intraday), (bars) => {
        fc.pre(format.accepts?.(bars) ?? true);
        const r = parseCsv(format.write(bars), format.options);
        const expected = format.closeOnly
          ? { ...bars, open: bars.close, high: bars.close, low: bars.close, volume: new Float64Array(bars.close.length) }
          : format.noVolume
            ? { ...bars, volume: new Float64Array(bars.close.length) }
            : bars;
        expect(r.bars).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  };
  for (const format of formatsOf('daily')) it(`daily: ${format.name}`, () => check(format, false));
  for (const format of formatsOf('intraday')) it(`intraday: ${format.name}`, () => check(format, true));
});
