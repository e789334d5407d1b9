/**
 * The forecast: what followed the analogs the loop trusts. Analogs whose similarity is below the learned
 * similarity threshold stay in the list (flagged) but are excluded here. The view is the admitted analogs'
 * majority direction (a tie is broken by the sign of their mean; flat when there is none); agreement is the
 * share of admitted analogs whose forward return has the view's sign. Pure.
 */
import type { Signal } from '../memory';
import type { Analog } from './analogs';

export interface Forecast {
  analogs: number;
  admitted: number;
  belowThreshold: number;
  mean: number | null;
  median: number | null;
  upShare: number | null;
  view: Signal;
  agreement: number;
}

export function isAdmitted(a: Analog, similarityThreshold: number): boolean {
  return a.similarity >= similarityThreshold;
}

export function forecastFrom(analogs: readonly Analog[], similarityThreshold: number): Forecast {
  const rets: number[] = [];
  for (const a of analogs) if (isAdmitted(a, similarityThreshold) && Number.isFinite(a.forwardReturn)) rets.push(a.forwardReturn);
  const m = rets.length;
  const base = { analogs: analogs.length, admitted: m, belowThreshold: analogs.length - m };
  if (m === 0) return { ...base, mean: null, median: null, upShare: null, view: 'flat', agreement: 0 };
  let up = 0;
  let down = 0;
  let sum = 0;
  for (const r of rets) {
    sum += r;
    if (r > 0) up++;
    else if (r < 0) down++;
  }
  const mean = sum / m;
  const sorted = [...rets].sort((a, b) => a - b);
  const mid = m >> 1;
  const median = m % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const view: Signal = up > down ? 'long' : down > up ? 'short' : mean > 0 ? 'long' : mean < 0 ? 'short' : 'flat';
  const agreement = view === 'long' ? up / m : view === 'short' ? down / m : 0;
  return { ...base, mean, median, upShare: up / m, view, agreement };
}
