/**
 * The parameters of the learning loop: the walk-forward parameters of the contract (one schema for the app, the
 * backtest, `learn`, sweeps and swarm jobs) minus execution costs. `learning` switches threshold adaptation on
 * (gate and similarity threshold read from the memory's verdicts) or off (the fixed `threshold` gate and the
 * memory's initial similarity threshold): the baseline is the same loop with adaptation off.
 */
import { BacktestParamsSchema, type BacktestParams, type BacktestParamsInput } from '../../shared/contract/backtest';

export type StrategyParams = Pick<
  BacktestParams,
  'window' | 'top' | 'horizon' | 'representation' | 'bandRatio' | 'exclusionZone' | 'step' | 'maxHistory' | 'minHistory' | 'threshold' | 'minEdge' | 'sizing' | 'allowShort' | 'learning'
> &
  /** The loop variants (off when absent; see loop.ts). */
  Partial<Pick<BacktestParams, 'gateSmoothing' | 'gateRule' | 'volEdge' | 'regimes'>>;

export function parseStrategyParams(input: BacktestParamsInput = {}): BacktestParams {
  return BacktestParamsSchema.parse(input);
}

/** The pattern type the loop learns under: one per timeframe, shared by app searches, `learn` and backtests. */
export function patternTypeFor(timeframe: string): string {
  return `analog:${timeframe}`;
}
