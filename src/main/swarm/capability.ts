/**
 * The swarm capability of the application host: one coordinator or one agent per workspace, driven through
 * the typed contract (swarm:*), with `swarm:changed` / `swarm:shared` events for the Swarm view. libp2p is
 * loaded only when the user hosts or joins. While joined as an agent, `shareJudged` shares every experience
 * the learning loop judges (the host wires it as the strategy and backtest capabilities' onJudged).
 * Must never import Electron (the app passes a safeStorage SecretBox in through `box`).
 */
import type { EventName, EventPayloadOf, SwarmStatus } from '../../shared/contract';
import type { Bars, Timeframe } from '../../shared/market';
import { WarpdeskError } from '../../shared/errors';
import { similarityFromDistance } from '../../shared/numerics';
import type { Capability } from '../platform/capability';
import { logger } from '../metrics';
import { Agent, type SweepExecutor } from './agent';
import { Coordinator } from './coordinator';
import type { SecretBox } from './identity';
import { judgedSharer, type MemoryLike } from './memory-sink';
import type { SharedRecord } from './protocol';
import type { ExperienceSink } from './sink';

const DAY_MS = 24 * 3600_000;

export interface SwarmCapabilityOptions {
  dataDir: string;
  /** Host.emit, for events outside a request (agents joining, records arriving). */
  emit?: <E extends EventName>(event: E, payload: EventPayloadOf<E>) => void;
  /** Identity encryption (default: key file / WARPDESK_SWARM_KEY). The app passes safeStorage here. */
  box?: SecretBox;
  /** Where shared experiences land on an agent (the lead passes memorySink(memory)). */
  sink?: ExperienceSink;
  /** Bars of a data set at a timeframe (DataStore.bars), for swarm:search. */
  bars?: (datasetId: number, timeframe: Timeframe) => Bars;
  /** How a joined agent runs backtest sweep batches (the host passes the backtester's; see AgentOptions). */
  sweepExecutor?: SweepExecutor;
}

export interface SwarmCapability extends Capability {
  coordinator(): Coordinator | null;
  agent(): Agent | null;
  /**
   * The learning loop's onJudged hook (the host passes it to the strategy and backtest capabilities): while
   * this workspace is joined to a swarm as an agent, the judged experience is signed and shared through the
   * agent's outbox (exactly once); otherwise nothing happens. Returns whether it was noted for sharing.
   */
  shareJudged(memory: MemoryLike, experienceId: string): boolean;
}

