/**
 * Timeframes: detecting a series' native timeframe, resampling to coarser ones (open first, high max,
 * low min, close last, volume sum; buckets aligned to calendar boundaries in UTC, weeks starting Monday;
 * empty buckets are skipped, never invented), and aligning several timeframes on one time grid without
 * look-ahead. Pure functions over columnar Bars.
 */
import { WarpdeskError } from '../../shared/errors';
import { TIMEFRAMES, TIMEFRAME_MS, type Bars, type Timeframe } from '../../shared/market';

/** 1970-01-05 was a Monday: weekly buckets are offset by 4 days from the epoch. */
const WEEK_OFFSET_MS = 4 * 86_400_000;

/** Start (UTC ms) of the bucket of `timeframe` that contains `t`. */
export function bucketStart(t: number, timeframe: Timeframe): number {
  const size = TIMEFRAME_MS[timeframe];
  if (timeframe === '1W') return Math.floor((t - WEEK_OFFSET_MS) / size) * size + WEEK_OFFSET_MS;
  return Math.floor(t / size) * size;
}

/** The finest listed timeframe whose length is at least the median spacing of the bars. */
export function detectTimeframe(time: Float64Array): Timeframe {
  if (time.length < 2) return '1D';
  const n = Math.min(time.length - 1, 2000);
  const gaps = new Float64Array(n);
  for (let i = 0; i < n; i++) gaps[i] = time[i + 1]! - time[i]!;
  gaps.sort();
  const median = gaps[Math.floor(n / 2)]!;
  for (const tf of TIMEFRAMES) if (TIMEFRAME_MS[tf] >= median * 0.99) return tf;
  return '1W';
}

/** Resamples to a timeframe at least as coarse as `from`; returns the input unchanged when equal. */
export function resample(bars: Bars, to: Timeframe, from: Timeframe = detectTimeframe(bars.time)): Bars {
  if (TIMEFRAME_MS[to] < TIMEFRAME_MS[from]) {
    throw new WarpdeskError('InvalidInput', `Bars at ${from} cannot be shown at the finer timeframe ${to}; pick ${from} or coarser.`);
  }
  if (to === from) return bars;
  const n = bars.time.length;
  const time: number[] = [];
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  const volume: number[] = [];
  let current = Number.NaN;
  for (let i = 0; i < n; i++) {
    const b = bucketStart(bars.time[i]!, to);
    if (b !== current) {
      current = b;
      time.push(b);
      open.push(bars.open[i]!);
      high.push(bars.high[i]!);
      low.push(bars.low[i]!);
      close.push(bars.close[i]!);
      volume.push(bars.volume[i]!);
    } else {
      const k = time.length - 1;
      if (bars.high[i]! > high[k]!) high[k] = bars.high[i]!;
      if (bars.low[i]! < low[k]!) low[k] = bars.low[i]!;
      close[k] = bars.close[i]!;
      volume[k] = volume[k]! + bars.volume[i]!;
    }
  }
  return {
    time: Float64Array.from(time),
    open: Float64Array.from(open),
    high: Float64Array.from(high),
    low: Float64Array.from(low),
    close: Float64Array.from(close),
    volume: Float64Array.from(volume),
  };
}

export interface AlignedSeries {
  /** The grid: bar open times of the base series. */
  time: Float64Array;
  /** For each timeframe, the close of the last bar of that timeframe COMPLETED by the end of each grid bar (NaN before the first). */
  close: Partial<Record<Timeframe, Float64Array>>;
  /** For each timeframe, the index of that bar in the resampled series (-1 before the first). */
  index: Partial<Record<Timeframe, Int32Array>>;
}

/**
 * Aligns several coarser timeframes of one series on the base series' time grid. At grid bar i (which ends
 * at time[i] + baseLength) each timeframe contributes its last bar that had closed by then: nothing from a
 * bucket still open is used, so the alignment never looks ahead.
 */
export function alignTimeframes(bars: Bars, timeframes: Timeframe[], base: Timeframe = detectTimeframe(bars.time)): AlignedSeries {
  const n = bars.time.length;
  const baseMs = TIMEFRAME_MS[base];
  const out: AlignedSeries = { time: bars.time, close: {}, index: {} };
  for (const tf of timeframes) {
    const rs = resample(bars, tf, base);
    const size = TIMEFRAME_MS[tf];
    const closes = new Float64Array(n).fill(Number.NaN);
    const idx = new Int32Array(n).fill(-1);
    let j = -1;
    for (let i = 0; i < n; i++) {
      const barEnd = bars.time[i]! + baseMs;
      // Advance to the last coarse bar whose bucket end is <= this grid bar's end.
      while (j + 1 < rs.time.length && rs.time[j + 1]! + size <= barEnd) j++;
      if (j >= 0) {
        closes[i] = rs.close[j]!;
        idx[i] = j;
      }
    }
    out.close[tf] = closes;
    out.index[tf] = idx;
  }
  return out;
}
