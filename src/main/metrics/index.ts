/**
 * The one Prometheus registry of a Warpdesk process, its metric definitions, a loopback-only `/metrics`
 * HTTP endpoint, and the pino JSON logger. Every capability registers its metrics here (never in a registry
 * of its own) so one scrape sees everything. Must never listen on anything but a loopback address and never
 * import Electron.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'warpdesk_process_' });

/**
 * Flushes registered by hot paths that count in plain numbers (the swarm's ping/pong frames) instead of
 * calling prom-client per event; they run whenever the frame counters are collected, so a scrape is exact.
 */
const frameCountFlushes: Array<() => void> = [];
export function onFrameCountCollect(flush: () => void): void {
  frameCountFlushes.push(flush);
}
const flushFrameCounts = (): void => {
  for (const f of frameCountFlushes) f();
};

const rttBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000];

/** Swarm metrics (issue 6). Names are part of the public Grafana dashboard: do not rename. */
export const swarmMetrics = {
  activeAgents: new Gauge({ name: 'swarm_active_agents', help: 'Agents connected to this coordinator, by transport.', labelNames: ['transport'], registers: [registry] }),
  quicActiveAgents: new Gauge({ name: 'quic_active_agents', help: 'Agents connected over QUIC (design-review name).', registers: [registry] }),
  framesTotal: new Counter({ name: 'swarm_frames_total', help: 'Protocol frames by type and direction.', labelNames: ['type', 'direction'], registers: [registry], collect: flushFrameCounts }),
  frameBytesTotal: new Counter({ name: 'swarm_frame_bytes_total', help: 'Protocol frame bytes by type and direction.', labelNames: ['type', 'direction'], registers: [registry], collect: flushFrameCounts }),
  frameErrorsTotal: new Counter({ name: 'swarm_frame_errors_total', help: 'Streams closed because of a bad frame, by error code.', labelNames: ['code'], registers: [registry] }),
  refusedConnectionsTotal: new Counter({ name: 'swarm_refused_connections_total', help: 'Connections refused, by reason.', labelNames: ['reason'], registers: [registry] }),
  rttMs: new Histogram({ name: 'swarm_rtt_ms', help: 'Heartbeat round trip in milliseconds, by transport.', labelNames: ['transport'], buckets: rttBuckets, registers: [registry] }),
  reconnectsTotal: new Counter({ name: 'swarm_reconnects_total', help: 'Agent redials after a lost connection.', registers: [registry] }),
  outboxPending: new Gauge({ name: 'swarm_outbox_pending', help: 'Records waiting in the agent outbox.', registers: [registry] }),
  experiencesReceivedTotal: new Counter({ name: 'swarm_experiences_received_total', help: 'Shared experiences accepted (after dedup), by path.', labelNames: ['path'], registers: [registry] }),
  tasksTotal: new Counter({ name: 'swarm_task_shards_total', help: 'Task shards by outcome.', labelNames: ['outcome'], registers: [registry] }),
  agentdbSyncLatencyMs: new Histogram({ name: 'agentdb_sync_latency_ms', help: 'From an experience being recorded by its origin to landing in a peer memory, ms.', buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 30000], registers: [registry] }),
};

/** Pattern metrics named in the design review (filled by whoever runs a search: engine, swarm shards). */
export const patternMetrics = {
  matchesTotal: new Counter({ name: 'midstreamer_pattern_matches_total', help: 'Pattern matches returned.', registers: [registry] }),
  matchDurationMs: new Histogram({ name: 'midstreamer_pattern_match_duration_ms', help: 'Duration of a pattern search, ms.', buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000], registers: [registry] }),
  similarity: new Histogram({ name: 'midstreamer_pattern_similarity', help: 'Similarity of returned matches, in [0,1].', buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1], registers: [registry] }),
  reasoningbankQualityScore: new Gauge({ name: 'reasoningbank_quality_score', help: 'Latest quality score of the learning loop (memory).', registers: [registry] }),
};

export async function metricsText(): Promise<string> {
  return registry.metrics();
}

export interface MetricsServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` on 127.0.0.1:port (0 = any free port). Refuses non-loopback hosts. */
export async function serveMetrics(port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') throw new Error(`Metrics are served on loopback only, not on ${host}.`);
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not found. Try /metrics.\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `http://${host}:${actual}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Where and how this process logs: JSON lines or human-readable (pino-pretty), to stderr or a file. */
export interface LogConfig {
  format: 'json' | 'pretty';
  /** A log file (its folder is created); default stderr. Never stdout: that is the commands' own output. */
  file?: string;
}

let logConfig: LogConfig = { format: 'json' };

/** Set once by the process entry (the CLI from --log-format/--log-file); loggers created afterwards follow it. */
export function configureLogging(config: LogConfig): void {
  logConfig = { ...config };
}

export function loggingConfig(): LogConfig {
  return { ...logConfig };
}

/**
 * The pino logger of a component, to stderr (or the configured log file), so stdout stays free for a command's
 * own output: JSON lines by default, human-readable when configured (a terminal). Level from WARPDESK_LOG_LEVEL
 * (default info); `silent` disables logging.
 */
export function createLogger(name: string, level = process.env['WARPDESK_LOG_LEVEL'] ?? 'info'): Logger {
  const options = { name, level, base: { pid: process.pid, name } };
  if (logConfig.format === 'pretty') {
    const stream = pretty({
      destination: logConfig.file ?? 2,
      mkdir: true,
      colorize: !logConfig.file && Boolean(process.stderr.isTTY),
      translateTime: 'SYS:yyyy-mm-dd HH:MM:ss',
      ignore: 'pid,hostname',
      sync: true,
    });
    return pino(options, stream);
  }
  return pino(options, pino.destination({ dest: logConfig.file ?? 2, mkdir: true, sync: false }));
}

export type { Logger };

/** Browser host metrics (issue 12): every input it refused or survived, by kind. */
export const browserHostMetrics = {
  refusedTotal: new Counter({ name: 'browser_host_refused_total', help: 'HTTP requests and WebSocket upgrades refused, by reason.', labelNames: ['reason'], registers: [registry] }),
  errorsTotal: new Counter({ name: 'browser_host_errors_total', help: 'Errors the browser host answered or survived, by kind.', labelNames: ['kind'], registers: [registry] }),
};
