/**
 * Which earlier windows may be analogs of the query at decision bar t, and the search that finds them (the
 * live path: one decision at a time). The backtester's forecast pass finds the same analogs for many decisions
 * at once (`src/main/backtest/forecast.ts`) from the same `analogRange` and `decisionBars`.
 *
 * The rule (no look-ahead, no trivial self-matches): the query is the W values ending at bar t; an analog is a
 * W-value window ending at bar e with e + H < t (its H-bar outcome closed before t) and e < t - W + 1 (it ends
 * before the query begins), starting no earlier than `maxHistory` values back when that is set. What followed
 * an analog is close[e + H] / close[e] - 1. Must never read a bar after t.
 *
 * Analogs of one query never overlap by default: two analogs' starts differ by more than `exclusionZone` bars,
 * which defaults to the query length W (`analogExclusion`), so the k analogs are k distinct episodes rather than
 * one episode shifted bar by bar.
 */
import { WarpdeskError } from '../../shared/errors';
import type { Bars } from '../../shared/market';
import { similarityFromDistance } from '../../shared/numerics';
import type { AsyncOptions, PatternEngine, SearchMatch } from '../engine';
import type { StrategyParams } from './params';

/** One analog of a query: bar range, DTW distance, similarity, and what followed it. */
export interface Analog {
  start: number;
  end: number;
  distance: number;
  similarity: number;
  forwardReturn: number;
}

/** Two analogs' starts differ by more than this many bars: the caller's exclusionZone, else W (no shared bar). */
export function analogExclusion(p: Pick<StrategyParams, 'window' | 'exclusionZone'>): number {
  return p.exclusionZone ?? p.window;
}

type RangeParams = Pick<StrategyParams, 'window' | 'horizon' | 'maxHistory' | 'representation'>;

/** Offset of the representation series: x[j] belongs to bar j + offset (1 for log returns). */
export function representationOffset(p: Pick<StrategyParams, 'representation'>): number {
  return p.representation === 'returns' ? 1 : 0;
}

/** The series the engine matches: closes, or log returns (x[j] = ln(close[j+1] / close[j])). */
export function representationSeries(close: Float64Array, p: Pick<StrategyParams, 'representation'>): Float64Array {
  if (p.representation !== 'returns') return close;
  const x = new Float64Array(Math.max(0, close.length - 1));
  for (let i = 1; i < close.length; i++) x[i - 1] = Math.log(close[i]! / close[i - 1]!);
  return x;
}

/**
 * Where the analogs of the query at bar t are searched, in representation indices: candidates start in
 * [lo, L - W] (windows inside x[lo, L)), the query is x[qs, qs + W). L - lo < W means no candidate yet.
 */
export function analogRange(t: number, p: RangeParams): { lo: number; L: number; qs: number } {
  const offset = representationOffset(p);
  const L = Math.min(t - p.horizon, t - p.window + 1) - offset;
  const lo = p.maxHistory > 0 ? Math.max(0, L - p.maxHistory) : 0;
  return { lo, L, qs: t - p.window + 1 - offset };
}

/** Candidate windows searched at bar t (0 when there is not yet enough history). */
export function candidatesAt(t: number, p: RangeParams): number {
  const { lo, L } = analogRange(t, p);
  return Math.max(0, L - lo - p.window + 1);
}

export function defaultMinHistory(p: Pick<StrategyParams, 'window' | 'top'>): number {
  return Math.max(4 * p.window, 4 * p.top + p.window);
}

/** Bars a series needs for one decision under these parameters (the first decision bar + 2: one bar to act on). */
export function barsNeeded(p: Pick<StrategyParams, 'window' | 'top' | 'horizon' | 'minHistory' | 'representation'>): number {
  return firstDecisionBar(p) + 2;
}

function firstDecisionBar(p: Pick<StrategyParams, 'window' | 'top' | 'horizon' | 'minHistory' | 'representation'>): number {
  const minHist = Math.max(p.window, p.minHistory ?? defaultMinHistory(p));
  const offset = representationOffset(p);
  // Smallest t whose eligible history L(t) = min(t - H, t - W + 1) - offset holds minHist values.
  return minHist + offset + Math.max(p.horizon, p.window - 1);
}

