/**
 * Words for what `analogs:run` decided: the headline a user reads (a direction, or "stand aside"), one line
 * saying why, and the gate as a percentage. Pure display helpers over the contract's types: they describe the
 * decision main returned and must never compute a signal, a forecast or a threshold themselves.
 */
import type { DecisionInfo, ForecastInfo } from '../../../shared/contract';
import { formatPct } from './format';

/** An unsigned percentage with one decimal (so "59.8% is below 60.0%" never reads "60% is below 60%"). */
export function share(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** The gate as a user reads it; above 1 the loop stands aside until the evidence improves. */
export function gateText(gate: number): string {
  return gate > 1 ? 'closed (above 100%)' : share(gate);
}

/** "Long", "Short", or "Stand aside" whenever the loop does not trade. */
export function headline(d: DecisionInfo): string {
  if (d.reason !== 'trade' || d.signal === 'flat') return 'Stand aside';
  return d.signal === 'long' ? 'Long' : 'Short';
}

/** One line saying why the decision is what it is. */
export function explain(d: DecisionInfo, f: ForecastInfo): string {
  switch (d.reason) {
    case 'trade':
      return `confidence ${share(d.confidence)} passes the learned gate ${gateText(d.gate)}; ${share(f.agreement, 0)} of the admitted analogs agree`;
    case 'no-analogs':
      return `no analog above the learned similarity threshold ${d.similarityThreshold.toFixed(3)}`;
    case 'below-gate':
      return d.gate > 1 ? `confidence ${share(d.confidence)} is below the learned gate, which stays closed until the evidence improves` : `confidence ${share(d.confidence)} is below the learned gate ${share(d.gate)}`;
    case 'no-edge': {
      if (f.upShare === null || f.mean === null) return 'analogs disagree: no majority direction';
      const majority = f.upShare > 0.5 ? `most rose (${share(f.upShare, 0)} up)` : f.upShare < 0.5 ? `most fell (${share(1 - f.upShare, 0)} down)` : 'they split evenly';
      return `analogs disagree: ${majority} but the mean return is ${formatPct(f.mean)}`;
    }
    case 'no-shorts':
      return 'the analogs point down, and this strategy takes no short positions';
  }
}
