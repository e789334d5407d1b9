/**
 * The one Prometheus registry of a Warpdesk process and every metric it exports (names documented once, in
 * docs/metrics.md; the Grafana dashboard and the alert rules in resources/ query them, and a test checks both
 * directions against a live coordinator). Every capability registers its metrics here, never in a registry of
 * its own, so one scrape sees everything. Must never import another capability (they import this) or Electron.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { appRoot } from '../platform/resources';

export const registry = new Registry();
/** Process metrics: CPU, RSS, heap, handles, event-loop delay (`warpdesk_process_nodejs_eventloop_lag_*`). */
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
  connectsTotal: new Counter({ name: 'swarm_connects_total', help: 'Agent sessions opened on this coordinator (after hello and admission), by transport.', labelNames: ['transport'], registers: [registry] }),
  framesTotal: new Counter({ name: 'swarm_frames_total', help: 'Protocol frames by type and direction.', labelNames: ['type', 'direction'], registers: [registry], collect: flushFrameCounts }),
  frameBytesTotal: new Counter({ name: 'swarm_frame_bytes_total', help: 'Protocol frame bytes by type and direction.', labelNames: ['type', 'direction'], registers: [registry], collect: flushFrameCounts }),
  frameErrorsTotal: new Counter({ name: 'swarm_frame_errors_total', help: 'Streams closed because of a bad frame, by error code.', labelNames: ['code'], registers: [registry] }),
  refusedConnectionsTotal: new Counter({ name: 'swarm_refused_connections_total', help: 'Connections refused, by reason.', labelNames: ['reason'], registers: [registry] }),
  rttMs: new Histogram({ name: 'swarm_rtt_ms', help: 'Heartbeat round trip in milliseconds, by transport.', labelNames: ['transport'], buckets: rttBuckets, registers: [registry] }),
  heartbeatDelayMs: new Histogram({
    name: 'swarm_heartbeat_delay_ms',
    help: 'How late an agent heartbeat arrived at the coordinator: gap since the previous one minus the heartbeat interval, ms (0 when on time).',
    labelNames: ['transport'],
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [registry],
  }),
  reconnectsTotal: new Counter({ name: 'swarm_reconnects_total', help: 'Agent redials after a lost connection.', registers: [registry] }),
  outboxPending: new Gauge({ name: 'swarm_outbox_pending', help: 'Records waiting in the agent outbox.', registers: [registry] }),
  gossipPublishedTotal: new Counter({ name: 'swarm_gossip_published_total', help: 'Shared records the coordinator published on gossipsub, by result (ok, failed).', labelNames: ['result'], registers: [registry] }),
  experiencesReceivedTotal: new Counter({ name: 'swarm_experiences_received_total', help: 'Shared experiences accepted (after dedup), by path.', labelNames: ['path'], registers: [registry] }),
  tasksTotal: new Counter({ name: 'swarm_task_shards_total', help: 'Task shards by outcome.', labelNames: ['outcome'], registers: [registry] }),
  agentdbSyncLatencyMs: new Histogram({
    name: 'agentdb_sync_latency_ms',
    help: 'From an experience being recorded by its origin to landing in a peer memory, ms.',
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 30000],
    registers: [registry],
  }),
};

/** Pattern metrics named in the design review, recorded by the engine facade for every subsequence search. */
export const patternMetrics = {
  matchesTotal: new Counter({ name: 'midstreamer_pattern_matches_total', help: 'Pattern matches returned by subsequence searches.', registers: [registry] }),
  matchDurationMs: new Histogram({ name: 'midstreamer_pattern_match_duration_ms', help: 'Duration of a subsequence search, ms.', buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000], registers: [registry] }),
  similarity: new Histogram({ name: 'midstreamer_pattern_similarity', help: 'Similarity of returned matches, in [0,1].', buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1], registers: [registry] }),
  reasoningbankQualityScore: new Gauge({ name: 'reasoningbank_quality_score', help: 'Quality score in [0,1] of the latest verdict the memory recorded (local or imported).', registers: [registry] }),
};

