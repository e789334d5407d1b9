/**
 * The headless commands as a user runs them: `warpdesk coordinator` prints multiaddrs and a token,
 * `warpdesk agent` joins with it, both serve Prometheus metrics on loopback, `warpdesk swarm list` shows
 * the agent, and SIGTERM stops both with exit code 0 (the agent leaves gracefully).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cliArgs } from '../../cli/testing/cli-process';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-cli-'));
const children: ChildProcess[] = [];

function launch(args: string[]): { child: ChildProcess; lines: Array<Record<string, unknown>>; next: (pred: (o: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>> } {
  const child = spawn(process.execPath, cliArgs(...args), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WARPDESK_LOG_LEVEL: 'warn' } });
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Record<string, unknown>);
      waiters.splice(0).forEach((w) => w());
    } catch {
      /* not JSON */
    }
  });
  const next = (pred: (o: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching line from ${args[0]}: ${JSON.stringify(lines)}`)), 60_000);
      const check = () => {
        const hit = lines.find(pred);
        if (hit) {
          clearTimeout(t);
          resolve(hit);
        } else waiters.push(check);
      };
      check();
    });
  return { child, lines, next };
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('warpdesk coordinator / agent / swarm', () => {
  it('runs a swarm from the command line, with metrics on loopback', async () => {
    const c = launch(['coordinator', '--listen', '127.0.0.1', '--quic-port', '0', '--ws-port', '0', '--data-dir', path.join(tmp, 'c'), '--metrics-port', '0', '--json']);
    const listening = await c.next((o) => o['event'] === 'listening');
    const addrs = listening['multiaddrs'] as string[];
    expect(addrs[0]).toMatch(/\/udp\/\d+\/quic-v1\/p2p\/12D3KooW/);
    expect(addrs[1]).toMatch(/\/tcp\/\d+\/ws\/p2p\/12D3KooW/);
    expect(listening['token']).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const a = launch(['agent', ...addrs.flatMap((x) => ['--join', x]), '--token', String(listening['token']), '--data-dir', path.join(tmp, 'a'), '--metrics-port', '0', '--json']);
    const started = await a.next((o) => o['event'] === 'started');
    const connected = await a.next((o) => o['event'] === 'connected');
    expect(connected['transport']).toBe('quic');

    const coordMetrics = await (await fetch(String(listening['metrics']))).text();
    for (const name of [
      'quic_active_agents',
      'swarm_active_agents',
      'swarm_frames_total',
      'swarm_frame_bytes_total',
      'swarm_refused_connections_total',
      'swarm_rtt_ms',
      'midstreamer_pattern_matches_total',
      'midstreamer_pattern_match_duration_ms',
      'midstreamer_pattern_similarity',
      'agentdb_sync_latency_ms',
      'reasoningbank_quality_score',
    ]) {
      expect(coordMetrics).toContain(`# TYPE ${name} `);
    }
    expect(coordMetrics).toMatch(/^quic_active_agents 1$/m);
    const agentMetrics = await (await fetch(String(started['metrics']))).text();
    expect(agentMetrics).toMatch(/swarm_frames_total\{type="welcome",direction="in"\} 1/);

    const list = await promisify(execFile)(process.execPath, cliArgs('swarm', 'list', '--data-dir', path.join(tmp, 'c'), '--json'));
    const members = JSON.parse(list.stdout) as Array<{ peerId: string; status: string; transport: string }>;
    expect(members).toHaveLength(1);
    expect(members[0]).toMatchObject({ peerId: started['peerId'], status: 'allowed', transport: 'quic' });

    const bad = await promisify(execFile)(process.execPath, cliArgs('swarm', 'revoke', 'not-a-peer', '--data-dir', path.join(tmp, 'c'))).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(2);

    a.child.kill('SIGTERM');
    expect(await new Promise((r) => a.child.once('exit', r))).toBe(0);
    c.child.kill('SIGTERM');
    expect(await new Promise((r) => c.child.once('exit', r))).toBe(0);
  });
});
