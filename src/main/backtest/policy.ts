/**
 * The cheap half of a walk-forward backtest: walks the decision bars through the strategy's learning loop
 * (src/main/strategy: forecast → signal → gate → experience → outcome → verdict → adapt) and turns each decision
 * into a target position. The learning run is the loop with adaptation on, learning in a scratch memory (never
 * the user's: it holds later experiences, which would be look-ahead); the baseline is the same loop with
 * adaptation off. `warpdesk learn` walks the same way into the workspace memory.
 *
 * No look-ahead: at decision bar t the loop settles only experiences with t' + H ≤ t and reads bars ≤ t.
 */
import type { Bars } from '../../shared/market';
import type { BacktestParams } from '../../shared/contract/backtest';
import { WarpdeskError } from '../../shared/errors';
import { openScratchMemory } from '../memory';
import { similarityFromDistance } from '../../shared/numerics';
import { patternTypeFor, StrategyLoop, type Analog, type Decision, type LoopMemory } from '../strategy';
import type { ForecastTable } from './forecast';

export interface PolicyResult {
  /** Target position decided at each bar's close (held from the next fill on). */
  target: Float64Array;
  /** The confidence gate in force at each decision (learning runs). */
  thresholdPath?: Float64Array;
  /** The view of each decision's forecast (+1/-1/0), for hit-rate studies. */
  direction: Int8Array;
  /** What the loop decided at each decision: signal (+1/-1/0), confidence and the gate in force. */
  signal: Int8Array;
  confidence: Float64Array;
  gate: Float64Array;
  /** Experiences recorded and judged (learning runs). */
  recorded: number;
  judged: number;
  /** Decisions walked (fewer than the table's when a walk was stopped). */
  walked: number;
}

/** The analogs of decision d from the forecast table. */
export function tableAnalogs(table: ForecastTable, d: number, window: number): Analog[] {
  const out: Analog[] = [];
  for (let j = d * table.k; j < (d + 1) * table.k; j++) {
    const end = table.matchEnd[j]!;
    if (end < 0) continue;
    const distance = table.distance[j]!;
    out.push({ start: end - window + 1, end, distance, similarity: similarityFromDistance(distance, window), forwardReturn: table.forward[j]! });
  }
  return out;
}

export interface WalkOptions {
  /** The memory a learning walk learns in (default: a scratch memory, removed afterwards). */
  memory?: LoopMemory;
  patternType?: string;
  dataset?: string;
  timeframe?: string;
  /** Decisions before this time are skipped (learn --from). */
  fromTime?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  onDecision?: (d: Decision) => void;
  onJudged?: (experienceId: string) => void;
  /**
   * runPolicyAsync over a table still being filled (streamForecastsWalk): decisions [0, rowsReady()) are final;
   * the walk waits on rowsNext() before a decision past them.
   */
  rowsReady?: () => number;
  rowsNext?: () => Promise<void>;
}

/** Walks the table's decisions through the loop; applies sizing; stops between decisions when aborted. */
export function runPolicy(bars: Bars, table: ForecastTable, p: BacktestParams, options: WalkOptions = {}): PolicyResult {
  const scratch = p.learning && !options.memory ? openScratchMemory() : undefined;
  const memory = options.memory ?? scratch;
  try {
    const steps = walk(bars, table, p, memory, options);
    for (;;) {
      const r = slice(steps, memory, Number.POSITIVE_INFINITY);
      if (r === BLOCKED) throw new WarpdeskError('Internal', 'A synchronous walk needs the whole forecast table.');
      if (r) return r;
    }
  } finally {
    scratch?.remove();
  }
}

/** Same walk as runPolicy, yielding to the event loop every ~30 ms (so Ctrl-C and cancel requests are heard). */
export async function runPolicyAsync(bars: Bars, table: ForecastTable, p: BacktestParams, options: WalkOptions = {}): Promise<PolicyResult> {
  const scratch = p.learning && !options.memory ? openScratchMemory() : undefined;
  try {
    const memory = options.memory ?? scratch;
    const steps = walk(bars, table, p, memory, options);
    for (;;) {
      const r = slice(steps, memory, 30);
      if (r === BLOCKED) await options.rowsNext!();
      else if (r) return r;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    scratch?.remove();
  }
}

/**
 * Runs walk steps for up to `ms` milliseconds (or 4,096 decisions) inside one memory transaction: what a
 * slice records commits together, so a stopped walk keeps every slice before the stop.
 */
function slice(steps: Generator<boolean, PolicyResult>, memory: LoopMemory | undefined, ms: number): PolicyResult | typeof BLOCKED | undefined {
  const run = (): PolicyResult | typeof BLOCKED | undefined => {
    const until = Date.now() + ms;
    for (let i = 0; i < 4096; i++) {
      const r = steps.next();
      if (r.done) return r.value;
      if (r.value) return BLOCKED;
      if (Date.now() > until) break;
    }
    return undefined;
  };
  return memory?.batch ? memory.batch(run) : run();
}

/** What a walk step yields when its next decision's row is not ready yet (streamed tables). */
const BLOCKED = Symbol('blocked');

/** The walk, one decision per step; a step yields true instead when the next decision's row is not ready. */
function* walk(bars: Bars, table: ForecastTable, p: BacktestParams, memory: LoopMemory | undefined, o: WalkOptions): Generator<boolean, PolicyResult> {
  const n = table.barCount;
  const decisions = table.decisions;
  const D = decisions.length;
  const target = new Float64Array(n);
  const direction = new Int8Array(D);
  const signal = new Int8Array(D);
  const confidence = new Float64Array(D);
  const gate = new Float64Array(D);
  const timeframe = o.timeframe ?? 'native';
  const loop = new StrategyLoop({
    params: p,
    memory: p.learning ? memory : undefined,
    patternType: o.patternType ?? patternTypeFor(timeframe),
    dataset: o.dataset ?? 'backtest',
    timeframe,
    onJudged: o.onJudged,
  });
  let pos = 0;
  let d = 0;
  let walked = 0;
  let lastReport = -1;
  for (let t = 0; t < n; t++) {
    if (d < D && decisions[d] === t) {
      while (o.rowsReady && d >= o.rowsReady() && !o.signal?.aborted) yield true;
      if (o.signal?.aborted) break;
      if (o.fromTime === undefined || bars.time[t]! >= o.fromTime) {
        const dec = loop.step(bars, t, tableAnalogs(table, d, p.window));
        direction[d] = dec.forecast.view === 'long' ? 1 : dec.forecast.view === 'short' ? -1 : 0;
        signal[d] = dec.signal === 'long' ? 1 : dec.signal === 'short' ? -1 : 0;
        confidence[d] = dec.confidence;
        gate[d] = dec.gate;
        pos = signal[d]! * dec.size;
        o.onDecision?.(dec);
        walked++;
        yield false;
      }
      d++;
      if (o.onProgress && D > 0 && d / D - lastReport >= 0.002) {
        lastReport = d / D;
        o.onProgress(d / D);
      }
    }
    target[t] = pos;
  }
  if (d < D && !o.signal?.aborted) throw new WarpdeskError('Internal', 'The walk ended before its last decision.');
  const result: PolicyResult = { target, direction, signal, confidence, gate, recorded: loop.recorded, judged: loop.judged, walked };
  if (p.learning) result.thresholdPath = gate;
  return result;
}