/** Engine metrics: every heavy engine call through the facade (`getEngine()`), by operation and backend. */
export const engineMetrics = {
  callsTotal: new Counter({
    name: 'warpdesk_engine_calls_total',
    help: 'Engine calls by operation (searchTopK, dtwBatch, lcssMatrix, ...), backend and result (ok, error).',
    labelNames: ['op', 'backend', 'result'],
    registers: [registry],
  }),
  durationSeconds: new Histogram({
    name: 'warpdesk_engine_duration_seconds',
    help: 'Duration of an engine call by operation and backend, seconds.',
    labelNames: ['op', 'backend'],
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  }),
};

/** Learning metrics, set by the memory after each committed write (local, imported and judged). */
export const learningMetrics = {
  experiencesTotal: new Counter({ name: 'reasoningbank_experiences_total', help: 'Experiences recorded in the memory, by origin (local, remote).', labelNames: ['origin'], registers: [registry] }),
  verdictsTotal: new Counter({ name: 'reasoningbank_verdicts_total', help: 'Verdicts recorded, by origin (local, remote) and outcome (success, failure).', labelNames: ['origin', 'outcome'], registers: [registry] }),
  verdictQuality: new Histogram({
    name: 'reasoningbank_verdict_quality',
    help: 'Quality score of each verdict, in [0,1], by pattern type.',
    labelNames: ['pattern_type'],
    buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
    registers: [registry],
  }),
  similarityThreshold: new Gauge({ name: 'reasoningbank_similarity_threshold', help: 'Learned similarity threshold of a pattern type after its latest verdict.', labelNames: ['pattern_type'], registers: [registry] }),
  successRate: new Gauge({ name: 'reasoningbank_success_rate', help: 'Posterior mean success rate of a pattern type after its latest verdict.', labelNames: ['pattern_type'], registers: [registry] }),
  auditVerificationsTotal: new Counter({ name: 'reasoningbank_audit_verifications_total', help: 'Audit chain verifications, by result (ok, broken).', labelNames: ['result'], registers: [registry] }),
};

/** Browser host metrics (issue 12): every input it refused or survived, by kind. */
export const browserHostMetrics = {
  refusedTotal: new Counter({ name: 'browser_host_refused_total', help: 'HTTP requests and WebSocket upgrades refused, by reason.', labelNames: ['reason'], registers: [registry] }),
  errorsTotal: new Counter({ name: 'browser_host_errors_total', help: 'Errors the browser host answered or survived, by kind.', labelNames: ['kind'], registers: [registry] }),
};

/** What the engine facade reports once it has chosen a backend (read at every scrape by warpdesk_build_info). */
export interface EngineInfo {
  backend: string;
  simd: string;
}
let engineInfo: EngineInfo | undefined;
let versionCache: string | undefined;

/** Called by the engine facade when it has chosen its backend. */
export function noteEngine(info: EngineInfo): void {
  engineInfo = { ...info };
}

function appVersion(): string {
  if (versionCache === undefined) {
    try {
      versionCache = (JSON.parse(fs.readFileSync(path.join(appRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      versionCache = 'unknown';
    }
  }
  return versionCache;
}

/** Always 1; the labels say which build runs: version, engine backend and SIMD level ('unloaded' before the first engine use). */
export const buildInfo = new Gauge({
  name: 'warpdesk_build_info',
  help: 'Always 1; labels: version, engine backend (native, js) and SIMD level of this process.',
  labelNames: ['version', 'backend', 'simd', 'node'],
  registers: [registry],
  collect() {
    this.reset();
    this.set({ version: appVersion(), backend: engineInfo?.backend ?? 'unloaded', simd: engineInfo?.simd ?? 'unloaded', node: process.versions.node }, 1);
  },
});

export async function metricsText(): Promise<string> {
  return registry.metrics();
}
