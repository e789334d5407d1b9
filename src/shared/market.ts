/**
 * Market data types shared by the core, the contract and the renderer.
 * Pure types and tiny helpers only: nothing here may import Node, Electron or the DOM.
 *
 * Bars are columnar (one typed array per field) so 60,000+ bars move and compute without
 * per-bar objects. Time is UTC epoch milliseconds of the bar's open.
 */

export const TIMEFRAMES = ['1m', '5m', '15m', '30m', '1h', '4h', '1D', '1W'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

/** Duration of each fixed-length timeframe in milliseconds (1W is aligned to Monday 00:00 UTC). */
export const TIMEFRAME_MS: Record<Timeframe, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1D': 86_400_000,
  '1W': 604_800_000,
};

export interface Bars {
  /** UTC epoch milliseconds of each bar's open, strictly increasing. */
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  /** Volume; all zeros for close-only data. */
  volume: Float64Array;
}

export function barCount(bars: Bars): number {
  return bars.time.length;
}

export function isTimeframe(value: string): value is Timeframe {
  return (TIMEFRAMES as readonly string[]).includes(value);
}
