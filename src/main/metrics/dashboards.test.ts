/**
 * The Grafana dashboard (resources/grafana/warpdesk.json) and the Prometheus alert rules
 * (resources/prometheus/alerts.yml) against a live registry: a coordinator and an agent run in this process on
 * loopback, heartbeats flow, and /metrics is scraped over HTTP. Both directions: every metric an expression
 * queries is exported (with the labels it filters or groups on), and every exported metric that matters is on a
 * panel. Expressions are read with the Prometheus project's own PromQL grammar (@prometheus-io/lezer-promql);
 * a syntax error fails the test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { getEngine } from '../engine';
import { Agent, Coordinator } from '../swarm';
import { until } from '../swarm/testing/until';
import { createLogger, registry, serveMetrics, type MetricsServer } from '.';

const root = path.resolve(__dirname, '..', '..', '..');
const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'resources/grafana/warpdesk.json'), 'utf8')) as Dashboard;
const alerts = parseYaml(fs.readFileSync(path.join(root, 'resources/prometheus/alerts.yml'), 'utf8')) as { groups: Array<{ name: string; rules: AlertRule[] }> };

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Array<{ name: string; definition?: string }> };
}
interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Labels Prometheus adds to every scraped series (not the exporter's). */
const TARGET_LABELS = new Set(['instance', 'job']);

/** Default process metrics of prom-client that are not on a panel: runtime detail beside what is shown. */
const NOT_ON_A_PANEL = new Set(
  [
    'process_cpu_seconds_total', // user + system are shown separately
    'process_start_time_seconds',
    'process_virtual_memory_bytes',
    'process_heap_bytes',
    'process_open_fds',
    'process_max_fds',
    'nodejs_eventloop_lag_seconds', // a single sample; the mean and p99 of the histogram are shown
    'nodejs_eventloop_lag_min_seconds',
    'nodejs_eventloop_lag_max_seconds',
    'nodejs_eventloop_lag_stddev_seconds',
    'nodejs_eventloop_lag_p50_seconds',
    'nodejs_eventloop_lag_p90_seconds',
    'nodejs_active_resources',
    'nodejs_active_resources_total',
    'nodejs_active_handles',
    'nodejs_active_requests',
    'nodejs_active_requests_total',
    'nodejs_heap_size_total_bytes',
    'nodejs_external_memory_bytes',
    'nodejs_heap_space_size_total_bytes',
    'nodejs_heap_space_size_used_bytes',
    'nodejs_heap_space_size_available_bytes',
    'nodejs_version_info', // warpdesk_build_info carries the Node version
  ].map((n) => `warpdesk_process_${n}`),
);

interface Family {
  type: string;
  labels: Set<string>;
}

/**
 * Metric families of a scraped text exposition: name -> type and its label names (those seen on its samples,
 * and those it declares: a labelled counter has no sample before its first increment).
 */
function families(text: string): Map<string, Family> {
  const out = new Map<string, Family>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) out.set(t[1]!, { type: t[2]!, labels: new Set((registry.getSingleMetric(t[1]!) as { labelNames?: string[] } | undefined)?.labelNames ?? []) });
  }
  for (const line of text.split('\n')) {
    const s = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!s) continue;
    const fam = out.get(s[1]!) ?? out.get(s[1]!.replace(/_(bucket|sum|count)$/, ''));
    for (const m of (s[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) fam?.labels.add(m[1]!);
  }
  return out;
}

/** The family a series name belongs to (histograms and summaries expose _bucket, _sum, _count). */
function familyOf(series: string, fams: Map<string, Family>): { name: string; family: Family } | undefined {
  const direct = fams.get(series);
  if (direct) return { name: series, family: direct };
  const base = series.replace(/_(bucket|sum|count)$/, '');
  const f = fams.get(base);
  if (f && (f.type === 'histogram' || f.type === 'summary') && series !== base) return { name: base, family: f };
  return undefined;
}

interface Selector {
  metric: string;
  labels: string[];
}

/** Grafana's variables replaced by values PromQL accepts (a duration; a regex stays a string). */
function promqlOf(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m');
}

/**
 * The metric selectors of an expression and the label names they filter or group on, from the PromQL syntax
 * tree. Throws on a syntax error.
 */
