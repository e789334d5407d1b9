/**
 * A pool of worker processes fed one task at a time: forks up to `workers` children of one entry, sends a child
 * the next task when it says `ready` and whenever it completes one, hands every other reply to the caller, and
 * settles once every task is complete, or at the first failure (a `fatal` reply, a child that exits while holding a
 * task or fails before all are done) or cancellation, after disconnecting and killing every child. The backtest's
 * search pass, sweeps and the evaluation's folds use it; they differ only in what a task and its replies are.
 * The worker side: send `{ type: 'ready' }` once, then answer each task message; `{ type: 'fatal', message }` on error.
 * Children share the cores: each gets `WARPDESK_THREADS` = cores / children (at least 1) for its native engine,
 * unless the environment already sets it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { WarpdeskError } from '../../shared/errors';

/** How to fork the worker entry (see backtest/worker-entry.ts `workerLaunch`). */
export interface WorkerEntry {
  file: string;
  execArgv: string[];
  env: Record<string, string>;
}

/** A reply from a worker (structured clone of what it sent). */
export interface WorkerReply {
  type: string;
  [field: string]: unknown;
}

export interface WorkerPoolOptions<T> {
  entry: WorkerEntry;
  tasks: readonly T[];
  /** Children to fork (at most one per task, at least one). */
  workers: number;
  /** The message that hands `task` to a child. */
  message: (task: T, index: number) => unknown;
  /** A reply (other than ready / fatal) from `worker` about task `index`; true when that task is complete. May throw to fail the pool. */
  onReply: (reply: WorkerReply, index: number, worker: number) => boolean;
  /** What the workers do, for error messages ("A sweep worker failed: ..."). */
  what: string;
  signal?: AbortSignal;
  /** The Cancelled error's message. */
  cancelled?: string;
  /** Extra environment for the children. */
  env?: Record<string, string>;
}

/** Native engine threads for each of `workers` children sharing this machine's cores (at least one). */
export function nativeThreadsPerChild(workers: number): number {
  return Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, workers)));
}

export function runWorkerPool<T>(o: WorkerPoolOptions<T>): Promise<void> {
  if (o.tasks.length === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const children: ChildProcess[] = [];
    let next = 0;
    let completed = 0;
    let settled = false;
    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      for (const c of children) if (c.connected) c.disconnect();
      for (const c of children) if (c.exitCode === null) c.kill();
      if (err !== undefined) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve();
    };
    const cancel = (): void => finish(new WarpdeskError('Cancelled', o.cancelled ?? `The ${o.what} was cancelled.`));
    if (o.signal?.aborted) return cancel();
    o.signal?.addEventListener('abort', cancel, { once: true });
    const workers = Math.max(1, Math.min(o.workers, o.tasks.length));
    const env = { ...process.env, ...o.entry.env, ...o.env };
    // the children share the cores: each child's native engine gets its share of them, not one thread per core
    // in every child (an explicit WARPDESK_THREADS, here or in the caller's environment, wins)
    env['WARPDESK_THREADS'] ??= String(nativeThreadsPerChild(workers));
    for (let w = 0; w < workers; w++) {
      const child = fork(o.entry.file, [], { execArgv: o.entry.execArgv, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
      children.push(child);
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      /** The task this child holds; -1 when none. */
      let holding = -1;
      const feed = (): void => {
        if (next >= o.tasks.length) {
          holding = -1;
          if (child.connected) child.disconnect();
          return;
        }
        holding = next++;
        child.send(o.message(o.tasks[holding]!, holding) as Parameters<ChildProcess['send']>[0]);
      };
      child.on('message', (reply: WorkerReply) => {
        if (settled) return;
        if (reply.type === 'ready') feed();
        else if (reply.type === 'fatal') finish(new WarpdeskError('Internal', `A ${o.what} worker failed: ${typeof reply['message'] === 'string' ? reply['message'] : 'unknown error'}`));
        else if (holding >= 0) {
          let done: boolean;
          try {
            done = o.onReply(reply, holding, w);
          } catch (err) {
            finish(err);
            return;
          }
          if (!done) return;
          completed++;
          if (completed === o.tasks.length) finish();
          else feed();
        }
      });
      child.on('exit', (code) => {
        if (settled || (holding < 0 && (code === 0 || completed === o.tasks.length))) return;
        finish(new WarpdeskError('Internal', `A ${o.what} worker exited early (code ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`));
      });
    }
  });
}
