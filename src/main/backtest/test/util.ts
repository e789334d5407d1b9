/**
 * Test helpers for the backtester: synthetic bars (seeded random walks, hand-made series). Tests only.
 */
import type { Bars } from '../../../shared/market';
import { rng } from '../bootstrap';

export function barsFromCloses(close: number[] | Float64Array, open?: number[] | Float64Array, start = Date.UTC(2020, 0, 1), stepMs = 86_400_000): Bars {
  const n = close.length;
  const c = Float64Array.from(close);
  const o = open ? Float64Array.from(open) : Float64Array.from(c);
  const time = new Float64Array(n);
  for (let i = 0; i < n; i++) time[i] = start + i * stepMs;
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    high[i] = Math.max(c[i]!, o[i]!);
    low[i] = Math.min(c[i]!, o[i]!);
  }
  return { time, open: o, high, low, close: c, volume: new Float64Array(n) };
}

/** Seeded geometric random walk with gaps between close and next open. */
export function randomBars(n: number, seed: number, vol = 0.01): Bars {
  const r = rng(seed);
  const close = new Float64Array(n);
  const open = new Float64Array(n);
  let p = 100;
  for (let i = 0; i < n; i++) {
    const g = (r() - 0.5) * vol;
    open[i] = p * (1 + g * 0.3);
    p = open[i]! * (1 + (r() - 0.5) * 2 * vol + 0.0002 * Math.sin(i / 7));
    close[i] = p;
  }
  return barsFromCloses(close, open);
}

export function cloneBars(b: Bars): Bars {
  return { time: b.time.slice(), open: b.open.slice(), high: b.high.slice(), low: b.low.slice(), close: b.close.slice(), volume: b.volume.slice() };
}
