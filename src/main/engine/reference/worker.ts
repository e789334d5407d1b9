/**
 * Runs reference-engine jobs off the caller's thread, so the Electron main process never blocks.
 *
 * The worker is a real file, ./worker-thread.ts, that imports the kernels like any module. Where it is:
 *  - from TypeScript sources (vitest, tsx, the `warpdesk` CLI): worker-thread.ts next to this file, started
 *    with tsx's require hook (`--require tsx/cjs`; Node 20 workers ignore `--import` loaders);
 *  - from a bundle (electron-vite's out/main/index.js, or any CommonJS bundle of the engine):
 *    `reference-worker.js` next to the bundle (or one folder up, when this code sits in a shared chunk),
 *    built from worker-thread.ts as an extra entry (electron.vite.config.ts).
 * Workers are kept between jobs (starting one costs 50-300 ms): each running job has a worker of its own
 * (concurrent jobs run in parallel threads), and up to MAX_IDLE idle ones wait, unref'd, for the next job.
 * A cancelled job's worker is terminated. If a worker can't be created or can't load (no file, a packaging
 * that can't start it), the job and every later one run in-process in small slices separated by
 * `setImmediate`, which keeps the event loop responsive; `workerFallbackReason()` says why.
 * Must never: leave a job running after its promise settles, resolve after an abort, or keep the process alive
 * with an idle worker.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { WarpdeskError } from '../../../shared/errors';
import { runJob, type JobRequest, type ReferenceJob, type WorkerMessage } from './jobs';

export type { ReferenceJob } from './jobs';

/** File name of the worker entry in a bundle's output folder (electron.vite.config.ts `reference-worker`). */
export const REFERENCE_WORKER_BUNDLE = 'reference-worker.js';

type Progress = ((fraction: number) => void) | undefined;

/** Where the worker entry is and how to start it, or why there is none. */
export function referenceWorkerEntry(): { file: string; execArgv?: string[] } | { reason: string } {
  const here = typeof __filename === 'string' ? __filename : '';
  if (here.endsWith('.ts')) {
    const file = path.join(path.dirname(here), 'worker-thread.ts');
    try {
      return { file, execArgv: ['--require', createRequire(file).resolve('tsx/cjs')] };
    } catch (err) {
      return { reason: `tsx (needed to start ${file}) was not found: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  const dir = path.dirname(here);
  for (const d of [dir, path.dirname(dir)]) {
    const file = path.join(d, REFERENCE_WORKER_BUNDLE);
    if (fs.existsSync(file)) return { file };
  }
  return { reason: `the reference worker ${REFERENCE_WORKER_BUNDLE} is not next to ${here || 'the bundle'}` };
}

let workersUnavailable: string | undefined;

function cancelled(): WarpdeskError {
  return new WarpdeskError('Cancelled', 'The engine job was cancelled.');
}

function inProcess<T>(job: ReferenceJob, onProgress: Progress, signal?: AbortSignal): Promise<T> {
  const it = runJob(job);
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

/** Idle workers kept for the next jobs. */
const MAX_IDLE = Math.max(2, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
const idle: Worker[] = [];
let nextId = 1;

/** Removes the listeners this module put on a worker (its own internal ones stay). */
function detach(worker: Worker): void {
  for (const event of ['message', 'error', 'exit'] as const) worker.removeAllListeners(event);
}

/** Parks a worker that finished a job cleanly (or terminates it when enough are parked). */
function park(worker: Worker): void {
  detach(worker);
  if (idle.length >= MAX_IDLE) {
    void worker.terminate();
    return;
  }
  const drop = (): void => {
    const i = idle.indexOf(worker);
    if (i >= 0) idle.splice(i, 1);
  };
  worker.on('error', drop);
  worker.on('exit', drop);
  worker.unref();
  idle.push(worker);
}

/** Runs a reference job in a worker thread (or in-process slices when workers are unavailable). */
export function runReferenceJob<T>(job: ReferenceJob, onProgress: Progress, signal?: AbortSignal, forceInProcess = false): Promise<T> {
  if (signal?.aborted) return Promise.reject(cancelled());
  if (forceInProcess || workersUnavailable !== undefined) return inProcess<T>(job, onProgress, signal);
  let worker = idle.pop();
  // A fresh worker has not loaded yet: a failure before its 'ready' means workers can't run here.
  let started = worker !== undefined;
  let file = '';
  if (worker) {
    detach(worker);
    worker.ref();
  } else {
    const entry = referenceWorkerEntry();
    if ('reason' in entry) {
      workersUnavailable = entry.reason;
      return inProcess<T>(job, onProgress, signal);
    }
    file = entry.file;
    try {
      worker = new Worker(entry.file, { execArgv: entry.execArgv });
    } catch (err) {
      workersUnavailable = err instanceof Error ? err.message : String(err);
      return inProcess<T>(job, onProgress, signal);
    }
  }
  const w = worker;
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void, reuse: boolean): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (reuse) park(w);
      else {
        detach(w);
        w.on('error', () => {});
        void w.terminate();
      }
      fn();
    };
    const onAbort = (): void => finish(() => reject(cancelled()), false);
    signal?.addEventListener('abort', onAbort, { once: true });
    const workerFailed = (why: string): void =>
      finish(() => {
        workersUnavailable = why;
        inProcess<T>(job, onProgress, signal).then(resolve, reject);
      }, false);
    w.on('message', (msg: WorkerMessage) => {
      if (settled) return;
      if (msg.type === 'ready') {
        started = true;
        return;
      }
      if (msg.id !== id) return;
      if (msg.type === 'progress') onProgress?.(msg.fraction);
      else if (msg.type === 'done') {
        onProgress?.(1);
        finish(() => resolve(msg.result as T), true);
      } else finish(() => reject(new WarpdeskError('Internal', `The engine worker failed: ${msg.message}`)), true);
    });
    w.on('error', (err) => {
      if (!started) workerFailed(`the reference worker ${file} did not start: ${err.name}: ${err.message}`);
      else finish(() => reject(new WarpdeskError('Internal', `The engine worker failed: ${err.message}`)), false);
    });
    w.on('exit', (code) => {
      if (!started) workerFailed(`the reference worker ${file} exited (code ${code}) before it started`);
      else finish(() => reject(new WarpdeskError('Internal', `The engine worker stopped unexpectedly (exit ${code}).`)), false);
    });
    const request: JobRequest = { id, job };
    w.postMessage(request);
  });
}