function selectors(expr: string): { selectors: Selector[]; grouping: string[] } {
  const src = promqlOf(expr);
  const tree = parser.parse(src);
  const out: Selector[] = [];
  const grouping: string[] = [];
  const c = tree.cursor();
  do {
    if (c.type.isError) throw new Error(`PromQL syntax error at ${c.from} in: ${src}`);
    if (c.type.name === 'VectorSelector') {
      const node = c.node;
      const id = node.getChild('Identifier');
      const labels: string[] = [];
      let metric = id ? src.slice(id.from, id.to) : '';
      const matchers = node.getChild('LabelMatchers');
      const mc = matchers?.cursor();
      if (mc) {
        do {
          if (mc.type.name === 'LabelName') {
            const name = src.slice(mc.from, mc.to);
            if (name === '__name__') {
              const lit = mc.node.parent?.getChild('StringLiteral');
              if (lit) metric = src.slice(lit.from + 1, lit.to - 1);
            } else labels.push(name);
          }
        } while (mc.next() && mc.from < matchers!.to);
      }
      if (!metric) throw new Error(`A selector without a metric name in: ${src}`);
      out.push({ metric, labels });
    }
    if (c.type.name === 'GroupingLabels' && c.node.parent?.type.name === 'AggregateModifier') {
      const g = c.node;
      for (let ch = g.firstChild; ch; ch = ch.nextSibling) if (ch.type.name === 'LabelName') grouping.push(src.slice(ch.from, ch.to));
    }
  } while (c.next());
  return { selectors: out, grouping };
}

function panelsOf(ps: Panel[]): Panel[] {
  return ps.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
}

