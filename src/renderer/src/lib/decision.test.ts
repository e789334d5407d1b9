// The wording of a decision: stand-aside headline for every reason but a trade, one line per reason.
import { describe, expect, it } from 'vitest';
import type { DecisionInfo, ForecastInfo } from '../../../shared/contract';
import { explain, gateText, headline } from './decision';

const decision = (over: Partial<DecisionInfo>): DecisionInfo => ({ signal: 'flat', reason: 'trade', confidence: 0.7, gate: 0.6, similarityThreshold: 0.55, size: 0, time: 0, ...over });
const forecast = (over: Partial<ForecastInfo>): ForecastInfo => ({ analogs: 10, admitted: 8, belowThreshold: 2, mean: 0.01, median: 0.012, upShare: 0.75, view: 'long', agreement: 0.75, ...over });

describe('decision wording', () => {
  it('names the direction only when the loop trades', () => {
    expect(headline(decision({ signal: 'long', reason: 'trade' }))).toBe('Long');
    expect(headline(decision({ signal: 'short', reason: 'trade' }))).toBe('Short');
    for (const reason of ['no-analogs', 'below-gate', 'no-edge', 'no-shorts'] as const) expect(headline(decision({ reason }))).toBe('Stand aside');
  });

  it('explains each reason in one line', () => {
    expect(explain(decision({ reason: 'no-analogs', similarityThreshold: 0.8 }), forecast({ admitted: 0 }))).toBe('no analog above the learned similarity threshold 0.800');
    expect(explain(decision({ reason: 'below-gate', confidence: 0.598, gate: 0.6 }), forecast({}))).toBe('confidence 59.8% is below the learned gate 60.0%');
    expect(explain(decision({ reason: 'below-gate', gate: 1.01 }), forecast({}))).toContain('closed until the evidence improves');
    expect(explain(decision({ reason: 'no-edge' }), forecast({ upShare: 0.6, mean: -0.0133 }))).toBe('analogs disagree: most rose (60% up) but the mean return is -1.33%');
    expect(explain(decision({ reason: 'no-shorts' }), forecast({}))).toContain('no short positions');
    expect(explain(decision({ signal: 'long', reason: 'trade' }), forecast({}))).toBe('confidence 70.0% passes the learned gate 60.0%; 75% of the admitted analogs agree');
  });

  it('shows a gate above 1 as closed', () => {
    expect(gateText(1.2)).toBe('closed (above 100%)');
    expect(gateText(0.55)).toBe('55.0%');
  });
});
