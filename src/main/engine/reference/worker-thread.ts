/**
 * The reference engine's worker thread: announces itself ('ready'), then runs each job it is sent (one at a
 * time; the caller never sends a second before the first settles) and posts progress (at most every 30 ms),
 * then the job's result or error. A bundle entry of its own (electron.vite.config.ts builds it as
 * out/main/reference-worker.js); from TypeScript sources ./worker.ts starts it with tsx's require hook.
 * Must never: be imported by anything but the worker start-up (it listens on parentPort at load).
 */
import { parentPort } from 'node:worker_threads';
import { runJob, type JobRequest, type WorkerMessage } from './jobs';

const port = parentPort!;
const post = (msg: WorkerMessage, transfer?: ArrayBuffer[]): void => port.postMessage(msg, transfer);

port.on('message', ({ id, job }: JobRequest) => {
  try {
    const it = runJob(job);
    let last = 0;
    for (;;) {
      const r = it.next();
      if (r.done) {
        const buf = r.value instanceof Float64Array ? [r.value.buffer as ArrayBuffer] : undefined;
        post({ id, type: 'done', result: r.value }, buf);
        break;
      }
      const now = Date.now();
      if (now - last > 30) {
        last = now;
        post({ id, type: 'progress', fraction: r.value });
      }
    }
  } catch (err) {
    const e = err as { name?: unknown; message?: unknown } | undefined;
    post({ id, type: 'error', name: String(e?.name ?? 'Error'), message: String(e?.message ?? err) });
  }
});
post({ id: 0, type: 'ready' });
