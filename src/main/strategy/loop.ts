/**
 * The learning loop, one decision at a time, shared by the app (`analogs:run`), the backtest (learning run =
 * adaptation on over a scratch memory; baseline = adaptation off), `warpdesk learn` and the swarm agent:
 *
 *   settle due experiences (outcome from bars → verdict in the memory → thresholds adapt)
 *   → read the gates (similarity threshold, confidence gate)
 *   → forecast from the admitted analogs → signal (one rule) → record the experience.
 *
 * Gates: with adaptation off, the similarity threshold is the memory's initial one and the confidence gate is
 * the fixed `threshold`. With adaptation on, both come from the memory's verdicts for the pattern type: the
 * learned similarity threshold, and the lowest agreement level (a multiple of 1/k, at least 1/2) from which
 * every level up has a calibrated success probability ≥ `threshold`; if even unanimity falls short the gate is
 * closed (GATE_CLOSED) and the loop stands aside until evidence improves.
 * Every decision with analogs records an experience: the admitted analogs and their view (or, when none is
 * admitted, all analogs and theirs); the verdict judges that view, so the memory learns how much a view at a
 * given agreement and similarity is worth, traded or not, above and below the threshold.
 * No look-ahead: at bar t only experiences with t' + H ≤ t are settled, and only bars ≤ t are read.
 *
 * Variants (issue 13 item 4; params, all off by default; the learning-variants trial run in
 * src/main/backtest/variants.ts measured them on the samples' training/validation parts):
 *  - gateSmoothing a < 1: a learning walk's gates move a of the way from their last values to the learned
 *    ones at each refresh (after verdicts), instead of jumping (per pattern type; a live decision has no walk
 *    history, so it uses the learned gates as they are);
 *  - gateRule 'credible': a confidence level opens the gate when the posterior mean minus one posterior
 *    standard deviation of its calibration bin reaches `threshold` (more evidence needed than 'mean');
 *  - volEdge κ > 0: the edge required to trade is max(minEdge, κ σ √H), σ the last W log returns' volatility;
 *  - regimes 'volatility': gates learned and read per volatility regime (pattern type + ':hv' / ':lv').
 */
import type { Bars } from '../../shared/market';
import { calibratedFrom, calibratedLowerFrom, DEFAULT_ADAPT, type ContextValue, type ExperienceInput, type OutcomeInput, type Signal, type ThresholdInfo } from '../memory';
import type { Analog } from './analogs';
import { forecastFrom, isAdmitted, type Forecast } from './forecast';
import { outcomeFromBars } from './outcome';
import type { StrategyParams } from './params';
import { decideSignal, type SignalDecision } from './signal';
import { recentVolatility, volatilityRegime } from './regime';

/** The gate value that admits no confidence (shown as 1.000001 in decision files). */
export const GATE_CLOSED = 1.000001;

/** The part of the pattern memory the loop uses (src/main/memory's Memory satisfies it). */
export interface LoopMemory {
  recordExperience(input: ExperienceInput): { id: string };
  settle(experienceId: string, outcome: OutcomeInput): { success: boolean; quality: number };
  threshold(patternType: string): ThresholdInfo;
  /** Optional: run many steps in one transaction (one commit per slice of a walk instead of one per record). */
  batch?<T>(fn: () => T): T;
}

export interface Gates {
  similarityThreshold: number;
  gate: number;
}

export interface Decision extends SignalDecision, Gates {
  t: number;
  time: number;
  forecast: Forecast;
  analogs: readonly Analog[];
  /** The experience recorded for it (null without a memory or without a view). */
  experienceId: string | null;
}

export interface LoopOptions {
  params: StrategyParams;
  memory?: LoopMemory;
  patternType: string;
  dataset: string;
  timeframe: string;
  /** Record experiences (default true); false reads the gates from the memory but writes nothing. */
  record?: boolean;
  /** Called after each verdict (e.g. to share the judged experience with the swarm). */
  onJudged?: (experienceId: string) => void;
}

/** The gates in force, read from the memory (adaptation on) or fixed (off). */
export function gatesFrom(p: Pick<StrategyParams, 'learning' | 'threshold' | 'top' | 'gateRule'>, memory: LoopMemory | undefined, patternType: string): Gates {
  if (!p.learning || !memory) return { similarityThreshold: DEFAULT_ADAPT.initialThreshold, gate: p.threshold };
  const info = memory.threshold(patternType); // read once; the calibration bins answer every level below
  const k = p.top;
  const success = p.gateRule === 'credible' ? calibratedLowerFrom : calibratedFrom;
  let best = -1;
  for (let level = k; level >= 0 && 2 * level >= k; level--) {
    if (success(info.calibration, level / k) >= p.threshold) best = level;
    else break;
  }
  return { similarityThreshold: info.similarityThreshold, gate: best < 0 ? GATE_CLOSED : Math.max(0.5, best / k) };
}

interface Pending {
  t: number;
  id: string;
  view: Signal;
  target: number | null;
}

