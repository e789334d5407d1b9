/**
 * The decision file `learn --decisions` and `backtest --decisions` write: CSV with header
 * `time,signal,confidence,threshold`, one row per decision, time ISO-8601 UTC, signal long|short|flat,
 * confidence and threshold (the confidence gate in force) with 6 decimals. Same loop, same bytes.
 */
import type { Signal } from '../memory';

export const DECISIONS_HEADER = 'time,signal,confidence,threshold';

export interface DecisionRow {
  time: number;
  signal: Signal;
  confidence: number;
  gate: number;
}

export function decisionRow(d: DecisionRow): string {
  return `${new Date(d.time).toISOString()},${d.signal},${d.confidence.toFixed(6)},${d.gate.toFixed(6)}`;
}

export function decisionsCsv(rows: readonly DecisionRow[]): string {
  return [DECISIONS_HEADER, ...rows.map(decisionRow)].join('\n') + '\n';
}
