import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WarpdeskError } from '../../shared/errors';
import { alignTimeframes, bucketStart, DataStore, detectTimeframe, parseCsv, parseDateTime, resample } from './index';

const RES = path.resolve(__dirname, '../../../resources/data');

function csvError(text: string): WarpdeskError {
  try {
    parseCsv(text);
  } catch (e) {
    if (e instanceof WarpdeskError) return e;
    throw e;
  }
  throw new Error('expected parseCsv to fail');
}

describe('parseDateTime', () => {
  it.each([
    ['2001-03-30', Date.UTC(2001, 2, 30)],
    ['2001-03-30T12:30:00', Date.UTC(2001, 2, 30, 12, 30)],
    ['2001-03-30 12:30', Date.UTC(2001, 2, 30, 12, 30)],
    ['2001-03-30T12:30:00Z', Date.UTC(2001, 2, 30, 12, 30)],
    ['2001-03-30T12:30:00+02:00', Date.UTC(2001, 2, 30, 10, 30)],
    ['2001.03.30', Date.UTC(2001, 2, 30)],
    ['2001/03/30', Date.UTC(2001, 2, 30)],
    ['03/30/2001', Date.UTC(2001, 2, 30)],
    ['30.03.2001', Date.UTC(2001, 2, 30)],
    ['20010330', Date.UTC(2001, 2, 30)],
    ['985910400', Date.UTC(2001, 2, 30)],
    ['985910400000', Date.UTC(2001, 2, 30)],
  ])('reads %s', (text, expected) => {
    expect(parseDateTime(text)).toBe(expected);
  });

  it.each(['', 'yesterday', '2001-02-30', '2001-13-01', '12345'])('rejects %j', (text) => {
    expect(parseDateTime(text)).toBeNaN();
  });
});

describe('parseCsv formats', () => {
  it('reads generic OHLCV with a header', () => {
    const r = parseCsv('date,open,high,low,close,volume\n2001-01-02,10,11,9,10.5,100\n2001-01-03,10.5,12,10,11,200\n');
    expect(r.format).toBe('generic');
    expect(Array.from(r.bars.close)).toEqual([10.5, 11]);
    expect(Array.from(r.bars.volume)).toEqual([100, 200]);
    expect(r.hasVolume).toBe(true);
  });

  it('reads a Yahoo Finance export', () => {
    const r = parseCsv('Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,74.06,75.15,73.80,75.09,73.15,135480400\n2020-01-03,74.29,75.14,74.13,74.36,72.44,146322800\n');
    expect(r.format).toBe('yahoo');
    expect(r.bars.close[1]).toBe(74.36);
    expect(r.bars.time[0]).toBe(Date.UTC(2020, 0, 2));
  });

  it('reads a MetaTrader 5 export with <DATE> and <TIME> columns, tab-separated', () => {
    const r = parseCsv(
      '<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n2021.03.01\t00:00:00\t1.2070\t1.2080\t1.2060\t1.2075\t1200\t0\t2\n2021.03.01\t01:00:00\t1.2075\t1.2090\t1.2070\t1.2085\t900\t0\t2\n',
    );
    expect(r.format).toBe('metatrader');
    expect(r.bars.time[1]).toBe(Date.UTC(2021, 2, 1, 1));
    expect(Array.from(r.bars.volume)).toEqual([1200, 900]);
  });

  it('reads a headerless MetaTrader 4 history export', () => {
    const r = parseCsv('2001.01.02,23:00,0.9345,0.9350,0.9340,0.9348,12\n2001.01.02,23:30,0.9348,0.9352,0.9341,0.9344,9\n');
    expect(r.format).toBe('metatrader');
    expect(r.bars.time[0]).toBe(Date.UTC(2001, 0, 2, 23));
    expect(r.bars.high[1]).toBe(0.9352);
  });

  it('reads a TradingView export with epoch seconds', () => {
    const r = parseCsv('time,open,high,low,close,Volume\n1609459200,1,2,0.5,1.5,10\n1609545600,1.5,2,1,1.8,11\n');
    expect(r.format).toBe('tradingview');
    expect(r.bars.time[0]).toBe(Date.UTC(2021, 0, 1));
  });

  it('reads close-only files like the shipped USD/CHF one', () => {
    const r = parseCsv(fs.readFileSync(path.join(RES, 'usdchf_30min_1996_2001.csv'), 'utf8'));
    expect(r.format).toBe('close-only');
    expect(r.closeOnly).toBe(true);
    expect(r.bars.time.length).toBe(62_496);
    expect(r.bars.open[0]).toBe(r.bars.close[0]);
    expect(detectTimeframe(r.bars.time)).toBe('30m');
  });

  it('reads the shipped daily sample completely', () => {
    const r = parseCsv(fs.readFileSync(path.join(RES, 'ttrc_daily.csv'), 'utf8'));
    expect(r.bars.time.length).toBe(5550);
    expect(r.bars.time[0]).toBe(Date.UTC(1985, 0, 2));
    expect(detectTimeframe(r.bars.time)).toBe('1D');
  });

  it('accepts semicolons, CRLF and a byte-order mark', () => {
    const r = parseCsv('\ufeffDate;Close\r\n2001-01-02;1.5\r\n2001-01-03;1.6\r\n');
    expect(Array.from(r.bars.close)).toEqual([1.5, 1.6]);
  });
});