export class StrategyLoop {
  private readonly queue: Pending[] = [];
  private head = 0;
  /** Gates in force per pattern type (cleared by every verdict). */
  private readonly gates = new Map<string, Gates>();
  /** The smoothed gates per pattern type (gateSmoothing < 1). */
  private readonly smoothed = new Map<string, Gates>();
  judged = 0;
  recorded = 0;

  constructor(private readonly o: LoopOptions) {
    if (o.params.learning && !o.memory) throw new Error('A learning loop needs a memory to learn in.');
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Judges every recorded experience whose horizon ended by bar t (reads bars ≤ t). */
  settleDue(bars: Bars, t: number): number {
    const H = this.o.params.horizon;
    let settled = 0;
    while (this.head < this.queue.length && this.queue[this.head]!.t + H <= t) {
      const q = this.queue[this.head++]!;
      const outcome = outcomeFromBars(bars, q.t, H, q.view, q.target);
      if (!outcome) break;
      this.o.memory!.settle(q.id, outcome);
      this.gates.clear();
      settled++;
      this.judged++;
      this.o.onJudged?.(q.id);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return settled;
  }

  /** The gates in force for a pattern type (default: the loop's own). */
  currentGates(patternType = this.o.patternType): Gates {
    let g = this.gates.get(patternType);
    if (g) return g;
    g = gatesFrom(this.o.params, this.o.memory, patternType);
    const a = this.o.params.gateSmoothing ?? 1;
    if (a < 1 && this.o.params.learning) {
      const last = this.smoothed.get(patternType);
      if (last) g = { similarityThreshold: last.similarityThreshold + a * (g.similarityThreshold - last.similarityThreshold), gate: last.gate + a * (g.gate - last.gate) };
      this.smoothed.set(patternType, g);
    }
    this.gates.set(patternType, g);
    return g;
  }

  /** The pattern type a decision at bar t learns and reads its gates under (per regime with `regimes`). */
  patternTypeAt(bars: Bars, t: number): string {
    if (this.o.params.regimes !== 'volatility') return this.o.patternType;
    const regime = volatilityRegime(bars, t, this.o.params.window);
    return regime === null ? this.o.patternType : `${this.o.patternType}:${regime}`;
  }

  /** The signal rule's parameters at bar t (the volatility-scaled edge with `volEdge`). */
  private signalParams(bars: Bars, t: number): StrategyParams {
    const p = this.o.params;
    const kappa = p.volEdge ?? 0;
    if (!(kappa > 0)) return p;
    const sigma = recentVolatility(bars, t, p.window) ?? 0;
    return { ...p, minEdge: Math.max(p.minEdge, kappa * sigma * Math.sqrt(p.horizon)) };
  }

  /**
   * One decision at bar t from its analogs (found by `findAnalogsAt` or the backtest's forecast pass): settles
   * what is due, decides, and records the experience. `context` adds facts kept with the experience.
   */
  step(bars: Bars, t: number, analogs: readonly Analog[], context: Record<string, ContextValue> = {}): Decision {
    const p = this.o.params;
    this.settleDue(bars, t);
    const patternType = this.patternTypeAt(bars, t);
    const gates = this.currentGates(patternType);
    const forecast = forecastFrom(analogs, gates.similarityThreshold);
    const decision = decideSignal(forecast, gates.gate, this.signalParams(bars, t));
    const time = bars.time[t]!;
    let experienceId: string | null = null;
    // What is judged: the admitted analogs' view; with none admitted, all analogs' view (so the memory keeps
    // learning below the threshold and the threshold can come down again).
    const judgedAnalogs = forecast.admitted > 0 ? analogs.filter((a) => isAdmitted(a, gates.similarityThreshold)) : analogs;
    const judged = forecast.admitted > 0 ? forecast : forecastFrom(analogs, 0);
    if (this.o.memory && this.o.record !== false && judged.view !== 'flat') {
      const W = p.window;
      const from = Math.max(0, t - W + 1);
      const exp = this.o.memory.recordExperience({
        patternType,
        dataset: this.o.dataset,
        timeframe: this.o.timeframe,
        query: bars.close.subarray(from, t + 1),
        matches: judgedAnalogs.map((a) => ({
          similarity: Math.min(1, Math.max(0, a.similarity)),
          distance: a.distance,
          start: a.start,
          end: a.end,
          startTime: bars.time[Math.max(0, a.start)]!,
          endTime: bars.time[a.end]!,
          forwardReturn: a.forwardReturn,
        })),
        signal: judged.view,
        confidence: Math.min(1, Math.max(0, judged.agreement)),
        horizon: p.horizon,
        at: time,
        context: {
          ...context,
          queryStartTime: bars.time[from]!,
          queryEndTime: time,
          expectedMove: judged.mean,
          decision: decision.signal,
          reason: decision.reason,
          gate: gates.gate,
          similarityThreshold: gates.similarityThreshold,
          admitted: forecast.admitted,
        },
      });
      experienceId = exp.id;
      this.recorded++;
      this.queue.push({ t, id: exp.id, view: judged.view, target: judged.mean });
    }
    return { ...decision, ...gates, t, time, forecast, analogs, experienceId };
  }
}

export { isAdmitted };
