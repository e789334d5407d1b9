/**
 * Fold jobs over worker processes (fold-worker.ts): each job is independent (its own scratch memories, its own
 * truncated bars and tables), so results are identical to the sequential run (tested); they are returned in
 * job order. Must never share state between jobs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { WarpdeskError } from '../../shared/errors';
import { workerLaunch } from '../backtest';
import type { FoldJob, FoldJobResult } from './fold-run';

export async function runFoldJobsInWorkers(jobs: FoldJob[], o: { workers: number; signal?: AbortSignal; onResult?: () => void }): Promise<FoldJobResult[]> {
  const results: Array<FoldJobResult | undefined> = new Array(jobs.length);
  if (jobs.length === 0) return [];
  const launch = workerLaunch(__filename, 'fold-worker');
  const children: ChildProcess[] = [];
  let next = 0;
  let finished = 0;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      for (const c of children) if (c.connected) c.disconnect();
      for (const c of children) if (c.exitCode === null) c.kill();
      if (err) reject(err);
      else resolve();
    };
    if (o.signal?.aborted) return finish(new WarpdeskError('Cancelled', 'The evaluation was cancelled.'));
    o.signal?.addEventListener('abort', () => finish(new WarpdeskError('Cancelled', 'The evaluation was cancelled.')), { once: true });
    const feed = (child: ChildProcess): void => {
      if (next >= jobs.length) {
        if (child.connected) child.disconnect();
        return;
      }
      const id = next++;
      child.send({ type: 'fold', id, job: jobs[id] });
    };
    for (let w = 0; w < Math.min(o.workers, jobs.length); w++) {
      const child = fork(launch.file, [], { execArgv: launch.execArgv, env: { ...process.env, ...launch.env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      children.push(child);
      child.on('message', (msg: { type: string; id?: number; result?: FoldJobResult; message?: string }) => {
        if (msg.type === 'ready') feed(child);
        else if (msg.type === 'result' && msg.result && msg.id !== undefined) {
          results[msg.id] = msg.result;
          finished++;
          o.onResult?.();
          if (finished === jobs.length) finish();
          else feed(child);
        } else if (msg.type === 'fatal') finish(new WarpdeskError('Internal', `An evaluation worker failed: ${msg.message ?? 'unknown error'}`));
      });
      child.on('exit', (code) => {
        if (!settled && code !== 0) finish(new WarpdeskError('Internal', `An evaluation worker exited early (code ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`));
      });
    }
  });
  return results as FoldJobResult[];
}
