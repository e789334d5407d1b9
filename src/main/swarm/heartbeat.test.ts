/**
 * Heartbeats: the agent's schedule with a random phase keeps the old schedule's semantics (a ping at once, then
 * one per interval, never more than one interval apart, the same count within one), only shifted; the
 * coordinator answers every heartbeat of a live agent (on the synchronous path when nothing is pending) and
 * reports each one's service time to its diagnostics hook.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../metrics';
import { Agent } from './agent';
import { heartbeatPhaseMs, scheduleHeartbeats } from './agent-heartbeat';
import { Coordinator } from './coordinator';
import { until } from './testing/until';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-heartbeat-'));
const log = createLogger('test', process.env['TEST_LOG'] ?? 'silent');

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The old schedule: a beat at 0, then setInterval(intervalMs): beats at or before `horizon`. */
function oldBeats(intervalMs: number, horizon: number): number[] {
  const out = [0];
  for (let t = intervalMs; t <= horizon; t += intervalMs) out.push(t);
  return out;
}

describe('agent heartbeat schedule', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('puts the first periodic beat at a phase in [0, interval)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (interval, r) => {
        const phase = heartbeatPhaseMs(interval, () => r);
        expect(Number.isInteger(phase)).toBe(true);
        expect(phase).toBeGreaterThanOrEqual(0);
        expect(phase).toBeLessThan(interval);
      }),
    );
  });

  it('beats at once, then at the phase and every interval: gaps never exceed one interval, the count stays within one of the old schedule', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 5_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 40 }), (interval, r, periods) => {
        vi.useFakeTimers();
        try {
          const beats: number[] = [];
          const t0 = Date.now();
          const h = scheduleHeartbeats(
            interval,
            () => beats.push(Date.now() - t0),
            () => r,
          );
          const horizon = periods * interval + Math.floor(r * interval);
          vi.advanceTimersByTime(horizon);
          h.stop();
          const phase = heartbeatPhaseMs(interval, () => r);
          expect(beats[0]).toBe(0);
          for (let i = 1; i < beats.length; i++) expect(beats[i]! - beats[i - 1]!).toBeLessThanOrEqual(interval);
          // Exactly the old schedule shifted by the phase, after the beat at connect.
          const expected = [0, ...oldBeats(interval, horizon - phase).map((t) => t + phase)];
          expect(beats).toEqual(expected.filter((t) => t <= horizon));
          const old = oldBeats(interval, horizon).length;
          expect(beats.length - old).toBeGreaterThanOrEqual(0);
          expect(beats.length - old).toBeLessThanOrEqual(1);
          // stop() ends it.
          const n = beats.length;
          vi.advanceTimersByTime(interval * 3);
          expect(beats.length).toBe(n);
        } finally {
          vi.useRealTimers();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('spreads agents that connect together over the interval (different phases)', () => {
    const phases = new Set(Array.from({ length: 200 }, () => heartbeatPhaseMs(2_000)));
    expect(phases.size).toBeGreaterThan(100);
  });
});

describe('coordinator heartbeat path', () => {
  it('answers every heartbeat of a live agent and reports each one’s service time', async () => {
    const timings: Array<{ ms: number; path: string }> = [];
    const coord = await Coordinator.start({
      dataDir: path.join(tmp, 'coord'),
      quicPort: 0,
      wsPort: 0,
      logger: log,
      heartbeatMs: 200,
      onHeartbeat: (ms, p) => timings.push({ ms, path: p }),
    });
    const agent = await Agent.start({ dataDir: path.join(tmp, 'agent'), join: coord.multiaddrs(), token: coord.createToken(), logger: log, heartbeatMs: 200 });
    try {
      await agent.waitConnected();
      const rtts: number[] = [];
      agent.on('rtt', (r: number) => rtts.push(r));
      await until(
        'five heartbeats answered',
        () => rtts.length,
        (n) => n >= 5,
        20_000,
      );
      expect(timings.length).toBeGreaterThanOrEqual(5);
      for (const t of timings) {
        expect(t.ms).toBeGreaterThanOrEqual(0);
        expect(['hot', 'read']).toContain(t.path);
      }
      // Nothing is pending (no records, no gap), so heartbeats take the synchronous path.
      expect(timings.some((t) => t.path === 'hot')).toBe(true);
      expect(agent.status().rttMs).not.toBeNull();
      expect(coord.agents()[0]!.rttMs).not.toBeNull();
    } finally {
      await agent.stop();
      await coord.stop();
    }
  });
});