/**
 * The decision bars of a walk over n bars: from the first bar with `minHistory` values of eligible history,
 * every `step` bars, up to n - 2 (the last bar has no next bar to act on).
 */
export function decisionBars(n: number, p: Pick<StrategyParams, 'window' | 'top' | 'horizon' | 'minHistory' | 'representation' | 'step'>): Int32Array {
  const list: number[] = [];
  for (let t = firstDecisionBar(p); t <= n - 2; t += p.step) list.push(t);
  return Int32Array.from(list);
}

/** Throws a sentence naming how many bars are needed when a series is too short for one decision. */
export function requireDecisions(n: number, p: Pick<StrategyParams, 'window' | 'top' | 'horizon' | 'minHistory' | 'representation' | 'step'>): Int32Array {
  const d = decisionBars(n, p);
  if (d.length === 0) {
    throw new WarpdeskError(
      'InvalidInput',
      `The series has ${n} bars; one decision with a ${p.window}-bar window, ${p.top} analogs and a ${p.horizon}-bar horizon needs at least ${barsNeeded(p)} bars (set a smaller window or minimum history).`,
      { barsNeeded: barsNeeded(p), bars: n },
    );
  }
  return d;
}

/** Analogs from engine matches at decision bar t (indices relative to x[lo..]); checks the no-look-ahead rule. */
export function analogsFromMatches(close: Float64Array, t: number, matches: readonly SearchMatch[], lo: number, p: RangeParams & Pick<StrategyParams, 'top'>): Analog[] {
  const W = p.window;
  const H = p.horizon;
  const offset = representationOffset(p);
  const { L } = analogRange(t, p);
  const out: Analog[] = [];
  for (const m of matches.slice(0, p.top)) {
    const s = lo + m.index;
    const e = s + W - 1 + offset;
    if (e + H >= t || e >= t - W + 1 || s < lo || s + W > L) {
      throw new WarpdeskError('Internal', `The engine returned an analog (end ${e}) that the rule excludes at bar ${t}.`);
    }
    out.push({ start: e - W + 1, end: e, distance: m.distance, similarity: similarityFromDistance(m.distance, W), forwardReturn: close[e + H]! / close[e]! - 1 });
  }
  return out;
}

/**
 * The live path: the top-k analogs of the W bars ending at t, searched off the JS thread. Reads bars up to t
 * only. Throws InvalidInput (with the bars needed) when there is no candidate window yet.
 */
export async function findAnalogsAt(engine: PatternEngine, bars: Bars, t: number, p: StrategyParams, async: AsyncOptions = {}): Promise<{ analogs: Analog[]; candidates: number }> {
  const W = p.window;
  if (!Number.isInteger(t) || t < 0 || t >= bars.close.length) throw new WarpdeskError('InvalidInput', `Bar ${t} is outside the ${bars.close.length} bars of the series.`);
  const candidates = candidatesAt(t, p);
  if (candidates <= 0) {
    const offset = representationOffset(p);
    const need = W + offset + Math.max(p.horizon, W - 1) + 1;
    throw new WarpdeskError('InvalidInput', `There is not enough history before the query: a ${W}-bar query with a ${p.horizon}-bar horizon needs at least ${need} bars up to its last bar, and only ${t + 1} exist.`, {
      barsNeeded: need,
    });
  }
  const x = representationSeries(bars.close.subarray(0, t + 1), p);
  const { lo, L, qs } = analogRange(t, p);
  const matches = await engine.searchTopKAsync(x.subarray(lo, L), x.subarray(qs, qs + W), {
    window: Math.ceil(p.bandRatio * W),
    k: p.top,
    znormalize: true,
    exclusionZone: analogExclusion(p),
    ...async,
  });
  return { analogs: analogsFromMatches(bars.close, t, matches, lo, p), candidates };
}
