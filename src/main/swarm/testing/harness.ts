/**
 * Test and benchmark harness: runs a coordinator or agents in a child process and takes JSON-line commands
 * on stdin, answering JSON lines on stdout (`{"reply":ID,...}`) plus events (`{"event":...}`). Used by the
 * swarm's multi-process tests and bench/swarm. Must never be used by the app or the CLI.
 *
 *   node --import tsx harness.ts coordinator '{"dataDir":...,"quicPort":0,"wsPort":0}'
 *   node --import tsx harness.ts agent '{"dataDir":...,"join":[...],"token":"..."}'
 *   node --import tsx harness.ts agents '{"count":200,"join":[...],"coordinatorDataDir":...}'  (bench: many light agents)
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { Agent, Coordinator, type AgentOptions, type CoordinatorOptions } from '../index';
import { createLogger } from '../../metrics';
import { testSeries as series } from './series';

const [, , role, rawOpts] = process.argv;
const opts = JSON.parse(rawOpts ?? '{}') as Record<string, unknown>;
const out = (o: unknown): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};
const log = createLogger(`harness-${role}`, process.env['WARPDESK_LOG_LEVEL'] ?? 'warn');

async function main(): Promise<void> {
  const handlers: Record<string, (cmd: Record<string, unknown>) => unknown> = {};
  let stop: () => Promise<void> = async () => undefined;
  if (role === 'coordinator') {
    // Heartbeat service times (receive -> pong written, µs) while the bench holds its agents.
    let hbTimes: number[] = [];
    let hbPaths = { hot: 0, read: 0 };
    let hbOn = false;
    const c = await Coordinator.start({
      ...(opts as unknown as CoordinatorOptions),
      logger: log,
      onHeartbeat: (ms, p) => {
        if (!hbOn) return;
        hbTimes.push(ms * 1000);
        hbPaths[p]++;
      },
    });
    // Bench baseline: a bare length-prefixed echo on the same node, to separate the stack's round trip from
    // the command protocol's (JSON, zod, metrics) overhead.
    await c.node.handle('/warpdesk/bench-echo/1.0.0', (stream) => {
      stream.addEventListener('message', (evt) => {
        stream.send(evt.data);
      });
    });
    c.on('agent-joined', (e) => out({ event: 'agent-joined', ...e }));
    c.on('agent-left', (e) => out({ event: 'agent-left', ...e }));
    c.on('refused', (e) => out({ event: 'refused', ...e }));
    handlers['token'] = () => c.createToken();
    handlers['tokens'] = (cmd) => Array.from({ length: cmd['count'] as number }, () => c.createToken());
    handlers['agents'] = () => c.agents();
    handlers['sharedCount'] = () => c.store.sharedCount();
    handlers['sharedIds'] = () => c.store.sharedAfter(0, 1_000_000).map((r) => `${r.record.id}@${r.origin}`);
    handlers['allow'] = (cmd) => c.allow(cmd['peerId'] as string);
    handlers['revoke'] = (cmd) => c.revoke(cmd['peerId'] as string);
    handlers['publish'] = (cmd) => c.publish(cmd['record'] as never);
    handlers['search'] = async (cmd) => {
      const s = series(cmd['n'] as number, cmd['seed'] as number);
      const q = s.slice(cmd['qStart'] as number, (cmd['qStart'] as number) + (cmd['m'] as number));
      return c.runSearch(s, q, { window: cmd['window'] as number, k: cmd['k'] as number, shards: cmd['shards'] as number | undefined, timeoutMs: 60_000 });
    };
    handlers['sweep'] = async (cmd) => {
      const { batchJobs } = await import('../../backtest/sweep');
      const jobs = cmd['jobs'] as never[];
      return c.runSweep(jobs, batchJobs(jobs), { timeoutMs: 120_000 });
    };
    handlers['heapSnapshot'] = async (cmd) => (await import('node:v8')).writeHeapSnapshot(cmd['file'] as string);
    handlers['metrics'] = async () => (await import('../../metrics')).metricsText();
    // Memory after a full collection when the process runs with --expose-gc (the bench's per-agent cost).
    handlers['mem'] = () => {
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      return {
        agents: c.agents().length,
        rssMiB: m.rss / 2 ** 20,
        heapMiB: m.heapUsed / 2 ** 20,
        heapTotalMiB: m.heapTotal / 2 ** 20,
        externalMiB: m.external / 2 ** 20,
        collected: typeof (globalThis as { gc?: unknown }).gc === 'function',
      };
    };
    let cpu0 = process.cpuUsage();
    let t0 = performance.now();
    const { monitorEventLoopDelay, PerformanceObserver } = await import('node:perf_hooks');
    const lag = monitorEventLoopDelay({ resolution: 10 });
    // GC pauses while holding (kind 1 = scavenge, 4 = mark-compact; perf_hooks constants).
    let gcs: Array<{ ms: number; kind: number }> = [];
    const gcObs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcs.push({ ms: e.duration, kind: (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0 });
    });
    handlers['usageStart'] = () => {
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      lag.reset();
      lag.enable();
      gcs = [];
      gcObs.observe({ entryTypes: ['gc'] });
      hbTimes = [];
      hbPaths = { hot: 0, read: 0 };
      hbOn = true;
      return true;
    };
    handlers['usage'] = () => {
      const d = process.cpuUsage(cpu0);
      const wall = performance.now() - t0;
      lag.disable();
      gcObs.disconnect();
      const mem = process.memoryUsage();
      hbOn = false;
      const hb = hbTimes.sort((x, y) => x - y);
      const q = (f: number): number => (hb.length ? hb[Math.min(hb.length - 1, Math.floor(f * hb.length))]! : Number.NaN);
      return {
        heartbeat: { ...hbPaths, p50Us: q(0.5), p99Us: q(0.99), maxUs: hb.length ? hb[hb.length - 1]! : Number.NaN },
        gc: {
          count: gcs.length,
          scavenges: gcs.filter((g) => g.kind === 1).length,
          totalMs: gcs.reduce((t, g) => t + g.ms, 0),
          maxMs: gcs.reduce((m, g) => Math.max(m, g.ms), 0),
        },
        heapTotalMiB: mem.heapTotal / 2 ** 20,
        cpuPercent: ((d.user + d.system) / 1000 / wall) * 100,
        rssMiB: process.memoryUsage().rss / 2 ** 20,
        heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
        externalMiB: process.memoryUsage().external / 2 ** 20,
        loopDelayP99Ms: lag.percentile(99) / 1e6,
        loopDelayMaxMs: lag.max / 1e6,
      };
    };
    stop = () => c.stop();
    out({ event: 'ready', peerId: c.peerId, multiaddrs: c.multiaddrs() });
  } else if (role === 'agent') {
    const delay = (opts['taskDelayMs'] as number | undefined) ?? 0;
    const agentOpts: AgentOptions = { ...(opts as unknown as AgentOptions), logger: log };
    if (delay > 0) {
      const { getEngine } = await import('../../engine');
      agentOpts.executor = async (s, q, o) => {
        await new Promise((r) => setTimeout(r, delay));
        return getEngine().searchTopKAsync(s, q, o);
      };
    }
    const a = await Agent.start(agentOpts);
    a.on('connected', (e) => out({ event: 'connected', ...e }));
    a.on('disconnected', (e) => out({ event: 'disconnected', ...e }));
    a.on('refused', (e) => out({ event: 'refused', ...e }));
    a.on('shared', (e: { record: { id: string }; path: string }) => out({ event: 'shared', id: e.record.id, path: e.path }));
    a.on('revoked', (e) => out({ event: 'revoked', ...e }));
    handlers['record'] = (cmd) => a.record(cmd['record'] as never);
    handlers['status'] = () => a.status();
    handlers['receivedIds'] = () => a.store.receivedIds();
    handlers['ping'] = () => a.ping();
    handlers['rotate'] = () => a.rotateKey();
    stop = () => a.stop({ graceful: opts['graceful'] !== false });
    out({ event: 'ready', peerId: a.peerId });
  } else if (role === 'agents') {
    // Many light agents in one process (bench): in-memory keys and databases, one token each.
    const { loadStack } = await import('../stack');
    const { keys } = await loadStack();
    const tokens = opts['tokens'] as string[];
    const list: Agent[] = [];
    let rtts: number[] = [];
    let collecting = false;
    const gossip: number[] = [];
    const startedAt = performance.now();
    const connectMs: number[] = [];
    const batch = (opts['batch'] as number | undefined) ?? 25;
    for (let i = 0; i < tokens.length; i += batch) {
      const made = await Promise.all(
        tokens.slice(i, i + batch).map(async (token) => {
          const t0 = performance.now();
          const a = await Agent.start({
            join: opts['join'] as string[],
            token,
            privateKey: await keys.generateKeyPair('Ed25519'),
            dbPath: ':memory:',
            heartbeatMs: (opts['heartbeatMs'] as number | undefined) ?? 2000,
            transports: opts['transports'] as Array<'quic' | 'ws'> | undefined,
            quicTimeoutMs: opts['quicTimeoutMs'] as number | undefined,
            logger: log,
          });
          a.on('rtt', (r: number) => {
            if (collecting) rtts.push(r);
          });
          a.on('shared', (e: { record: { createdAt: number }; path: string }) => {
            if (e.path === 'gossip') gossip.push(Date.now() - e.record.createdAt);
          });
          a.once('connected', () => connectMs.push(performance.now() - t0));
          return a;
        }),
      );
      list.push(...made);
      await Promise.all(made.map((a) => a.waitConnected(120_000).catch(() => undefined)));
    }
    handlers['connected'] = () => list.filter((a) => a.status().connected).length;
    const { monitorEventLoopDelay } = await import('node:perf_hooks');
    const lag = monitorEventLoopDelay({ resolution: 10 });
    handlers['startRtt'] = () => {
      rtts = [];
      collecting = true;
      lag.reset();
      lag.enable();
      return true;
    };
    handlers['stopRtt'] = () => {
      collecting = false;
      lag.disable();
      return { rtts, loopDelayP99Ms: lag.percentile(99) / 1e6, loopDelayMaxMs: lag.max / 1e6 };
    };
    handlers['gossip'] = () => gossip.splice(0);
    handlers['connectMs'] = () => connectMs;
    stop = async () => {
      await Promise.all(list.map((a) => a.stop({ graceful: false })));
    };
    out({ event: 'ready', count: list.length, elapsedMs: performance.now() - startedAt });
  } else {
    throw new Error(`unknown role ${role}`);
  }
  handlers['stop'] = async () => {
    await stop();
    setTimeout(() => process.exit(0), 50);
    return true;
  };
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    let cmd: Record<string, unknown>;
    try {
      cmd = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const h = handlers[cmd['cmd'] as string];
    const id = cmd['id'];
    if (!h) return out({ reply: id, ok: false, error: `unknown command ${String(cmd['cmd'])}` });
    Promise.resolve()
      .then(() => h(cmd))
      .then(
        (result) => out({ reply: id, ok: true, result }),
        (err: unknown) => out({ reply: id, ok: false, error: (err as Error).message }),
      );
  });
  rl.on('close', () => void stop().finally(() => process.exit(0)));
}

main().catch((err: unknown) => {
  fs.writeSync(2, `harness failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
