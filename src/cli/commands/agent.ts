/**
 * `warpdesk agent`: runs a swarm agent headless. Joins the coordinator (QUIC first, WebSockets fallback),
 * enrolls with a one-time token on first join, redials by itself, and prints one line per connection change
 * (JSON lines with --json). Experiences other agents share land in the workspace memory. With `--learn FILE`
 * it also walks that data set's history through the learning loop into the workspace memory (as `warpdesk
 * learn` does) and shares every experience it judges with the swarm: signed with the agent's identity, queued
 * in its durable outbox, delivered once. Logs JSON (pino) to stderr; stops with a graceful leave on
 * SIGINT/SIGTERM (during a learn, the first one stops the learn too; what is committed and queued stays).
 * Search shards run on the engine; sweep batches on the backtester, handed to the agent here.
 */
import path from 'node:path';
import { getEngine } from '../../main/engine';
import { learnFromHistory, runSweepParallel, type LearnReport } from '../../main/backtest';
import { openMemory } from '../../main/memory';
import { logger, serveMetrics } from '../../main/metrics';
import { resolveDataDir } from '../../main/platform/workspace';
import { Agent, judgedSharer, memorySink } from '../../main/swarm';
import { UsageError, intFlag, jsonTarget, stringFlag } from '../args';
import type { Command } from '../command';
import { LEARN_FLAG_SPECS, learnPlanFromArgs } from './learn';
import { listening } from '../ports';
import { DATA_FILE_FLAGS } from '../data-file';

/** Refusals that a retry cannot change: the agent stops with exit 1 and the reason instead of redialing. */
const DEFINITIVE_REFUSALS: Record<string, string> = {
  BadToken: 'the enrollment token is wrong, already used or expired; create a new one on the coordinator with `warpdesk swarm token` and pass it with --token',
  NotAllowed: "this agent is not on the coordinator's allowlist; join with a fresh --token, or allow it there with `warpdesk swarm allow PEER_ID`",
  Revoked: 'the coordinator revoked this agent; only `warpdesk swarm allow PEER_ID` on the coordinator admits it again',
  Expired: "this agent's membership expired; join with a fresh --token, or renew it with `warpdesk swarm allow PEER_ID` on the coordinator",
  VersionMismatch: 'the coordinator speaks another protocol version; update Warpdesk on one side',
};

