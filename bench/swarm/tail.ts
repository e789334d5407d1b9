/**
 * `npx tsx bench/swarm/tail.ts [--pings N] [--transport quic|ws] [--inproc]`: where the round trip's tail comes
 * from. Runs the framed, validated ping/pong and the bare libp2p echo on the same connection, interleaved in
 * blocks of 100 so both see the same machine load, and records while they run: GC pauses
 * (`PerformanceObserver('gc')`), the event-loop delay histogram (`monitorEventLoopDelay`) of this process, and
 * for every sample above the run's p99 whether a GC overlapped it. The coordinator runs in a child process
 * (as in bench:swarm) unless `--inproc`, which puts both ends in this process so that one `--cpu-prof` shows
 * both sides' hot paths. Prints a table; a diagnostic, not part of `npm run bench`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { formatTable, quantile, type BenchCell } from '../lib';
import { Agent } from '../../src/main/swarm/agent';
import { Coordinator } from '../../src/main/swarm/coordinator';
import { createLogger } from '../../src/main/metrics';
import { loadStack } from '../../src/main/swarm/stack';
import { startProc, type Proc } from '../../src/main/swarm/testing/proc';
import { FrameChannel } from '../../src/main/swarm/protocol';

const args = process.argv.slice(2);
const argOf = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const PINGS = Number(argOf('pings', '5000'));
const transport = argOf('transport', 'quic') as 'quic' | 'ws';
const inproc = args.includes('--inproc');
const log = createLogger('tail', 'silent');

interface Gc {
  start: number;
  end: number;
  kind: number;
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-tail-'));
  let proc: Proc | null = null;
  let coord: Coordinator | null = null;
  let join: string[];
  let token: string;
  if (inproc) {
    coord = await Coordinator.start({ dataDir: tmp, quicPort: 0, wsPort: 0, logger: log });
    await coord.node.handle('/warpdesk/bench-echo/1.0.0', (stream) => {
      stream.addEventListener('message', (evt) => stream.send(evt.data));
    });
    join = coord.multiaddrs();
    token = coord.createToken();
  } else {
    proc = startProc('coordinator', { dataDir: tmp, quicPort: 0, wsPort: 0 });
    join = (await proc.waitEvent((e) => e['event'] === 'ready'))['multiaddrs'] as string[];
    token = await proc.call<string>('token');
  }
  const { keys } = await loadStack();
  const a = await Agent.start({ join, token, privateKey: await keys.generateKeyPair('Ed25519'), dbPath: ':memory:', logger: log, transports: [transport], heartbeatMs: 60_000 });
  await a.waitConnected(30_000);
  const conn = a.libp2p.getConnections().find((c) => c.remotePeer.toString() === a.coordinator)!;
  const stream = await conn.newStream('/warpdesk/bench-echo/1.0.0');
  const payload = new Uint8Array(64).fill(7);
  // Timed at arrival in the message event, as the agent times a pong.
  let resolveEcho: ((t: number) => void) | null = null;
  stream.addEventListener('message', () => resolveEcho?.(performance.now()));
  const echo = async (): Promise<number> => {
    const t0 = performance.now();
    const t1 = await new Promise<number>((resolve) => {
      resolveEcho = resolve;
      stream.send(payload);
    });
    return t1 - t0;
  };
  const ping = (): Promise<number> => a.ping();
  // The agent's half of the protocol alone: a FrameChannel (encode, frame, decode, validate) on a second echo
  // stream, so the coordinator side is the bare echo.
  const stream2 = await conn.newStream('/warpdesk/bench-echo/1.0.0');
  const half = new FrameChannel(stream2, { readTimeoutMs: 10_000 });
  let hid = 0;
  const halfPing = async (): Promise<number> => {
    const t0 = performance.now();
    await half.send({ t: 'ping', id: ++hid, sentAt: t0 });
    await half.read();
    return performance.now() - t0;
  };

  for (let i = 0; i < 500; i++) {
    await ping();
    await echo();
    await halfPing();
  }
  const gcs: Gc[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration, kind: (e as unknown as { detail?: { kind: number } }).detail?.kind ?? 0 });
  });
  obs.observe({ entryTypes: ['gc'] });
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const samples: Record<'ping' | 'echo' | 'half', Array<{ t0: number; ms: number }>> = { ping: [], echo: [], half: [] };
  const heap0 = process.memoryUsage().heapUsed;
  const alloc = { ping: 0, echo: 0, half: 0 };
  const allocN = { ping: 0, echo: 0, half: 0 };
  for (let done = 0; done < PINGS; done += 100) {
    for (const kind of ['ping', 'echo', 'half'] as const) {
      const h0 = process.memoryUsage().heapUsed;
      for (let i = 0; i < 100; i++) {
        const t0 = performance.now();
        const ms = kind === 'ping' ? await ping() : kind === 'echo' ? await echo() : await halfPing();
        samples[kind].push({ t0, ms });
      }
      const dh = process.memoryUsage().heapUsed - h0;
      if (dh > 0) {
        alloc[kind] += dh;
        allocN[kind] += 100;
      }
    }
  }
  lag.disable();
  obs.disconnect();
  if (args.includes('--heap')) await heapProfile({ ping, echo });
  const rows: Array<Record<string, BenchCell>> = [];
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  for (const kind of ['ping', 'half', 'echo'] as const) {
    const s = samples[kind];
    const sorted = s.map((x) => x.ms).sort((x, y) => x - y);
    const p99 = quantile(sorted, 0.99);
    const slow = s.filter((x) => x.ms >= p99);
    const withGc = slow.filter((x) => gcs.some((g) => g.end >= x.t0 && g.start <= x.t0 + x.ms)).length;
    rows.push({
      kind: kind === 'ping' ? 'framed ping/pong' : kind === 'half' ? "agent's framing + bare echo" : 'bare echo',
      p50: r3(quantile(sorted, 0.5)),
      p90: r3(quantile(sorted, 0.9)),
      p99: r3(p99),
      max: r3(sorted[sorted.length - 1]!),
      'slow (>= p99)': slow.length,
      'slow with a GC in this process': withGc,
    });
  }
  const gcMs = gcs.map((g) => g.end - g.start).sort((x, y) => x - y);
  console.log(`\n## round-trip tail (${transport}, ${inproc ? 'coordinator in this process' : 'coordinator in a child process'}, ${PINGS} of each, interleaved)`);
  console.log(formatTable(rows));
  console.log(
    `  this process: ${gcs.length} GCs (scavenge ${gcs.filter((g) => g.kind === 1).length}), pause p50 ${r3(quantile(gcMs, 0.5))} ms max ${r3(gcMs[gcMs.length - 1] ?? 0)} ms; ` +
      `event-loop delay p50 ${r3(lag.percentile(50) / 1e6)} p99 ${r3(lag.percentile(99) / 1e6)} max ${r3(lag.max / 1e6)} ms; allocated per round trip (heap growth in blocks without a GC): ping ${Math.round(alloc.ping / Math.max(1, allocN.ping))} B, echo ${Math.round(alloc.echo / Math.max(1, allocN.echo))} B, heap ${r3((process.memoryUsage().heapUsed - heap0) / 2 ** 20)} MiB net`,
  );
  await stream.close().catch(() => undefined);
  await a.stop({ graceful: true });
  if (coord) await coord.stop();
  if (proc) await proc.call('stop').catch(() => undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
}

/**
 * `--heap`: V8's sampling heap profiler, keeping objects the GC already collected (what a short-lived
 * round trip allocates), over 2,000 pings and then 2,000 echoes; prints the top allocating functions of each.
 */
