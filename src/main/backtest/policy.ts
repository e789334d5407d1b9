/**
 * The cheap half of a walk-forward backtest: turns each decision's analog outcomes into a signal
 * (long / short / flat), a confidence and a target position, optionally through a learning loop that
 * records every forecast as an experience, judges it once its horizon has passed, and adapts the
 * threshold online.
 *
 * No look-ahead: at decision bar t the loop is told only outcomes of experiences from bars t' with
 * t' + H <= t (closes known at t's close). Must never read a bar after t while deciding at t.
 */
import type { Bars } from '../../shared/market';
import type { BacktestParams } from '../../shared/contract/backtest';
import type { ForecastTable } from './forecast';

/** What a forecast looked like when it was made. */
export interface Experience {
  /** Bar index of the decision. */
  t: number;
  time: number;
  /** Direction the analogs favour: +1, -1 or 0 (no majority / no analogs). */
  direction: number;
  /** Share of analogs agreeing with `direction`, in [0.5, 1] (0 when direction is 0). */
  agreement: number;
  /** Mean forward return of the analogs. */
  mean: number;
  analogs: number;
  horizon: number;
  /** The analogs behind it: DTW distance, end bar and forward return. */
  matches: Array<{ distance: number; end: number; forwardReturn: number }>;
  /** Query window length W (for similarity from distance). */
  window: number;
}

/** What happened over an experience's horizon; known only at bar t + H. */
export interface RealizedOutcome {
  /** close[t+H] / close[t] - 1, in the instrument's direction. */
  realizedReturn: number;
  /** Maximum adverse excursion against the forecast direction over t..t+H (closes), >= 0. */
  mae: number;
}

/**
 * The learning loop the backtester drives. The memory module (src/main/memory) satisfies it through an
 * adapter; `CalibratedThreshold` below is the in-process implementation used when no memory is open.
 */
export interface LearningLoop {
  /** Agreement share required to trade now, in [0.5, 1]. */
  threshold(): number;
  /** Records a forecast; returns a handle passed back to `recordOutcome`. */
  recordExperience(e: Experience): number;
  /** The realized H-bar return of an earlier experience (called only once it is known). */
  recordOutcome(handle: number, outcome: RealizedOutcome): void;
}

/**
 * Online calibration: keeps exponentially decayed hit counts per agreement level of judged experiences and
 * sets the threshold to the lowest agreement level whose realized hit rate (over all levels at or above it)
 * reaches `target`. The baseline trusts the analogs' agreement at face value; this learns how much
 * agreement is actually worth on this series, from the past only.
 */
export class CalibratedThreshold implements LearningLoop {
  private readonly hits: Float64Array;
  private readonly totals: Float64Array;
  private readonly pending = new Map<number, { level: number; direction: number }>();
  private next = 1;
  private current: number;

  constructor(
    private readonly k: number,
    private readonly target: number,
    private readonly rate: number,
    private readonly initial: number,
    private readonly minSamples = 20,
  ) {
    this.hits = new Float64Array(k + 1);
    this.totals = new Float64Array(k + 1);
    this.current = initial;
  }

  threshold(): number {
    return this.current;
  }

  recordExperience(e: Experience): number {
    const handle = this.next++;
    if (e.direction !== 0 && e.analogs > 0) {
      this.pending.set(handle, { level: Math.round(e.agreement * this.k), direction: e.direction });
    }
    return handle;
  }

  recordOutcome(handle: number, outcome: RealizedOutcome): void {
    const realizedReturn = outcome.realizedReturn;
    const p = this.pending.get(handle);
    if (!p) return;
    this.pending.delete(handle);
    const decay = 1 - this.rate;
    for (let i = 0; i <= this.k; i++) {
      this.hits[i] = this.hits[i]! * decay;
      this.totals[i] = this.totals[i]! * decay;
    }
    const level = Math.min(this.k, Math.max(0, p.level));
    this.totals[level] = this.totals[level]! + 1;
    if (Math.sign(realizedReturn) === p.direction) this.hits[level] = this.hits[level]! + 1;
    this.recalibrate();
  }

  private recalibrate(): void {
    let h = 0;
    let n = 0;
    let best = -1;
    for (let level = this.k; level >= 0; level--) {
      h += this.hits[level]!;
      n += this.totals[level]!;
      if (level / this.k < 0.5) break;
      if (n >= this.minSamples && h / n >= this.target) best = level;
    }
    if (n < this.minSamples) {
      this.current = this.initial;
      return;
    }
    // No level reaches the target: require unanimity plus a margin (i.e. stand aside).
    this.current = best < 0 ? 1.0000001 : Math.max(0.5, best / this.k);
  }
}

