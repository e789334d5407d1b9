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