async function heapProfile(fns: { ping: () => Promise<number>; echo: () => Promise<number> }): Promise<void> {
  const inspector = await import('node:inspector');
  const session = new inspector.Session();
  session.connect();
  const post = <T>(method: string, params?: object): Promise<T> => new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
  type Node = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: Node[] };
  for (const kind of ['ping', 'echo'] as const) {
    await post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
    const n = 2000;
    for (let i = 0; i < n; i++) await fns[kind]();
    const { profile } = await post<{ profile: { head: Node } }>('HeapProfiler.stopSampling');
    const by = new Map<string, number>();
    let total = 0;
    const walk = (node: Node, stack: string[]): void => {
      const cf = node.callFrame;
      const where = `${cf.functionName || '(anon)'} ${cf.url.split('node_modules/').pop()!.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;
      const st = [...stack, where];
      if (node.selfSize > 0) {
        total += node.selfSize;
        const key = st.slice(-3).join(' < ');
        by.set(key, (by.get(key) ?? 0) + node.selfSize);
      }
      for (const c of node.children) walk(c, st);
    };
    walk(profile.head, []);
    console.log(`\n  heap sampling, ${kind}: ${Math.round(total / n)} B allocated per round trip in this process; top sites (B per round trip):`);
    for (const [k, v] of [...by].sort((x, y) => y[1] - x[1]).slice(0, 14)) console.log(`    ${String(Math.round(v / n)).padStart(6)}  ${k.split(' < ').reverse().join(' < ')}`);
  }
  session.disconnect();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