describe('parseCsv bad input names the line and the problem', () => {
  it('missing close column', () => {
    const e = csvError('date,open,high,low,volume\n2001-01-02,1,2,0.5,10\n');
    expect(e.code).toBe('InvalidCsv');
    expect(e.message).toMatch(/Line 1: .*no close column/);
  });
  it('missing date column', () => {
    expect(csvError('open,high,low,close\n1,2,0.5,1\n').message).toMatch(/Line 1: .*no date or time column/);
  });
  it('unparsable date', () => {
    const e = csvError('date,close\n2001-01-02,1\n2001-01-xx,2\n');
    expect(e.message).toMatch(/^Line 3: the date "2001-01-xx" could not be read/);
    expect(e.details?.['line']).toBe(3);
  });
  it('time not increasing', () => {
    expect(csvError('date,close\n2001-01-03,1\n2001-01-04,1\n2001-01-02,2\n').message).toMatch(/^Line 4: the time 2001-01-02 breaks the order of the rows \(oldest first until line 3/);
    expect(csvError('date,close\n2001-01-03,1\n2001-01-03,2\n').message).toMatch(/^Line 3: the time 2001-01-03 repeats line 2/);
  });
  it('NaN values', () => {
    expect(csvError('date,close\n2001-01-02,NaN\n').message).toMatch(/^Line 2: the close value "NaN" is not a number/);
    expect(csvError('Date,Open,High,Low,Close,Adj Close,Volume\n2001-01-02,null,1,1,1,1,1\n').message).toMatch(/^Line 2: the open value "null"/);
    expect(csvError('date,close\n2001-01-02,\n').message).toMatch(/^The file has no row with a price \(1 row without prices, from line 2\)/);
    expect(csvError('date,open,high,low,close\n2001-01-02,1,1,1,\n').message).toMatch(/^Line 2: the close value is empty/);
  });
  it('negative or zero price', () => {
    expect(csvError('date,close\n2001-01-02,0\n').message).toMatch(/^Line 2: the close price 0 is not positive/);
    expect(csvError('date,open,high,low,close\n2001-01-02,1,2,-1,1\n').message).toMatch(/^Line 2: the low price -1 is not positive/);
  });
  it('high below low', () => {
    expect(csvError('date,open,high,low,close\n2001-01-02,1,2,0.5,1\n2001-01-03,1,0.9,1.1,1\n').message).toMatch(/^Line 3: the high 0.9 is below the low 1.1/);
  });
  it('empty file and header-only file', () => {
    expect(csvError('').message).toMatch(/empty/);
    expect(csvError('date,close\n').message).toMatch(/no rows/);
  });
  it('short rows', () => {
    expect(csvError('date,open,high,low,close\n2001-01-02,1,2\n').message).toMatch(/^Line 2: expected at least 5 columns, found 3/);
  });
});

function bars(times: number[], closes?: number[]) {
  const c = Float64Array.from(closes ?? times.map((_, i) => 100 + i));
  return { time: Float64Array.from(times), open: c.map((x) => x - 0.5), high: c.map((x) => x + 1), low: c.map((x) => x - 1), close: c, volume: c.map(() => 10) };
}

describe('resample', () => {
  const H = 3_600_000;
  it('aggregates OHLCV into calendar-aligned buckets', () => {
    const t0 = Date.UTC(2001, 0, 2, 0, 0);
    const b = bars([t0, t0 + H / 2, t0 + H, t0 + 1.5 * H, t0 + 4 * H], [1, 3, 2, 5, 4]);
    const r = resample(b, '1h', '30m');
    expect(Array.from(r.time)).toEqual([t0, t0 + H, t0 + 4 * H]);
    expect(Array.from(r.open)).toEqual([0.5, 1.5, 3.5]);
    expect(Array.from(r.high)).toEqual([4, 6, 5]);
    expect(Array.from(r.low)).toEqual([0, 1, 3]);
    expect(Array.from(r.close)).toEqual([3, 5, 4]);
    expect(Array.from(r.volume)).toEqual([20, 20, 10]);
  });

  it('starts weeks on Monday 00:00 UTC and never invents empty buckets', () => {
    const monday = Date.UTC(2001, 0, 1);
    expect(new Date(monday).getUTCDay()).toBe(1);
    expect(bucketStart(Date.UTC(2001, 0, 7, 23), '1W')).toBe(monday);
    expect(bucketStart(Date.UTC(2001, 0, 8), '1W')).toBe(Date.UTC(2001, 0, 8));
    const D = 86_400_000;
    const r = resample(bars([monday, monday + D, monday + 21 * D]), '1W', '1D');
    expect(r.time.length).toBe(2);
  });

  it('refuses finer timeframes', () => {
    expect(() => resample(bars([0, 86_400_000]), '1h', '1D')).toThrow(/finer timeframe/);
  });

  it('keeps invariants for random series (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 200 }), fc.constantFrom('1h', '4h', '1D', '1W' as const), (steps, tf) => {
        let t = Date.UTC(2000, 0, 3);
        const times = steps.map((s) => (t += s * 1_800_000));
        const b = bars(
          times,
          times.map((_, i) => 50 + Math.sin(i) * 10),
        );
        const r = resample(b, tf, '30m');
        const sumVol = r.volume.reduce((a, x) => a + x, 0);
        expect(sumVol).toBe(b.volume.reduce((a, x) => a + x, 0));
        expect(Math.max(...r.high)).toBe(Math.max(...b.high));
        expect(r.close[r.close.length - 1]).toBe(b.close[b.close.length - 1]);
        for (let i = 1; i < r.time.length; i++) expect(r.time[i]!).toBeGreaterThan(r.time[i - 1]!);
        for (let i = 0; i < r.time.length; i++) expect(r.high[i]!).toBeGreaterThanOrEqual(r.low[i]!);
      }),
      { numRuns: 100 },
    );
  });
});

