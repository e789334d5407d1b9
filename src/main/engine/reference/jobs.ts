/**
 * The reference engine's long jobs (search, batch DTW, LCSS matrix) as generators that yield their progress
 * fraction, shared by the worker thread (./worker-thread.ts) and the in-process fallback (./worker.ts).
 * Must never: import Node modules (it runs on either side), or yield more often than it needs to.
 */
import { K } from './kernels';

export type ReferenceJob =
  | { type: 'search'; series: Float64Array | Float32Array; query: Float64Array | Float32Array; window: number; k: number; znormalize: boolean; exclusion: number }
  | { type: 'lcssMatrix'; series: Array<Float64Array | Float32Array>; epsilon: number; delta: number }
  | { type: 'batch'; query: Float64Array | Float32Array; candidates: Float64Array | Float32Array; window: number; absolute: boolean };

/** A job sent to the worker thread; `id` comes back on every message about it. */
export interface JobRequest {
  id: number;
  job: ReferenceJob;
}

/** Messages from the worker thread to the caller ('ready' once, when it has loaded). */
export type WorkerMessage = { id: number } & ({ type: 'ready' } | { type: 'progress'; fraction: number } | { type: 'done'; result: unknown } | { type: 'error'; name: string; message: string });

export function* runJob(job: ReferenceJob): Generator<number, unknown> {
  if (job.type === 'search') {
    const s = K.createSearch(job.series, job.query, job.window, job.k, job.znormalize, job.exclusion);
    const slice = Math.max(256, Math.floor(2e6 / Math.max(1, job.query.length * (2 * Math.min(job.window, job.query.length) + 1))));
    while (!s.step(slice)) yield s.done / s.total;
    return s.result();
  }
  if (job.type === 'batch') {
    const m = job.query.length;
    const count = job.candidates.length / m;
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = K.dtw(job.query, job.candidates.subarray(i * m, i * m + m), job.window, job.absolute);
      if (i % 64 === 63) yield (i + 1) / count;
    }
    return out;
  }
  const n = job.series.length;
  const out = new Float64Array(n * n);
  const pairs = (n * (n - 1)) / 2;
  let done = 0;
  for (let i = 0; i < n; i++) {
    out[i * n + i] = 1;
    for (let j = i + 1; j < n; j++) {
      const v = K.lcss(job.series[i]!, job.series[j]!, job.epsilon, job.delta);
      out[i * n + j] = v;
      out[j * n + i] = v;
      done++;
      if (done % 8 === 0) yield done / pairs;
    }
  }
  return out;
}
