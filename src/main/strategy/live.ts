/**
 * The live path: one decision at the last bar the caller has, as the app makes it when the user asks (and as
 * data arrives): judge what is due in the memory → find the analogs → the loop decides (gates read from the
 * memory, adaptation on) → record → judge the new experience at once when its horizon is already in the data
 * (a query in the past). Reads bars ≤ t for the decision; settling reads only bars within each experience's
 * horizon.
 */
import type { Bars } from '../../shared/market';
import type { AsyncOptions, PatternEngine } from '../engine';
import type { Experience, Memory } from '../memory';
import { findAnalogsAt } from './analogs';
import { StrategyLoop, type Decision } from './loop';
import type { StrategyParams } from './params';
import { settlePending } from './settle';

export type LiveMemory = Pick<Memory, 'recordExperience' | 'settle' | 'threshold' | 'pending' | 'getExperience'>;

export interface LiveInput {
  engine: PatternEngine;
  memory: LiveMemory;
  /** Bars of the series (at least up to t). */
  bars: Bars;
  t: number;
  params: StrategyParams;
  patternType: string;
  dataset: string;
  timeframe: string;
  /** Bars for a pending experience (null when it is not this caller's to judge). */
  barsFor: (e: Experience) => Bars | null;
  /** Facts kept with the experience (e.g. the data set id and query range). */
  context?: Record<string, string | number | boolean | null>;
  record?: boolean;
  async?: AsyncOptions;
  onJudged?: (id: string) => void;
}

export interface LiveDecision {
  decision: Decision;
  candidates: number;
  /** Earlier experiences judged before deciding. */
  settled: number;
  /** The new experience was judged at once (its horizon is already in the data). */
  judgedAtOnce: boolean;
}

export async function decideLive(input: LiveInput): Promise<LiveDecision> {
  const { memory, bars, t } = input;
  const params = { ...input.params, learning: true };
  // Without recording nothing is written (the memory may be read-only): no settling either.
  const before = input.record === false ? { settled: 0 } : settlePending(memory, input.barsFor, { onJudged: input.onJudged });
  const { analogs, candidates } = await findAnalogsAt(input.engine, bars, t, params, input.async);
  const loop = new StrategyLoop({ params, memory, patternType: input.patternType, dataset: input.dataset, timeframe: input.timeframe, record: input.record, onJudged: input.onJudged });
  const decision = loop.step(bars, t, analogs, input.context);
  // A query in the past: its horizon is already in the bars, so the loop judges it at once (the same settle).
  const judgedAtOnce = decision.experienceId !== null && loop.settleDue(bars, bars.close.length - 1) > 0;
  return { decision, candidates, settled: before.settled, judgedAtOnce };
}
