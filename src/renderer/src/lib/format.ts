// Display helpers for the renderer: dates in the data set's own labels, percentages, numbers.
export function formatDate(ms: number, withTime: boolean): string {
  const iso = new Date(ms).toISOString();
  return withTime ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

export function formatPct(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(digits)}%`;
}

export function formatPrice(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  const abs = Math.abs(x);
  return x.toFixed(abs >= 1000 ? 1 : abs >= 10 ? 2 : 4);
}

export function formatVolume(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)}B`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}K`;
  return x.toFixed(0);
}

/** Distinct colors for match ranks (translucent for highlights). */
export const MATCH_COLORS = ['#f5a623', '#7ed321', '#bd10e0', '#4a90e2', '#50e3c2', '#e94e77', '#b8e986', '#9013fe', '#f8e71c', '#8b572a'];

export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Decimals the data's prices are quoted in (its tick): the most any of the last 2,000 bars' prices needs, at
 * most 8 (a price like 1.23450 needs 4; forex 5; an index 2 or fewer). At least 0.
 */
export function priceDecimals(b: { open: ArrayLike<number>; high: ArrayLike<number>; low: ArrayLike<number>; close: ArrayLike<number> }): number {
  let most = 0;
  const n = b.close.length;
  for (let i = Math.max(0, n - 2000); i < n; i++) {
    for (const x of [b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!]) {
      if (!Number.isFinite(x)) continue;
      let d = most;
      while (d < 8 && Math.abs(Math.round(x * 10 ** d) - x * 10 ** d) > 1e-6 * Math.max(1, Math.abs(x) * 10 ** d * 1e-9)) d++;
      most = d;
      if (most === 8) return 8;
    }
  }
  return most;
}

/** Time-axis labels (UTC): the year at a year's start, "Mar 2024" at a month's, "14 Mar" on other days, hh:mm inside a day. */
export function tickLabel(ms: number, type: TickKind): string {
  const d = new Date(ms);
  const mon = MONTHS[d.getUTCMonth()]!;
  switch (type) {
    case TICK.Year:
      return String(d.getUTCFullYear());
    case TICK.Month:
      return `${mon} ${d.getUTCFullYear()}`;
    case TICK.DayOfMonth:
      return `${d.getUTCDate()} ${mon}`;
    default:
      return d.toISOString().slice(11, type === TICK.TimeWithSeconds ? 19 : 16);
  }
}

/** lightweight-charts' TickMarkType values (kept here so this module stays free of the chart library). */
export const TICK = { Year: 0, Month: 1, DayOfMonth: 2, Time: 3, TimeWithSeconds: 4 } as const;
export type TickKind = number;
