/**
 * The coordinator's sharded tasks: a pattern search split into block-aligned shards (sharding.ts) or a backtest
 * sweep split into batches, handed to idle agents one shard each, reassigned when an agent is lost with one,
 * merged when every shard answered, failed on an agent's error, a wrong answer or the time limit.
 * Must never hand a shard to a busy or ended session, never accept an answer from an agent that does not hold
 * that shard, and never resolve a task twice.
 */
import crypto from 'node:crypto';
import type { SweepJob, SweepResult } from '../../shared/contract/backtest';
import { WarpdeskError } from '../../shared/errors';
import { swarmMetrics, type Logger } from '../metrics';
import { encodeFloat64, type Frame } from './protocol';
import { mergeTopK, planShards, shardSlice, type Match, type ShardPlan } from './sharding';
import type { Session, TaskState } from './coordinator-session';

export interface SearchTaskOptions {
  window: number;
  k: number;
  exclusionZone?: number;
  znormalize?: boolean;
  /** Number of shards (default: agents connected, at least 1). */
  shards?: number;
  /** Give up after this long (default 120 s). */
  timeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SearchTaskResult {
  taskId: string;
  matches: Match[];
  shards: number;
  reassigned: number;
  /** Which agent answered each shard. */
  answeredBy: string[];
  /** The shards' candidate ranges, in shard order. */
  plans: ShardPlan[];
}

export interface SweepTaskOptions {
  /** Give up after this long (default 30 min). */
  timeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SweepTaskResult {
  taskId: string;
  /** In the order of the jobs given. */
  results: SweepResult[];
  shards: number;
  reassigned: number;
  answeredBy: string[];
}

/** The tasks in flight over the coordinator's live sessions (the map is the coordinator's, read only here). */
export class TaskBoard {
  private readonly tasks: TaskState[] = [];

  constructor(
    private readonly sessions: ReadonlyMap<string, Session>,
    private readonly log: Logger,
  ) {}

  /** Search tasks in flight with their progress. */
  inFlight(): Array<{ taskId: string; shards: number; done: number; reassigned: number }> {
    return this.tasks.map((t) => ({ taskId: t.taskId, shards: t.shardCount, done: t.answered.size, reassigned: t.reassigned }));
  }

  /** A session ended: the shard it held (if its task is still running) goes back to the front of the queue. */
  release(s: Session): void {
    if (s.busy && !s.busy.task.done) {
      const { task, shard } = s.busy;
      task.pending.unshift(shard);
      task.reassigned++;
      swarmMetrics.tasksTotal.inc({ outcome: 'reassigned' });
      this.log.warn({ peer: s.peerId, task: task.taskId, shard }, 'agent lost with a shard; reassigning');
    }
    s.busy = null;
  }

  /** Fails every task in flight (the coordinator is stopping). */
  cancelAll(error: Error): void {
    for (const t of [...this.tasks]) this.finishTask(t, error);
  }

  runSearch(series: Float64Array, query: Float64Array, options: SearchTaskOptions): Promise<SearchTaskResult> {
    const m = query.length;
    const shardCount = options.shards ?? Math.max(1, this.sessions.size);
    const plans = planShards(series.length, m, shardCount);
    if (plans.length === 0) return Promise.reject(new WarpdeskError('InvalidDimensions', 'The series is shorter than the query.'));
    const opts = { window: options.window, k: options.k, exclusionZone: options.exclusionZone ?? Math.floor(m / 2), znormalize: options.znormalize ?? true };
    const encodedQuery = encodeFloat64(query);
    const results = new Map<number, Match[]>();
    const taskId = crypto.randomUUID();
    return this.startTask<SearchTaskResult>('search', taskId, plans.length, options, {
      frameFor: (shard) => {
        const plan = plans[shard]!;
        const input = shardSlice(series, plan, m);
        return { t: 'task', taskId, shard, kind: 'search', series: encodeFloat64(input.values), offset: input.offset, first: input.first, query: encodedQuery, ...opts };
      },
      accept: (shard, frame) => {
        if (frame.t !== 'taskResult') return false;
        const plan = plans[shard]!;
        results.set(
          shard,
          frame.matches.filter((mm) => mm.index >= plan.start && mm.index < plan.end),
        );
        return true;
      },
      merge: (task) => {
        // Each shard answered its pruning set, so the greedy merge is exactly the single-node answer (sharding.ts).
        const matches = mergeTopK([...results.values()], opts.k, opts.exclusionZone);
        return { taskId, matches, shards: plans.length, reassigned: task.reassigned, answeredBy: task.answeredBy, plans };
      },
    });
  }

