// Axis labels name months and years; price decimals follow the data's ticks.
import { describe, expect, it } from 'vitest';
import { TICK, priceDecimals, tickLabel } from './format';

describe('tickLabel', () => {
  const t = Date.UTC(2024, 2, 14, 9, 30);
  it('names years, months with their year, days with their month, and times', () => {
    expect(tickLabel(t, TICK.Year)).toBe('2024');
    expect(tickLabel(t, TICK.Month)).toBe('Mar 2024');
    expect(tickLabel(t, TICK.DayOfMonth)).toBe('14 Mar');
    expect(tickLabel(t, TICK.Time)).toBe('09:30');
  });
});

describe('priceDecimals', () => {
  const bars = (xs: number[]) => ({ open: xs, high: xs, low: xs, close: xs });
  it('takes the most decimals any price needs', () => {
    expect(priceDecimals(bars([1.193, 1.1941, 1.19415]))).toBe(5);
    expect(priceDecimals(bars([63.4375, 61.3125]))).toBe(4);
    expect(priceDecimals(bars([3.18, 3.1]))).toBe(2);
    expect(priceDecimals(bars([4200, 4210]))).toBe(0);
    expect(priceDecimals(bars([12345.67, 1e6 + 0.5]))).toBe(2);
  });
});
