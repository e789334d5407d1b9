/**
 * Adapter that lets the backtester learn through the real pattern memory (src/main/memory), the same code
 * the app uses: every forecast is recorded as an experience at its simulated time, settled (outcome +
 * verdict, thresholds adapt) when its horizon has passed, and the trading threshold is read back from the
 * memory's calibration: the lowest analog agreement whose calibrated success probability reaches the
 * target.
 *
 * A backtest must learn in a FRESH memory (a scratch workspace): a user's memory holds experiences from
 * later dates, which would be look-ahead. `openScratchMemory` makes one. Must never open the user's memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LearningLoop, Experience, RealizedOutcome } from './policy';

/** The part of the memory API the adapter needs (src/main/memory's Memory satisfies it). */
export interface MemoryLike {
  recordExperience(input: {
    patternType: string;
    dataset: string;
    timeframe: string;
    query: ArrayLike<number>;
    matches: Array<{ similarity: number; distance?: number; end?: number; forwardReturn?: number | null }>;
    signal: 'long' | 'short' | 'flat';
    confidence: number;
    horizon: number;
    at?: number;
  }): { id: string };
  settle(experienceId: string, outcome: { realizedReturn: number; mae: number; timeToTarget: number | null }): unknown;
  calibrate(patternType: string, confidence: number): number;
  close(): void;
}

export interface MemoryLoopOptions {
  patternType: string;
  dataset: string;
  timeframe: string;
  /** k: analogs per decision (agreement levels are multiples of 1/k). */
  k: number;
  /** Calibrated success probability required to trade. */
  target: number;
  /** The closes of the run (the adapter reads the query window t-W+1..t only). */
  close: Float64Array;
}

export class MemoryLearningLoop implements LearningLoop {
  private readonly ids: string[] = [];
  private current: number;

  constructor(
    private readonly memory: MemoryLike,
    private readonly o: MemoryLoopOptions,
  ) {
    this.current = o.target;
    this.recalibrate();
  }

  threshold(): number {
    return this.current;
  }

  recordExperience(e: Experience): number {
    const W = e.window;
    const from = Math.max(0, e.t - W + 1);
    const exp = this.memory.recordExperience({
      patternType: this.o.patternType,
      dataset: this.o.dataset,
      timeframe: this.o.timeframe,
      query: this.o.close.subarray(from, e.t + 1),
      matches: e.matches.map((m) => ({ similarity: 1 / (1 + m.distance / W), distance: m.distance, end: m.end, forwardReturn: m.forwardReturn })),
      signal: e.direction > 0 ? 'long' : e.direction < 0 ? 'short' : 'flat',
      confidence: Math.min(1, Math.max(0, e.agreement)),
      horizon: e.horizon,
      at: e.time,
    });
    this.ids.push(exp.id);
    return this.ids.length - 1;
  }

  recordOutcome(handle: number, outcome: RealizedOutcome): void {
    const id = this.ids[handle];
    if (id === undefined) return;
    this.memory.settle(id, { realizedReturn: Math.max(-0.999999, outcome.realizedReturn), mae: outcome.mae, timeToTarget: null });
    this.recalibrate();
  }

  private recalibrate(): void {
    const k = this.o.k;
    let best = -1;
    for (let level = k; level >= 0 && level / k >= 0.5; level--) {
      if (this.memory.calibrate(this.o.patternType, level / k) >= this.o.target) best = level;
      else break;
    }
    this.current = best < 0 ? 1.0000001 : Math.max(0.5, best / k);
  }
}

/** A fresh, throw-away workspace folder for a backtest's memory; remove() deletes it. */
export function scratchDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-backtest-memory-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