export function swarmCapability(options: SwarmCapabilityOptions): SwarmCapability {
  let coordinator: Coordinator | null = null;
  let agent: Agent | null = null;
  /**
   * The last enrollment token handed out while hosting, kept in this process only (the store keeps its hash)
   * so that the Swarm view shows it again after a reload; reported while it is unused and unexpired.
   */
  let issued: { token: string; expiresAt: number } | null = null;
  const log = logger('swarm');
  const sharer = judgedSharer(
    () => agent,
    (id, err) => log.warn({ id, err: err instanceof Error ? err.message : String(err) }, 'could not share a judged experience'),
  );
  const emit = options.emit ?? (() => undefined);
  const changed = (reason: string) => emit('swarm:changed', { reason });

  function busy(): void {
    if (coordinator) throw new WarpdeskError('Conflict', 'This workspace already hosts a swarm; stop it first.');
    if (agent) throw new WarpdeskError('Conflict', 'This workspace already joined a swarm; leave it first.');
  }
  function needCoordinator(): Coordinator {
    if (!coordinator) throw new WarpdeskError('Unavailable', 'This workspace does not host a swarm.');
    return coordinator;
  }

  return {
    name: 'swarm',
    coordinator: () => coordinator,
    agent: () => agent,
    shareJudged(memory, experienceId) {
      if (!agent) return false;
      sharer.share(memory, experienceId);
      return true;
    },
    handlers: {
      'swarm:status': (): SwarmStatus => ({
        role: coordinator ? 'coordinator' : agent ? 'agent' : 'none',
        peerId: coordinator?.peerId ?? agent?.peerId ?? null,
        coordinator: coordinator
          ? {
              multiaddrs: coordinator.multiaddrs(),
              agents: coordinator.agents(),
              members: coordinator.store.members().map((m) => ({ peerId: m.peerId, status: m.status, notAfter: m.notAfter, lastSeen: m.lastSeen, transport: m.transport, rttMs: m.rttMs })),
              tasks: coordinator.tasksInFlight(),
              shared: coordinator.store.sharedCount(),
              token: issued && coordinator.store.tokenOpen(issued.token) ? issued : null,
            }
          : null,
        agent: agent
          ? (() => {
              const s = agent.status();
              return {
                coordinator: s.coordinator,
                connected: s.connected,
                transport: s.transport,
                rttMs: s.rttMs,
                membershipNotAfter: s.membershipNotAfter,
                outboxPending: s.outboxPending,
                received: s.received,
                lastRefusal: s.lastRefusal,
              };
            })()
          : null,
      }),
      'swarm:host': async (req) => {
        busy();
        const c = await Coordinator.start({ dataDir: options.dataDir, listenHost: req.listen, quicPort: req.quicPort, wsPort: req.wsPort, box: options.box, logger: log });
        coordinator = c;
        for (const e of ['agent-joined', 'agent-left', 'refused', 'revoked']) c.on(e, () => changed(e));
        c.on('shared', (e: { origin: string; record: SharedRecord }) => emit('swarm:shared', { id: e.record.id, kind: e.record.kind, origin: e.origin, at: Date.now() }));
        changed('hosting');
        const token = c.createToken(DAY_MS);
        issued = { token, expiresAt: Date.now() + DAY_MS };
        return { peerId: c.peerId, multiaddrs: c.multiaddrs(), token };
      },
      'swarm:join': async (req) => {
        busy();
        const a = await Agent.start({ dataDir: options.dataDir, join: req.join, token: req.token, agentType: 'app', box: options.box, sink: options.sink, sweepExecutor: options.sweepExecutor, logger: log });
        agent = a;
        for (const e of ['connected', 'disconnected', 'refused']) a.on(e, () => changed(e));
        a.on('shared', (e: { origin: string; record: SharedRecord }) => emit('swarm:shared', { id: e.record.id, kind: e.record.kind, origin: e.origin, at: Date.now() }));
        changed('joining');
        return { peerId: a.peerId, coordinator: a.coordinator };
      },
      'swarm:stop': async () => {
        const had = coordinator !== null || agent !== null;
        sharer.flush(); // what was judged before the stop goes into the outbox (sent on the next join)
        const [c, a] = [coordinator, agent];
        coordinator = null;
        agent = null;
        issued = null;
        await c?.stop();
        await a?.stop({ graceful: true });
        if (had) changed('stopped');
        return { stopped: had };
      },
      'swarm:search': async (req) => {
        const c = needCoordinator();
        if (!options.bars) throw new WarpdeskError('Unavailable', 'This host has no data sets to search.');
        const bars = options.bars(req.datasetId, req.timeframe);
        const n = bars.close.length;
        if (req.queryEnd >= n) throw new WarpdeskError('InvalidInput', `The query ends at bar ${req.queryEnd}, but the data set has ${n} bars at this timeframe.`);
        const m = req.queryEnd - req.queryStart + 1;
        // No look-ahead: candidates are windows that end before the query starts.
        const history = bars.close.subarray(0, req.queryStart);
        if (history.length < m) throw new WarpdeskError('InvalidInput', 'There is not enough history before the query to search.');
        const t0 = performance.now();
        const r = await c.runSearch(history, bars.close.slice(req.queryStart, req.queryEnd + 1), {
          window: Math.ceil(req.windowRatio * m),
          k: req.k,
          shards: req.shards,
          onProgress: () => changed('task-progress'),
        });
        changed('task-finished');
        const agentOf = (index: number): string => r.answeredBy[r.plans.findIndex((p) => index >= p.start && index < p.end)] ?? '';
        return {
          taskId: r.taskId,
          shards: r.shards,
          reassigned: r.reassigned,
          elapsedMs: performance.now() - t0,
          matches: r.matches.map((mm) => ({
            start: mm.index,
            end: mm.index + m - 1,
            startTime: bars.time[mm.index]!,
            endTime: bars.time[mm.index + m - 1]!,
            distance: mm.distance,
            similarity: similarityFromDistance(mm.distance, m),
            agent: agentOf(mm.index),
          })),
        };
      },
      'swarm:token': (req) => {
        const ttl = req.ttlHours * 3600_000;
        const token = needCoordinator().createToken(ttl);
        issued = { token, expiresAt: Date.now() + ttl };
        return { token };
      },
      'swarm:allow': (req) => {
        needCoordinator().allow(req.peerId);
        changed('allowed');
        return { ok: true };
      },
      'swarm:revoke': (req) => {
        needCoordinator().revoke(req.peerId);
        changed('revoked');
        return { ok: true };
      },
    },
    async close() {
      sharer.flush();
      const [c, a] = [coordinator, agent];
      coordinator = null;
      agent = null;
      await c?.stop().catch(() => undefined);
      await a?.stop({ graceful: true }).catch(() => undefined);
    },
  };
}
