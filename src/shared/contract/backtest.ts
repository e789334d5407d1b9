/**
 * Contract of the backtest capability: walk-forward parameters, results, sweeps and saved sessions (the
 * evaluation of learning is the evaluation capability's: ./evaluation.ts).
 * The same schemas validate CLI input, sweep jobs (plain JSON, shardable to swarm agents) and IPC requests.
 * Must never import Node, Electron or the DOM.
 */
import { z } from 'zod';
import { channel } from './define';
import { CsvReadOptionsSchema, TimeframeSchema } from './data';

/** Everything that defines one walk-forward pass. Defaults make `{}` a valid, sensible run. */
export const BacktestParamsSchema = z
  .object({
    /** W: bars in the query window. */
    window: z.number().int().min(4).max(1024).default(32),
    /** k: analogs per decision. */
    top: z.number().int().min(1).max(100).default(10),
    /** H: bars after an analog over which its outcome is measured (also the forecast horizon). */
    horizon: z.number().int().min(1).max(1000).default(5),
    /** What is matched: z-normalized log returns or z-normalized closes. */
    representation: z.enum(['returns', 'price']).default('price'),
    /** Sakoe-Chiba band as a fraction of W (half-width = ceil(ratio * W)). */
    bandRatio: z.number().min(0).max(1).default(0.1),
    /** Two analogs' start indices must differ by more than this many bars; default W, so analogs never share a bar. */
    exclusionZone: z.number().int().min(0).optional(),
    /** Search and decide every `step` bars; the position is held in between. */
    step: z.number().int().min(1).max(10_000).default(1),
    /** 'engine': one engine.searchTopK per decision (parallel off-thread jobs in async runs);
     *  'indexed': exact walk-forward search in TypeScript (same answers, pruned across decisions: the faster
     *  path on the JS reference backend); 'auto': engine when the native backend is loaded, else indexed. */
    search: z.enum(['auto', 'indexed', 'engine']).default('auto'),
    /** Search only the most recent `maxHistory` bars of eligible history (0 = all of it). */
    maxHistory: z.number().int().min(0).default(0),
    /** Bars of eligible history required before the first decision; default max(4W, 4k + W). */
    minHistory: z.number().int().min(0).optional(),
    /** Share of analogs that must agree on a direction to trade, in [0.5, 1]. */
    threshold: z.number().min(0.5).max(1).default(0.6),
    /** Minimum |mean forward return| of the analogs to trade (fraction, e.g. 0.001). */
    minEdge: z.number().min(0).default(0),
    /** 'fixed': |position| = 1; 'confidence': |position| = confidence in (0, 1]. */
    sizing: z.enum(['fixed', 'confidence']).default('fixed'),
    allowShort: z.boolean().default(true),
    /** Decision at bar t's close; the trade fills at t+1's open ('next-open') or at t's close ('close'). */
    execution: z.enum(['next-open', 'close']).default('next-open'),
    commissionBps: z.number().min(0).max(1000).default(1),
    slippageBps: z.number().min(0).max(1000).default(1),
    /** Run with the memory + learning loop on (online threshold adaptation from judged experiences). */
    learning: z.boolean().default(false),
    /** Step size of the online threshold adaptation. */
    learningRate: z.number().min(0).max(1).default(0.02),
    /** Loop variants (issue 13 item 4; each off by default, see src/main/strategy/loop.ts):
     *  gateSmoothing: a learning walk moves its gates this fraction of the way to the learned values at each
     *  refresh (1 = jump to them, as before; smaller = an exponential moving average of the learned gates). */
    gateSmoothing: z.number().gt(0).max(1).default(1),
    /** 'mean': a confidence level opens the gate when its calibrated success probability (posterior mean) reaches
     *  `threshold`; 'credible': when the posterior mean minus one posterior standard deviation does. */
    gateRule: z.enum(['mean', 'credible']).default('mean'),
    /** Volatility-scaled edge: stand aside unless |mean forward return| > volEdge · σ · √H, σ the standard
     *  deviation of the last W log returns up to the decision bar (0 = off). */
    volEdge: z.number().min(0).max(10).default(0),
    /** 'volatility': learn separate gates per volatility regime (the last W bars' volatility above or below
     *  that of the last 8W bars), under pattern types `<type>:hv` / `<type>:lv`; 'none': one set of gates. */
    regimes: z.enum(['none', 'volatility']).default('none'),
    /** Seed of the random-signal baseline and the bootstrap. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
  })
  .strict();
export type BacktestParams = z.output<typeof BacktestParamsSchema>;
export type BacktestParamsInput = z.input<typeof BacktestParamsSchema>;

export const MetricsSchema = z.object({
  bars: z.number().int(),
  totalReturn: z.number(),
  cagr: z.number().nullable(),
  annualVol: z.number(),
  sharpe: z.number().nullable(),
  sortino: z.number().nullable(),
  maxDrawdown: z.number(),
  /** Longest time under water, in bars. */
  maxDrawdownBars: z.number().int(),
  calmar: z.number().nullable(),
  /** Share of closed trades with a positive net return. */
  hitRate: z.number().nullable(),
  /** Share of exposed bars whose return was positive. */
  barHitRate: z.number().nullable(),
  profitFactor: z.number().nullable(),
  /** Mean |position| over the bars. */
  exposure: z.number(),
  /** Sum of |position change|. */
  turnover: z.number(),
  trades: z.number().int(),
});
export type Metrics = z.infer<typeof MetricsSchema>;

