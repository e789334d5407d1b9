/**
 * Judges the memory's pending experiences whose horizon has passed in the data (the app's path: experiences
 * wait in the memory between searches, and data arrives in between). Same outcome function and the same
 * "t' + H ≤ last bar" rule as the loop's in-process queue, oldest first.
 */
import type { Bars } from '../../shared/market';
import type { Experience, OutcomeInput } from '../memory';
import { outcomeFromBars } from './outcome';

export interface PendingMemory {
  pending(options?: { dataset?: string; limit?: number }): string[];
  getExperience(id: string): Experience;
  settle(experienceId: string, outcome: OutcomeInput): unknown;
}

/** Index of the first bar at or after time x. */
export function barAtOrAfter(time: Float64Array, x: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Settles every pending experience whose bars `barsFor` can supply (null: not this caller's data) and whose
 * horizon has ended in them. Returns how many were judged and how many still wait.
 */
export function settlePending(memory: PendingMemory, barsFor: (e: Experience) => Bars | null, options: { dataset?: string; onJudged?: (id: string) => void } = {}): { settled: number; pending: number } {
  let settled = 0;
  let pending = 0;
  for (const id of memory.pending({ dataset: options.dataset })) {
    const e = memory.getExperience(id);
    const endTime = e.context['queryEndTime'];
    if (typeof endTime !== 'number') continue;
    const bars = barsFor(e);
    if (!bars) continue;
    const end = barAtOrAfter(bars.time, endTime);
    if (bars.time[end] !== endTime) continue;
    const target = typeof e.context['expectedMove'] === 'number' ? e.context['expectedMove'] : null;
    const outcome = outcomeFromBars(bars, end, e.horizon, e.signal, target);
    if (!outcome) {
      pending++;
      continue;
    }
    memory.settle(id, outcome);
    options.onJudged?.(id);
    settled++;
  }
  return { settled, pending };
}