export const agentCommand: Command = {
  name: 'agent',
  summary: 'Run a swarm agent that joins a coordinator (QUIC first, WebSockets fallback); with --learn, learn from a data set and share what it judges.',
  usage:
    'warpdesk agent --join MULTIADDR [--join MULTIADDR...] --data-dir DIR [--token T] [--metrics-port M] [--json]\n' +
    '               [--learn FILE [--timeframe TF] [--from DATE] [--to DATE] [--window 32] [--top 10] [--horizon 5] [--step 1]]\n' +
    '  --learn walks FILE through the learning loop into the workspace memory while joined (the walk of `warpdesk learn`)\n' +
    '  and shares each judged experience with the swarm; the agent keeps running afterwards until Ctrl-C.',
  flags: {
    join: { type: 'string', repeatable: true, description: 'coordinator multiaddr ending in /p2p/<PeerId> (repeat for QUIC and WebSockets)' },
    token: { type: 'string', description: 'one-time enrollment token printed by the coordinator (first join only)' },
    'metrics-port': { type: 'string', description: 'serve Prometheus /metrics on 127.0.0.1:M' },
    'quic-timeout-ms': { type: 'string', description: 'QUIC dial budget before falling back to WebSockets (default 1500)' },
    learn: { type: 'string', description: 'learn from this CSV into the workspace memory and share every judged experience with the swarm' },
    ...Object.fromEntries(Object.entries(LEARN_FLAG_SPECS).map(([name, spec]) => [name, { ...spec, description: `with --learn: ${spec.description}` }])),
    ...DATA_FILE_FLAGS,
  },
  async run(args, io) {
    const join = args.flags['join'];
    const addrs = Array.isArray(join) ? join : typeof join === 'string' ? [join] : [];
    if (addrs.length === 0) throw new UsageError('Option --join is required (a coordinator multiaddr).');
    for (const a of addrs) if (!/\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/.test(a)) throw new UsageError(`The multiaddr "${a}" must end in /p2p/<coordinator PeerId>.`);
    const dataDir = resolveDataDir(stringFlag(args, 'data-dir'));
    const metricsPort = stringFlag(args, 'metrics-port') !== undefined ? intFlag(args, 'metrics-port', 0, 0, 65535) : undefined;
    const json = jsonTarget(args).enabled;
    const learnFile = stringFlag(args, 'learn');
    for (const f of [...Object.keys(LEARN_FLAG_SPECS), 'columns', 'date-order']) {
      if (!learnFile && stringFlag(args, f) !== undefined) throw new UsageError(`Option --${f} only applies with --learn FILE.`);
    }
    // Read the data before joining: a bad file fails at once, not after the agent started.
    const learn = learnFile ? learnPlanFromArgs(args, learnFile) : undefined;

    const log = logger('swarm', 'agent');
    const memory = await openMemory({ dataDir });
    let agent: Agent;
    try {
      agent = await Agent.start({
        dataDir,
        join: addrs,
        token: stringFlag(args, 'token'),
        quicTimeoutMs: intFlag(args, 'quic-timeout-ms', 1500, 50, 60_000),
        logger: log,
        // Sweep batches run in one worker process, so the agent's heartbeats keep their schedule.
        sweepExecutor: (jobs) => runSweepParallel(jobs, { workers: 1 }),
        // Experiences other agents share land in this workspace's memory.
        sink: memorySink(memory, (id, err) => log.warn({ id, err: err instanceof Error ? err.message : String(err) }, 'could not import a shared experience')),
      });
    } catch (err) {
      memory.close();
      throw err;
    }
    getEngine(); // chooses the engine now, so warpdesk_build_info names the backend this process runs
    const metrics =
      metricsPort !== undefined
        ? await listening(() => serveMetrics(metricsPort), metricsPort, '--metrics-port', 'metrics endpoint').catch(async (err: unknown) => {
            await agent.stop({ graceful: true });
            memory.close();
            throw err;
          })
        : undefined;
    const say = (event: string, text: string, extra: Record<string, unknown> = {}): void => {
      io.stdout(json ? JSON.stringify({ event, peerId: agent.peerId, ...extra }) + '\n' : text + '\n');
    };
    const controller = new AbortController();
    let refusal: { code: string; message: string } | undefined;
    let stopNow: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      stopNow = (): void => {
        controller.abort();
        resolve();
      };
      process.once('SIGINT', stopNow);
      process.once('SIGTERM', stopNow);
    });
    const onRefused = (e: { code: string; message: string }): void => {
      if (!(e.code in DEFINITIVE_REFUSALS) || refusal) return;
      refusal = e;
      stopNow();
    };
    try {
      say('started', `Agent ${agent.peerId} joining ${agent.coordinator}${metrics ? ` (metrics ${metrics.url})` : ''}`, { coordinator: agent.coordinator, metrics: metrics?.url ?? null });
      agent.on('connected', (e: { transport: string }) => say('connected', `Connected over ${e.transport}.`, e));
      agent.on('disconnected', (e: { why: string }) => say('disconnected', refusal ? `Disconnected (${e.why}).` : `Disconnected (${e.why}); redialing.`, e));
      agent.on('refused', (e: { code: string; message: string }) => {
        say('refused', `Refused by the coordinator (${e.code}): ${e.message}`, e);
        onRefused(e);
      });
      agent.on('handshake-refused', (e: { peerId: string; member: boolean }) =>
        say(
          'handshake-refused',
          `The coordinator refuses this agent (${e.peerId}) during the handshake: ${e.member ? 'it was revoked or its membership ended' : 'it is not on the allowlist and no enrollment is open (the token is used or expired)'}. Still trying; admit it on the coordinator with \`warpdesk swarm allow ${e.peerId}\`, or stop with Ctrl-C.`,
          e,
        ),
      );
      const earlier = agent.status().lastRefusal;
      if (earlier) onRefused(earlier);
      agent.on('record-refused', (e: { id: string; origin: string; reason: string }) => say('record-refused', `Refused shared record ${e.id} from ${e.origin} (${e.reason}).`, e));

      if (learn) {
        const sharer = judgedSharer(
          () => agent,
          (id, err) => log.warn({ id, err: err instanceof Error ? err.message : String(err) }, 'could not share a judged experience'),
        );
        const name = path.basename(learn.file);
        say('learning', `Learning from ${name} at ${learn.timeframe}; each judged experience is shared with the swarm.`, { file: learn.file, timeframe: learn.timeframe, ...learn.input });
        let report: LearnReport;
        try {
          report = await learnFromHistory(learn.bars, learn.input, getEngine(), memory, {
            dataset: name,
            timeframe: learn.timeframe,
            from: learn.from,
            to: learn.to,
            signal: controller.signal,
            onJudged: (id) => sharer.share(memory, id),
          });
        } finally {
          sharer.flush();
        }
        const pending = agent.status().outboxPending;
        say(
          'learned',
          `${report.cancelled ? 'Stopped' : 'Learned'}: ${report.decisions} decisions on ${name}, ${report.recorded} experiences recorded, ${report.judged} judged and shared (${pending} waiting for the coordinator).`,
          { decisions: report.decisions, recorded: report.recorded, judged: report.judged, pending: report.pending, cancelled: report.cancelled, outboxPending: pending },
        );
        const delivered = (): boolean => {
          if (agent.status().outboxPending > 0) return false;
          say('delivered', `All ${report.judged} judged experiences reached the coordinator.`, { judged: report.judged });
          return true;
        };
        if (!report.cancelled && !delivered()) {
          const onAck = (): void => {
            if (delivered()) agent.off('acked', onAck);
          };
          agent.on('acked', onAck);
        }
      }
      await stopped;
    } finally {
      process.off('SIGINT', stopNow);
      process.off('SIGTERM', stopNow);
      await agent.stop({ graceful: !refusal });
      await metrics?.close();
      memory.close();
    }
    if (refusal) {
      io.stderr(`warpdesk agent: the coordinator refused this agent (${refusal.code}: ${refusal.message.replace(/\.$/, '')}); ${DEFINITIVE_REFUSALS[refusal.code]}. Stopped.\n`);
      return 1;
    }
    return 0;
  },
};
