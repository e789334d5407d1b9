/**
 * Runs reference-kernel jobs off the caller's thread, so the Electron main process never blocks.
 *
 * The worker is an `eval` worker whose source is built at run time from `referenceKernels.toString()`:
 * no worker file has to be found on disk, so this works the same from TypeScript sources (vitest, tsx)
 * and from electron-vite's single CommonJS bundle. If a worker cannot be created, the job runs in-process
 * in small slices separated by `setImmediate`, which keeps the event loop responsive.
 * Must never: leave a worker running after the promise settles, or resolve after an abort.
 */
import { Worker } from 'node:worker_threads';
import { WarpdeskError } from '../../../shared/errors';
import { referenceKernels } from './kernels';

export type ReferenceJob =
  | { type: 'search'; series: Float64Array | Float32Array; query: Float64Array | Float32Array; window: number; k: number; znormalize: boolean; exclusion: number }
  | { type: 'lcssMatrix'; series: Array<Float64Array | Float32Array>; epsilon: number; delta: number }
  | { type: 'batch'; query: Float64Array | Float32Array; candidates: Float64Array | Float32Array; window: number; absolute: boolean };

type Progress = ((fraction: number) => void) | undefined;

/** The job runner shared by the worker and the in-process fallback: a generator yielding progress. */
export function jobRunnerSource(): string {
  return `(${runJob.toString()})`;
}

// Self-contained (only uses its arguments) so it can be stringified into the worker.
function* runJob(K: ReturnType<typeof referenceKernels>, job: ReferenceJob): Generator<number, unknown> {
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

/**
 * Bundlers that keep function names (esbuild/tsx `keepNames`, possibly minified) insert calls such as
 * `__name(fn, "fn")` or `u(fn,"fn")` into function bodies, referring to a module-level helper that the
 * worker doesn't have. Find such helper names and define them as identity functions in the worker.
 */
function helperShims(src: string): string {
  const names = new Set<string>(['__name']);
  const re = /([A-Za-z_$][\w$]*)\(\s*([A-Za-z_$][\w$]*)\s*,\s*["']([\w$]+)["']\s*\)/g;
  for (let m = re.exec(src); m; m = re.exec(src)) names.add(m[1]!);
  for (const n of Array.from(names)) if (n.startsWith('__wd') || ['require', 'Math', 'Array', 'Number', 'Object', 'String', 'Date'].includes(n)) names.delete(n);
  return Array.from(names, (n) => `var ${n} = function (f) { return f; };`).join('\n');
}

function workerSource(): string {
  const kernels = referenceKernels.toString();
  const runner = jobRunnerSource();
  return `${helperShims(kernels + runner)}
const __wdWT = require('node:worker_threads');
const __wdK = (${kernels})();
const __wdRun = ${runner};
try {
  const __wdIt = __wdRun(__wdK, __wdWT.workerData);
  let __wdLast = 0;
  for (;;) {
    const __wdR = __wdIt.next();
    if (__wdR.done) { __wdWT.parentPort.postMessage({ type: 'done', result: __wdR.value }); break; }
    const __wdNow = Date.now();
    if (__wdNow - __wdLast > 30) { __wdLast = __wdNow; __wdWT.parentPort.postMessage({ type: 'progress', fraction: __wdR.value }); }
  }
} catch (err) {
  __wdWT.parentPort.postMessage({ type: 'error', name: String(err && err.name), message: String(err && err.message || err) });
}
`;
}

let workersUnavailable: string | undefined;

function cancelled(): WarpdeskError {
  return new WarpdeskError('Cancelled', 'The engine job was cancelled.');
}

function inProcess<T>(job: ReferenceJob, onProgress: Progress, signal?: AbortSignal): Promise<T> {
  const K = referenceKernels();
  const it = runJob(K, job);
  return new Promise<T>((resolve, reject) => {
    const tick = (): void => {
      if (signal?.aborted) return reject(cancelled());
      const t0 = Date.now();
      try {
        while (Date.now() - t0 < 8) {
          const r = it.next();
          if (r.done) {
            onProgress?.(1);
            return resolve(r.value as T);
          }
          onProgress?.(r.value);
        }
      } catch (err) {
        return reject(err);
      }
      setImmediate(tick);
    };
    setImmediate(tick);
  });
}

/** Why jobs run in-process (undefined while worker threads work). */
export function workerFallbackReason(): string | undefined {
  return workersUnavailable;
}

/** Runs a reference job in a worker thread (or in-process slices when workers are unavailable). */
export function runReferenceJob<T>(job: ReferenceJob, onProgress: Progress, signal?: AbortSignal, forceInProcess = false): Promise<T> {
  if (signal?.aborted) return Promise.reject(cancelled());
  if (forceInProcess || workersUnavailable !== undefined) return inProcess<T>(job, onProgress, signal);
  let worker: Worker;
  try {
    worker = new Worker(workerSource(), { eval: true, workerData: job });
  } catch (err) {
    workersUnavailable = err instanceof Error ? err.message : String(err);
    return inProcess<T>(job, onProgress, signal);
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = (): void => finish(() => reject(cancelled()));
    signal?.addEventListener('abort', onAbort, { once: true });
    // The shipped code failing to even run (a bundler transformed it into something the worker can't
    // evaluate) is not the job's fault: remember it and run the job in-process instead.
    const codeShippingFailed = (name: string | undefined, message: string): void =>
      finish(() => {
        workersUnavailable = `${name ?? 'Error'}: ${message}`;
        inProcess<T>(job, onProgress, signal).then(resolve, reject);
      });
    worker.on('message', (msg: { type: string; fraction?: number; result?: unknown; message?: string; name?: string }) => {
      if (settled) return;
      if (msg.type === 'progress') onProgress?.(msg.fraction!);
      else if (msg.type === 'done') {
        onProgress?.(1);
        finish(() => resolve(msg.result as T));
      } else if (msg.type === 'error') {
        if (msg.name === 'ReferenceError' || msg.name === 'SyntaxError') codeShippingFailed(msg.name, msg.message ?? '');
        else finish(() => reject(new WarpdeskError('Internal', `The engine worker failed: ${msg.message}`)));
      }
    });
    worker.on('error', (err) => {
      if (err.name === 'ReferenceError' || err.name === 'SyntaxError') codeShippingFailed(err.name, err.message);
      else finish(() => reject(new WarpdeskError('Internal', `The engine worker failed: ${err.message}`)));
    });
    worker.on('exit', (code) => finish(() => reject(new WarpdeskError('Internal', `The engine worker stopped unexpectedly (exit ${code}).`))));
  });
}