describe('alignTimeframes', () => {
  it('uses only completed coarser bars (no look-ahead)', () => {
    const H = 3_600_000;
    const t0 = Date.UTC(2001, 0, 2);
    const times = Array.from({ length: 10 }, (_, i) => t0 + i * H);
    const b = bars(
      times,
      times.map((_, i) => i + 1),
    );
    const a = alignTimeframes(b, ['4h'], '1h');
    // The first 4h bucket [0h,4h) completes with the bar starting at 3h.
    expect(Array.from(a.index['4h']!)).toEqual([-1, -1, -1, 0, 0, 0, 0, 1, 1, 1]);
    expect(a.close['4h']![3]).toBe(4);
    expect(a.close['4h']![0]).toBeNaN();
  });
});

describe('DataStore', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  function tmp(): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-data-'));
    dirs.push(d);
    return d;
  }

  it('imports, lists, reads back bars exactly and resamples', () => {
    const dir = tmp();
    const store = DataStore.open(dir);
    const csv = fs.readFileSync(path.join(RES, 'usdchf_30min_1996_2001.csv'), 'utf8');
    const info = store.importCsv(csv, { name: 'USD/CHF', source: 'test' });
    expect(info.barCount).toBe(62_496);
    expect(info.timeframe).toBe('30m');
    expect(store.list().map((d) => d.name)).toEqual(['USD/CHF']);
    const parsed = parseCsv(csv).bars;
    const back = store.bars(info.id);
    expect(back.close).toEqual(parsed.close);
    expect(back.time).toEqual(parsed.time);
    const daily = store.bars(info.id, '1D');
    expect(daily.time.length).toBeLessThan(2000);
    expect(daily.time.length).toBeGreaterThan(1200);
    store.close();
    // Reopening finds the same data (durable, WAL).
    const again = DataStore.open(dir);
    expect(again.get(info.id).barCount).toBe(62_496);
    again.close();
  });

  it('leaves nothing behind when a file is bad', () => {
    const store = DataStore.open(tmp());
    expect(() => store.importCsv('date,close\n2001-01-02,1\n2001-01-03,-2\n', { name: 'bad', source: 'test' })).toThrow(/Line 3/);
    expect(store.list()).toEqual([]);
    expect(() => store.get(1)).toThrow(WarpdeskError);
    store.close();
  });
});
