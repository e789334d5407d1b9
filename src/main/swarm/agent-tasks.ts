/**
 * The shards an agent runs for its coordinator: a pattern-search shard on the engine's async search (off the
 * JS thread, so heartbeats keep their schedule) answered with the shard's pruning set, and a backtest sweep batch
 * with the executor its host injects. Each answers with a result or a taskError frame.
 * Must never run engine work synchronously on the event loop and never import another capability.
 */
import { WarpdeskError } from '../../shared/errors';
import { getEngine } from '../engine';
import type { Live } from './agent-session';
import { MAX_SHARD_MATCHES, decodeFloat64, type Frame } from './protocol';
import { searchShard, type ShardSearch } from './sharding';
import type { SweepJob, SweepResult } from '../../shared/contract/backtest';

/** How an agent runs a sweep batch; must keep the agent's event loop free (e.g. a worker process). */
export type SweepExecutor = (jobs: SweepJob[]) => Promise<SweepResult[]>;

/** Runs a search shard (`executor`: searchTopK semantics; default the pattern engine's searchTopKAsync). */
export async function runSearchTask(live: Live, frame: Extract<Frame, { t: 'task' }>, executor?: ShardSearch): Promise<void> {
  const t0 = performance.now();
  try {
    const series = decodeFloat64(frame.series);
    const query = decodeFloat64(frame.query);
    const options = { window: frame.window, k: frame.k, exclusionZone: frame.exclusionZone, znormalize: frame.znormalize };
    const search: ShardSearch = executor ?? ((s, q, o) => getEngine().searchTopKAsync(s, q, o));
    // The shard's pruning set (global indices): what the coordinator's merge needs for the exact answer.
    const matches = await searchShard(search, { values: series, offset: frame.offset, first: frame.first ?? frame.offset }, query, options);
    if (matches.length > MAX_SHARD_MATCHES) throw new WarpdeskError('TooLarge', `This shard's exact answer needs ${matches.length} candidates, more than the ${MAX_SHARD_MATCHES} a frame carries; use more shards.`);
    if (live.ended) return;
    const elapsedMs = performance.now() - t0;
    await live.channel.send({ t: 'taskResult', taskId: frame.taskId, shard: frame.shard, matches, elapsedMs });
  } catch (err) {
    await live.channel.send({ t: 'taskError', taskId: frame.taskId, shard: frame.shard, message: (err as Error).message.slice(0, 500) }).catch(() => undefined);
  }
}

/** Runs a batch of backtest sweep jobs with the injected executor (which keeps this event loop free). */
export async function runSweepTask(live: Live, frame: Extract<Frame, { t: 'sweepTask' }>, run?: SweepExecutor): Promise<void> {
  const t0 = performance.now();
  try {
    if (!run) throw new WarpdeskError('Unavailable', 'This agent was started without a sweep executor, so it cannot run backtest sweeps.');
    const results = await run(frame.jobs);
    if (live.ended) return;
    await live.channel.send({ t: 'sweepResult', taskId: frame.taskId, shard: frame.shard, results, elapsedMs: performance.now() - t0 });
  } catch (err) {
    await live.channel.send({ t: 'taskError', taskId: frame.taskId, shard: frame.shard, message: (err as Error).message.slice(0, 500) }).catch(() => undefined);
  }
}
