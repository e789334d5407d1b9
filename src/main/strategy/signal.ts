/**
 * The one signal rule. From the forecast and the gates in force:
 *   - no admitted analog (or no majority and a zero mean)   → flat, "no-analogs"
 *   - confidence (= agreement) below the confidence gate   → flat, "below-gate"   (stand aside)
 *   - mean's sign differs from the view, or |mean| ≤ minEdge → flat, "no-edge"
 *   - a short view when shorts are not allowed              → flat, "no-shorts"
 *   - otherwise the view, sized 1 ("fixed") or (confidence − 0.5) / 0.5 ("confidence"), "trade".
 * Pure. Nothing else in Warpdesk turns analogs into a signal.
 */
import type { DecisionReason } from '../../shared/contract/strategy';
import type { Signal } from '../memory';
import type { Forecast } from './forecast';
import type { StrategyParams } from './params';

export interface SignalDecision {
  signal: Signal;
  reason: DecisionReason;
  confidence: number;
  size: number;
}

export function decideSignal(f: Forecast, gate: number, p: Pick<StrategyParams, 'minEdge' | 'sizing' | 'allowShort'>): SignalDecision {
  const confidence = f.agreement;
  const flat = (reason: DecisionReason): SignalDecision => ({ signal: 'flat', reason, confidence, size: 0 });
  if (f.view === 'flat' || f.mean === null) return flat('no-analogs');
  if (confidence < gate) return flat('below-gate');
  const dir = f.view === 'long' ? 1 : -1;
  if (Math.sign(f.mean) !== dir || Math.abs(f.mean) <= p.minEdge) return flat('no-edge');
  if (dir < 0 && !p.allowShort) return flat('no-shorts');
  const size = p.sizing === 'fixed' ? 1 : Math.min(1, Math.max(0, (confidence - 0.5) / 0.5));
  return { signal: f.view, reason: 'trade', confidence, size };
}
