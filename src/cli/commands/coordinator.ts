/**
 * `warpdesk coordinator`: runs a swarm coordinator headless. Prints its multiaddrs (QUIC first) and a
 * one-time enrollment token, serves Prometheus metrics on loopback when asked, logs JSON (pino) to stderr,
 * and stops cleanly on SIGINT/SIGTERM. State lives in `<data>/swarm/coordinator.db`.
 */
import { resolveDataDir } from '../../main/platform/workspace';
import { getEngine } from '../../main/engine';
import { serveMetrics } from '../../main/metrics';
import { Coordinator } from '../../main/swarm';
import { UsageError, intFlag, jsonTarget, stringFlag } from '../args';
import type { Command } from '../command';
import type { CoordinatorListeningOutput } from '../outputs';
import { isAddressInUse, listening, portInUse } from '../ports';

export const coordinatorCommand: Command = {
  name: 'coordinator',
  summary: 'Run a swarm coordinator (QUIC + WebSockets) and print an enrollment token.',
  usage: 'warpdesk coordinator --listen 127.0.0.1 --quic-port P --ws-port P2 --data-dir DIR [--metrics-port M] [--json]',
  flags: {
    listen: { type: 'string', description: 'address to listen on (default 127.0.0.1)' },
    'quic-port': { type: 'string', description: 'UDP port for QUIC (0 = any free port)' },
    'ws-port': { type: 'string', description: 'TCP port for WebSockets (0 = any free port)' },
    'metrics-port': { type: 'string', description: 'serve Prometheus /metrics on 127.0.0.1:M' },
    'token-ttl-hours': { type: 'string', description: 'lifetime of the printed enrollment token (default 24)' },
    'no-token': { type: 'boolean', description: 'do not create an enrollment token' },
  },
  async run(args, io) {
    const listen = stringFlag(args, 'listen') ?? '127.0.0.1';
    if (!/^[0-9a-fA-F.:]+$/.test(listen)) throw new UsageError(`--listen must be an IP address, got "${listen}".`);
    const dataDir = resolveDataDir(stringFlag(args, 'data-dir'));
    const quicPort = intFlag(args, 'quic-port', 0, 0, 65535);
    const wsPort = intFlag(args, 'ws-port', 0, 0, 65535);
    const metricsPort = stringFlag(args, 'metrics-port') !== undefined ? intFlag(args, 'metrics-port', 0, 0, 65535) : undefined;
    const ttlHours = intFlag(args, 'token-ttl-hours', 24, 1, 24 * 365);
    let coordinator: Coordinator;
    try {
      coordinator = await Coordinator.start({ dataDir, listenHost: listen, quicPort, wsPort });
    } catch (err) {
      if (!isAddressInUse(err)) throw err;
      const text = err instanceof Error ? err.message : String(err);
      // libp2p names the failing listen address: /tcp/P/ws is the WebSockets port, /udp/P/quic-v1 the QUIC one.
      const onWs = /\/tcp\/\d+\/ws/.test(text) && !/\/udp\/\d+\/quic[^\n]*EADDRINUSE/.test(text);
      throw onWs ? portInUse(wsPort, '--ws-port', 'coordinator (WebSockets)') : portInUse(quicPort, '--quic-port', 'coordinator (QUIC)');
    }
    let metrics;
    try {
      getEngine(); // chooses the engine now, so warpdesk_build_info names the backend this process runs
      metrics = metricsPort !== undefined ? await listening(() => serveMetrics(metricsPort), metricsPort, '--metrics-port', 'metrics endpoint') : undefined;
    } catch (err) {
      await coordinator.stop();
      throw err;
    }
    const token = args.flags['no-token'] ? null : coordinator.createToken(ttlHours * 3600_000);
    const addrs = coordinator.multiaddrs();
    if (jsonTarget(args).enabled) {
      io.stdout(JSON.stringify({ event: 'listening', peerId: coordinator.peerId, multiaddrs: addrs, token, metrics: metrics?.url ?? null, dataDir } satisfies CoordinatorListeningOutput) + '\n');
    } else {
      io.stdout(
        [
          `Coordinator ${coordinator.peerId} is listening on:`,
          ...addrs.map((a) => `  ${a}`),
          token ? `Enrollment token (one use, valid ${ttlHours} h): ${token}` : 'No enrollment token (use `warpdesk swarm allow PEER_ID`).',
          token ? `Join with: warpdesk agent ${addrs.map((a) => `--join ${a}`).join(' ')} --token ${token} --data-dir DIR` : '',
          metrics ? `Metrics: ${metrics.url}` : '',
          '(press Ctrl+C to stop)',
          '',
        ]
          .filter((l, i, all) => l !== '' || i === all.length - 1)
          .join('\n'),
      );
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await coordinator.stop();
    await metrics?.close();
    return 0;
  },
};
