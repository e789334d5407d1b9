/**
 * `warpdesk agent`: runs a swarm agent headless. Joins the coordinator (QUIC first, WebSockets fallback),
 * enrolls with a one-time token on first join, redials by itself, and prints one line per connection change
 * (JSON lines with --json). Logs JSON (pino) to stderr; stops with a graceful leave on SIGINT/SIGTERM.
 * Search shards run on the engine; sweep batches on the backtester, handed to the agent here.
 */
import { runSweepParallel } from '../../main/backtest/sweep';
import { resolveDataDir } from '../../main/platform/workspace';
import { serveMetrics } from '../../main/metrics';
import { Agent } from '../../main/swarm';
import { UsageError, intFlag, jsonTarget, stringFlag } from '../args';
import type { Command } from '../command';

export const agentCommand: Command = {
  name: 'agent',
  summary: 'Run a swarm agent that joins a coordinator (QUIC first, WebSockets fallback).',
  usage: 'warpdesk agent --join MULTIADDR [--join MULTIADDR...] --data-dir DIR [--token T] [--metrics-port M] [--json]',
  flags: {
    join: { type: 'string', repeatable: true, description: 'coordinator multiaddr ending in /p2p/<PeerId> (repeat for QUIC and WebSockets)' },
    token: { type: 'string', description: 'one-time enrollment token printed by the coordinator (first join only)' },
    'metrics-port': { type: 'string', description: 'serve Prometheus /metrics on 127.0.0.1:M' },
    'quic-timeout-ms': { type: 'string', description: 'QUIC dial budget before falling back to WebSockets (default 1500)' },
  },
  async run(args, io) {
    const join = args.flags['join'];
    const addrs = Array.isArray(join) ? join : typeof join === 'string' ? [join] : [];
    if (addrs.length === 0) throw new UsageError('Option --join is required (a coordinator multiaddr).');
    for (const a of addrs) if (!/\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/.test(a)) throw new UsageError(`The multiaddr "${a}" must end in /p2p/<coordinator PeerId>.`);
    const dataDir = resolveDataDir(stringFlag(args, 'data-dir'));
    const metricsPort = stringFlag(args, 'metrics-port') !== undefined ? intFlag(args, 'metrics-port', 0, 0, 65535) : undefined;
    const json = jsonTarget(args).enabled;
    const agent = await Agent.start({
      dataDir,
      join: addrs,
      token: stringFlag(args, 'token'),
      quicTimeoutMs: intFlag(args, 'quic-timeout-ms', 1500, 50, 60_000),
      // Sweep batches run in one worker process, so the agent's heartbeats keep their schedule.
      sweepExecutor: (jobs) => runSweepParallel(jobs, { workers: 1 }),
    });
    const metrics = metricsPort !== undefined ? await serveMetrics(metricsPort) : undefined;
    const say = (event: string, text: string, extra: Record<string, unknown> = {}): void => {
      io.stdout(json ? JSON.stringify({ event, peerId: agent.peerId, ...extra }) + '\n' : text + '\n');
    };
    say('started', `Agent ${agent.peerId} joining ${agent.coordinator}${metrics ? ` (metrics ${metrics.url})` : ''}`, { coordinator: agent.coordinator, metrics: metrics?.url ?? null });
    agent.on('connected', (e: { transport: string }) => say('connected', `Connected over ${e.transport}.`, e));
    agent.on('disconnected', (e: { why: string }) => say('disconnected', `Disconnected (${e.why}); redialing.`, e));
    agent.on('refused', (e: { code: string; message: string }) => say('refused', `Refused by the coordinator (${e.code}): ${e.message}`, e));
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await agent.stop({ graceful: true });
    await metrics?.close();
    return 0;
  },
};