export interface PolicyResult {
  /** Target position decided at each bar's close (held from the next fill on). */
  target: Float64Array;
  /** Threshold in force at each decision (learning runs). */
  thresholdPath?: Float64Array;
  /** Direction of each decision's forecast (+1/-1/0), for hit-rate studies. */
  direction: Int8Array;
}

/** Summary of one decision's analogs. */
export function summarize(table: ForecastTable, d: number): { direction: number; agreement: number; mean: number; analogs: number } {
  const k = table.k;
  let up = 0;
  let down = 0;
  let sum = 0;
  let m = 0;
  for (let j = d * k; j < d * k + k; j++) {
    const f = table.forward[j]!;
    if (Number.isNaN(f)) continue;
    m++;
    sum += f;
    if (f > 0) up++;
    else if (f < 0) down++;
  }
  if (m === 0) return { direction: 0, agreement: 0, mean: 0, analogs: 0 };
  const mean = sum / m;
  if (up > down) return { direction: 1, agreement: up / m, mean, analogs: m };
  if (down > up) return { direction: -1, agreement: down / m, mean, analogs: m };
  return { direction: mean > 0 ? 1 : mean < 0 ? -1 : 0, agreement: mean === 0 ? 0 : up / m, mean, analogs: m };
}

/**
 * Applies thresholds and sizing to a forecast table. With a learning loop, experiences are recorded at
 * each decision and judged at the first decision bar >= t + H (their outcome close[t+H]/close[t] - 1 is
 * known then).
 */
export function runPolicy(bars: Bars, table: ForecastTable, p: BacktestParams, loop?: LearningLoop): PolicyResult {
  const n = table.barCount;
  const close = bars.close;
  const target = new Float64Array(n);
  const direction = new Int8Array(table.decisions.length);
  const thresholdPath = loop ? new Float64Array(table.decisions.length) : undefined;
  const queue: Array<{ t: number; handle: number; direction: number }> = [];
  let qHead = 0;
  let pos = 0;
  let d = 0;
  const decisions = table.decisions;
  for (let t = 0; t < n; t++) {
    if (d < decisions.length && decisions[d] === t) {
      if (loop) {
        while (qHead < queue.length && queue[qHead]!.t + p.horizon <= t) {
          const q = queue[qHead++]!;
          loop.recordOutcome(q.handle, realizedOutcome(close, q.t, p.horizon, q.direction));
        }
      }
      const s = summarize(table, d);
      const theta = loop ? loop.threshold() : p.threshold;
      if (thresholdPath) thresholdPath[d] = theta;
      direction[d] = s.direction;
      let next = 0;
      if (s.direction !== 0 && s.agreement >= theta && Math.abs(s.mean) > p.minEdge && Math.sign(s.mean) === s.direction) {
        const size = p.sizing === 'fixed' ? 1 : Math.min(1, Math.max(0, (s.agreement - 0.5) / 0.5));
        next = s.direction * size;
        if (next < 0 && !p.allowShort) next = 0;
      }
      pos = next;
      if (loop) {
        const matches: Experience['matches'] = [];
        for (let j = d * table.k; j < (d + 1) * table.k; j++) {
          if (table.matchEnd[j]! >= 0) matches.push({ distance: table.distance[j]!, end: table.matchEnd[j]!, forwardReturn: table.forward[j]! });
        }
        const handle = loop.recordExperience({
          t,
          time: bars.time[t]!,
          direction: s.direction,
          agreement: s.agreement,
          mean: s.mean,
          analogs: s.analogs,
          horizon: p.horizon,
          matches,
          window: p.window,
        });
        queue.push({ t, handle, direction: s.direction });
      }
      d++;
    }
    target[t] = pos;
  }
  return thresholdPath ? { target, thresholdPath, direction } : { target, direction };
}

/** Outcome of a forecast made at bar t, from closes t..t+H only. */
export function realizedOutcome(close: Float64Array, t: number, horizon: number, direction: number): RealizedOutcome {
  const c0 = close[t]!;
  let mae = 0;
  for (let i = t + 1; i <= t + horizon; i++) {
    const r = close[i]! / c0 - 1;
    const adverse = direction >= 0 ? -r : r;
    if (adverse > mae) mae = adverse;
  }
  return { realizedReturn: close[t + horizon]! / c0 - 1, mae };
}

/** The learning loop a backtest uses when no memory module is supplied. */
export function defaultLearningLoop(p: BacktestParams): LearningLoop {
  return new CalibratedThreshold(p.top, p.threshold, p.learningRate, p.threshold);
}