export const TradeSchema = z.object({
  side: z.enum(['long', 'short']),
  entryIndex: z.number().int(),
  exitIndex: z.number().int(),
  entryTime: z.number(),
  exitTime: z.number(),
  entryPrice: z.number(),
  exitPrice: z.number(),
  /** Mean |position| while open. */
  size: z.number(),
  bars: z.number().int(),
  /** Net compounded return contributed to equity, costs included. */
  netReturn: z.number(),
  /** True when the data ended with the trade still open. */
  open: z.boolean(),
});
export type Trade = z.infer<typeof TradeSchema>;

export const BacktestResultSchema = z.object({
  params: BacktestParamsSchema,
  timeframe: z.string(),
  barCount: z.number().int(),
  firstDecision: z.number().int(),
  searches: z.number().int(),
  backend: z.string(),
  elapsedMs: z.number(),
  metrics: MetricsSchema,
  /** Per bar (same length as the bars): time, equity (starts at 1), position held over the bar. */
  time: z.array(z.number()),
  equity: z.array(z.number()),
  position: z.array(z.number()),
  trades: z.array(TradeSchema),
  /** Learning runs only: the threshold in force at each decision. */
  thresholdPath: z.array(z.number()).optional(),
});
export type BacktestResult = z.infer<typeof BacktestResultSchema>;

/** One sweep pass: serializable in and out, so it can run in a local worker or on a swarm agent. */
export const SweepJobSchema = z.object({
  id: z.string(),
  /** Path of a CSV file readable by the worker. */
  data: z.string(),
  timeframe: TimeframeSchema.optional(),
  /** How to read the file when detection is not enough (column mapping, date order). */
  csv: CsvReadOptionsSchema.optional(),
  params: BacktestParamsSchema,
  split: z.object({ train: z.number(), validation: z.number() }).optional(),
});
export type SweepJob = z.infer<typeof SweepJobSchema>;

export const SweepResultSchema = z.object({
  id: z.string(),
  params: BacktestParamsSchema,
  validation: MetricsSchema,
  test: MetricsSchema,
  full: MetricsSchema,
  error: z.string().optional(),
});
export type SweepResult = z.infer<typeof SweepResultSchema>;

export const SessionInfoSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  datasetId: z.number().int().nullable(),
  timeframe: z.string(),
  createdAt: z.number(),
  params: BacktestParamsSchema,
  metrics: MetricsSchema,
});
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

export const SessionSchema = SessionInfoSchema.extend({
  result: BacktestResultSchema,
  /** Optional second run shown side by side (e.g. learning vs baseline). */
  compare: BacktestResultSchema.nullable(),
  /** Replay state restored when the session is reopened. */
  view: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type Session = z.infer<typeof SessionSchema>;

const RequestId = z.string().min(1).max(64);

export const backtestChannels = {
  'backtest:run': channel(
    'Runs a walk-forward backtest over a data set (and, with compare, the learning/baseline twin) and saves it as a session.',
    z
      .object({
        datasetId: z.number().int().positive(),
        timeframe: TimeframeSchema,
        params: BacktestParamsSchema.partial().strict().default({}),
        /** Also run the twin with learning flipped, shown side by side. */
        compare: z.boolean().default(false),
        name: z.string().max(200).optional(),
        requestId: RequestId,
      })
      .strict(),
    SessionSchema,
  ),
  'backtest:sweep': channel(
    'Runs a parameter grid (W, k, H, threshold) over a data set; results per job, ranked by the caller (choose on validation).',
    z
      .object({
        datasetId: z.number().int().positive(),
        timeframe: TimeframeSchema,
        params: BacktestParamsSchema.partial().strict().default({}),
        grid: z
          .object({
            window: z.array(z.number().int().min(4).max(1024)).min(1).max(12),
            top: z.array(z.number().int().min(1).max(100)).min(1).max(12),
            horizon: z.array(z.number().int().min(1).max(1000)).min(1).max(12),
            threshold: z.array(z.number().min(0.5).max(1)).min(1).max(12),
          })
          .strict(),
        requestId: RequestId,
      })
      .strict(),
    z.object({ results: z.array(SweepResultSchema) }),
  ),
  'backtest:cancel': channel('Cancels a running backtest.', z.object({ requestId: RequestId }).strict(), z.object({ cancelled: z.boolean() })),
  'backtest:sessions': channel('Lists saved backtest sessions, newest first.', z.object({}).strict(), z.array(SessionInfoSchema)),
  'backtest:open': channel('Reopens a saved session exactly as it was saved.', z.object({ id: z.number().int().positive() }).strict(), SessionSchema),
  'backtest:saveView': channel(
    'Stores the replay state of a session (position, speed, ...).',
    z.object({ id: z.number().int().positive(), view: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])) }).strict(),
    z.object({ saved: z.boolean() }),
  ),
  'backtest:metricsAt': channel(
    'Metrics of a saved session (and its twin) up to a replay position: bars after `upto` and trades not closed by then are not counted.',
    z.object({ id: z.number().int().positive(), upto: z.number().int().nonnegative() }).strict(),
    z.object({ result: MetricsSchema, compare: MetricsSchema.nullable() }),
  ),
  'backtest:delete': channel('Deletes a saved session.', z.object({ id: z.number().int().positive() }).strict(), z.object({ removed: z.boolean() })),
} as const;

export const backtestEvents = {
  'backtest:progress': z.object({ requestId: z.string(), fraction: z.number().min(0).max(1), etaMs: z.number().nullable(), phase: z.string() }),
} as const;