/** Checks one expression against the scraped families; returns the families it queries. */
function check(expr: string, fams: Map<string, Family>, where: string): string[] {
  const { selectors: sels, grouping } = selectors(expr);
  expect(sels.length, `${where}: no metric in ${expr}`).toBeGreaterThan(0);
  const used: string[] = [];
  const labels = new Set<string>(['le', 'quantile', ...TARGET_LABELS]);
  for (const s of sels) {
    const f = familyOf(s.metric, fams);
    expect(f, `${where}: ${s.metric} is not exported by the coordinator or the agent`).toBeDefined();
    used.push(f!.name);
    for (const l of s.labels) if (!TARGET_LABELS.has(l)) expect([...f!.family.labels], `${where}: ${s.metric} has no label ${l}`).toContain(l);
    for (const l of f!.family.labels) labels.add(l);
  }
  for (const g of grouping) expect([...labels], `${where}: grouping by ${g}, which none of its metrics carries`).toContain(g);
  return used;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-dashboards-'));
const log = createLogger('test', 'silent');
let coord: Coordinator;
let agent: Agent;
let server: MetricsServer;
let fams: Map<string, Family>;

async function scrape(): Promise<string> {
  const res = await fetch(server.url);
  expect(res.status).toBe(200);
  return res.text();
}

beforeAll(async () => {
  getEngine(); // what the coordinator and agent commands do at start: build info names the engine
  coord = await Coordinator.start({ dataDir: path.join(tmp, 'coord'), quicPort: 0, wsPort: 0, logger: log, heartbeatMs: 200 });
  agent = await Agent.start({ dataDir: path.join(tmp, 'agent'), join: coord.multiaddrs(), token: coord.createToken(), logger: log, heartbeatMs: 200 });
  await agent.waitConnected();
  server = await serveMetrics(0);
  // Live values, not only declarations: the agent is counted and its heartbeats (round trip, delay) observed.
  const text = await until(
    'an agent counted and two heartbeats observed',
    scrape,
    (t) => /^swarm_active_agents\{transport="quic"\} 1$/m.test(t) && /^swarm_heartbeat_delay_ms_count\{transport="quic"\} [1-9]/m.test(t) && /^swarm_rtt_ms_count\{transport="quic"\} [1-9]/m.test(t),
    30_000,
  );
  fams = families(text);
}, 60_000);

afterAll(async () => {
  await agent?.stop({ graceful: false }).catch(() => undefined);
  await coord?.stop();
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the live registry', () => {
  it('carries the seed names, build info and the process metrics the dashboard shows', () => {
    for (const n of [
      'quic_active_agents',
      'midstreamer_pattern_matches_total',
      'reasoningbank_quality_score',
      'agentdb_sync_latency_ms',
      'warpdesk_build_info',
      'warpdesk_process_nodejs_eventloop_lag_p99_seconds',
      'warpdesk_process_process_resident_memory_bytes',
    ])
      expect(fams.has(n), n).toBe(true);
    expect(fams.get('warpdesk_build_info')!.labels).toEqual(new Set(['version', 'backend', 'simd', 'node']));
  });
});

describe('Grafana dashboard', () => {
  const panels = panelsOf(dashboard.panels).filter((p) => p.type !== 'row');

  it('every expression parses and queries metrics the coordinator or an agent exports, with their labels', () => {
    expect(panels.length).toBeGreaterThan(20);
    for (const p of panels) {
      expect(p.targets?.length, `panel ${p.title} has no query`).toBeGreaterThan(0);
      for (const t of p.targets!) check(t.expr, fams, `panel "${p.title}"`);
    }
    for (const v of dashboard.templating.list) {
      const m = v.definition && /^label_values\((\w+),\s*(\w+)\)$/.exec(v.definition);
      if (m) expect(familyOf(m[1]!, fams), `variable ${v.name}`).toBeDefined();
    }
  });

  it('every exported metric that matters is on a panel', () => {
    const onPanels = new Set(panels.flatMap((p) => (p.targets ?? []).flatMap((t) => selectors(t.expr).selectors.map((x) => familyOf(x.metric, fams)?.name ?? x.metric))));
    const missing = [...fams.keys()].filter((n) => !NOT_ON_A_PANEL.has(n) && !onPanels.has(n));
    expect(missing).toEqual([]);
    // The list of metrics left off is itself current: nothing on it has vanished from the registry.
    for (const n of NOT_ON_A_PANEL) expect(fams.has(n), `${n} (left off the dashboard) is no longer exported`).toBe(true);
  });

  it('has the four sections the issue asks for', () => {
    expect(dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual(['Swarm', 'Engine', 'Learning', 'Process']);
  });
});

describe('docs/metrics.md', () => {
  it('documents every exported metric exactly once (the default process metrics as one row)', () => {
    const doc = fs.readFileSync(path.join(root, 'docs/metrics.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-z_*]+)` \|/gm)].map((m) => m[1]!);
    const exported = [...fams.keys()].filter((n) => !n.startsWith('warpdesk_process_'));
    for (const n of exported)
      expect(
        rows.filter((r) => r === n),
        n,
      ).toHaveLength(1);
    expect(rows.filter((r) => !r.includes('*') && !r.startsWith('Warpdesk'))).toEqual(expect.arrayContaining(exported));
    expect(rows.filter((r) => r.startsWith('swarm_') || r.startsWith('warpdesk_') || r.startsWith('reasoningbank_') || r.startsWith('midstreamer_')).every((r) => r.endsWith('*') || fams.has(r))).toBe(true);
  });
});

describe('Prometheus alert rules', () => {
  const rules = alerts.groups.flatMap((g) => g.rules);

  it('parse, name a severity and a summary, and query exported metrics with their labels', () => {
    expect(rules.length).toBeGreaterThanOrEqual(6);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.alert).toMatch(/^Warpdesk[A-Z]\w+$/);
      expect(['info', 'warning', 'critical']).toContain(r.labels?.['severity']);
      expect(r.annotations?.['summary'], r.alert).toBeTruthy();
      if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
      check(r.expr, fams, `alert ${r.alert}`);
    }
  });

  it('cover agents dropping, refusal spikes, outbox backlog, round-trip p99, event-loop delay and audit failures', () => {
    const queried = (metric: string) => rules.filter((r) => selectors(r.expr).selectors.some((s) => s.metric === metric || s.metric.startsWith(`${metric}_`))).map((r) => r.alert);
    for (const m of ['swarm_active_agents', 'swarm_refused_connections_total', 'swarm_outbox_pending', 'swarm_rtt_ms', 'warpdesk_process_nodejs_eventloop_lag_p99_seconds', 'reasoningbank_audit_verifications_total'])
      expect(queried(m), m).not.toEqual([]);
    expect(rules.find((r) => r.alert === 'WarpdeskAuditVerificationFailed')?.expr).toMatch(/result="broken"/);
  });

  it('the checker itself refuses a syntax error and an unknown metric', () => {
    expect(() => selectors('sum(rate(swarm_rtt_ms_bucket[5m])')).toThrow(/syntax error/);
    expect(() => check('rate(swarm_no_such_metric_total[5m])', fams, 'probe')).toThrow(/not exported/);
    expect(() => check('sum by (color) (swarm_active_agents)', fams, 'probe')).toThrow(/grouping by color/);
  });
});