  /**
   * Runs backtest sweep jobs on the connected agents: jobs sharing a search pass go to the same agent (one
   * batch per shard); results come back in job order. Jobs name their data file, which each agent must be
   * able to read (same machine or shared storage).
   */
  runSweep(jobs: SweepJob[], batches: SweepJob[][], options: SweepTaskOptions = {}): Promise<SweepTaskResult> {
    if (jobs.length === 0) return Promise.reject(new WarpdeskError('InvalidInput', 'A sweep needs at least one job.'));
    const byId = new Map<string, SweepResult>();
    const taskId = crypto.randomUUID();
    return this.startTask<SweepTaskResult>(
      'sweep',
      taskId,
      batches.length,
      { timeoutMs: options.timeoutMs ?? 30 * 60_000, onProgress: options.onProgress },
      {
        frameFor: (shard) => ({ t: 'sweepTask', taskId, shard, jobs: batches[shard]! }),
        accept: (shard, frame) => {
          if (frame.t !== 'sweepResult') return false;
          const want = new Set(batches[shard]!.map((j) => j.id));
          if (frame.results.length !== want.size || !frame.results.every((r) => want.has(r.id))) return false;
          for (const r of frame.results) byId.set(r.id, r);
          return true;
        },
        merge: (task) => ({ taskId, results: jobs.map((j) => byId.get(j.id)!), shards: batches.length, reassigned: task.reassigned, answeredBy: task.answeredBy }),
      },
    );
  }

  private startTask<R>(
    kind: TaskState['kind'],
    taskId: string,
    shardCount: number,
    options: { timeoutMs?: number; onProgress?: (done: number, total: number) => void },
    impl: Pick<TaskState, 'frameFor' | 'accept'> & { merge: (task: TaskState) => R },
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 120_000;
      let timer: NodeJS.Timeout | undefined;
      const task: TaskState = {
        taskId,
        kind,
        shardCount,
        pending: Array.from({ length: shardCount }, (_, i) => i),
        answered: new Set(),
        answeredBy: new Array<string>(shardCount).fill(''),
        reassigned: 0,
        done: false,
        frameFor: impl.frameFor,
        accept: impl.accept,
        merge: () => impl.merge(task),
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r as R);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
        onProgress: options.onProgress,
      };
      timer = setTimeout(() => this.finishTask(task, new WarpdeskError('Unavailable', `The swarm ${kind} did not finish within ${timeoutMs} ms.`)), timeoutMs);
      timer.unref?.();
      this.tasks.push(task);
      this.log.info({ task: taskId, kind, shards: shardCount, agents: this.sessions.size }, 'task started');
      this.pump();
    });
  }

  /** Hands pending shards to idle agents. */
  pump(): void {
    for (const task of this.tasks) {
      if (task.done) continue;
      for (const s of this.sessions.values()) {
        if (task.pending.length === 0) break;
        if (s.busy || s.ended) continue;
        const shard = task.pending.shift()!;
        s.busy = { task, shard };
        s.channel.send(task.frameFor(shard)).catch(() => {
          // The session's reader will notice the closed stream and reassign the shard.
        });
        swarmMetrics.tasksTotal.inc({ outcome: 'dispatched' });
      }
    }
  }

  onTaskAnswer(s: Session, frame: Extract<Frame, { t: 'taskResult' | 'taskError' | 'sweepResult' }>): void {
    const busy = s.busy;
    if (!busy || busy.task.taskId !== frame.taskId || busy.shard !== frame.shard) {
      this.log.debug({ peer: s.peerId, task: frame.taskId }, 'ignoring an answer for a shard this agent does not hold');
      return;
    }
    s.busy = null;
    const task = busy.task;
    if (frame.t === 'taskError') {
      swarmMetrics.tasksTotal.inc({ outcome: 'failed' });
      this.finishTask(task, new WarpdeskError('Internal', `Agent ${s.peerId} failed a shard: ${frame.message}`));
      return;
    }
    if (!task.accept(frame.shard, frame)) {
      swarmMetrics.tasksTotal.inc({ outcome: 'failed' });
      this.finishTask(task, new WarpdeskError('Internal', `Agent ${s.peerId} answered shard ${frame.shard} of a ${task.kind} task with something else.`));
      return;
    }
    task.answered.add(frame.shard);
    task.answeredBy[frame.shard] = s.peerId;
    swarmMetrics.tasksTotal.inc({ outcome: 'completed' });
    task.onProgress?.(task.answered.size, task.shardCount);
    if (task.answered.size === task.shardCount) this.finishTask(task, null);
    this.pump();
  }

  /** Ends a task with its merged result (outcome null) or an error. */
  private finishTask(task: TaskState, outcome: Error | null): void {
    if (task.done) return;
    task.done = true;
    const i = this.tasks.indexOf(task);
    if (i >= 0) this.tasks.splice(i, 1);
    for (const s of this.sessions.values()) if (s.busy?.task === task) s.busy = null;
    if (outcome) task.reject(outcome);
    else {
      try {
        task.resolve(task.merge());
      } catch (err) {
        task.reject(err);
      }
    }
    this.log.info({ task: task.taskId, kind: task.kind, ok: !outcome, reassigned: task.reassigned }, 'task finished');
  }
}
