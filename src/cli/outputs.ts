/**
 * The shapes of the `warpdesk` commands' `--json` outputs, in one place (what scripts may rely on; part of the
 * API reference, `npm run docs`). Each command checks its output against its type here with `satisfies`, so a
 * change to an output is a change to this file. Types only: nothing here runs.
 */
import type { AnalogInfo, BacktestParamsInput, BacktestResult, DecisionInfo, EvaluationReport, ForecastInfo, LearnResult } from '../shared/contract';

export type { AnalogInfo, BacktestParamsInput, BacktestResult, DecisionInfo, EvaluationReport, ForecastInfo, LearnResult };

/** How a CSV file was read (`search`). */
export interface FileReading {
  format: string;
  delimiter: string;
  decimal: string;
  dateOrder: string | null;
  skippedRows: number;
  reversed: boolean;
  notes: string[];
}

/** `warpdesk search --json`: the analogs of the last N bars, what followed them and the gated decision. */
export interface SearchOutput {
  file: string;
  read: FileReading;
  timeframe: string;
  /** Epoch ms of the query's first and last bar. */
  queryStart: number | undefined;
  queryEnd: number | undefined;
  horizon: number;
  /** The engine backend that answered: native or js. */
  backend: string;
  candidates: number;
  elapsedMs: number;
  analogs: AnalogInfo[];
  forecast: ForecastInfo;
  decision: Omit<DecisionInfo, 'time'>;
  /** The experience recorded with `--record`, else null. */
  experienceId: string | null;
  judgedAtOnce: boolean;
  /** Earlier experiences judged during this call. */
  settled: number;
}

/** `warpdesk backtest --json` (without `--evaluate`): the walk-forward result and the data file it ran on. */
export type BacktestOutput = { file: string } & BacktestResult;

/** `warpdesk evaluate --json` (and `backtest --evaluate --json`): the evaluation report, as the Evaluate view shows it. */
export type EvaluationOutput = EvaluationReport;

/** `warpdesk learn --json`: what walking the history through the loop recorded and judged. */
export type LearnOutput = Pick<LearnResult, 'decisions' | 'recorded' | 'judged' | 'pending' | 'trades' | 'cancelled' | 'patternType' | 'threshold'> & {
  file: string;
  timeframe: string;
  /** The memory after the walk. */
  memory: { experiences: number; verdicts: number };
};

/** `warpdesk audit verify --json`: the audit chain report (ok false names the first broken link). */
export interface AuditVerifyOutput {
  dataDir: string;
  /** The memory file; null on a fresh workspace. */
  file: string | null;
  ok: boolean;
  links: number;
  head: { seq: number; hash: string } | null;
  broken?: { seq: number | null; kind: 'experience' | 'verdict' | 'receipt'; recordId: string; reason: string; message: string };
  receipts?: { checked: number; matched: number };
  elapsedMs?: number;
  experiences?: number;
}

/** `warpdesk coordinator --json`: one line once listening. */
export interface CoordinatorListeningOutput {
  event: 'listening';
  peerId: string;
  multiaddrs: string[];
  /** A one-time enrollment token for the first agent; null with --no-token. */
  token: string | null;
  /** The /metrics URL with --metrics-port, else null. */
  metrics: string | null;
  dataDir: string;
}
