/**
 * Writes inside `batch` (the walk's transactions, with the ledger head, threshold states and recorded analog
 * returns cached for the batch) leave exactly what the same writes leave one transaction at a time: the same
 * thresholds and learning trajectory, and an intact chain; a batch that throws, or a nested write that fails
 * and is caught inside a batch, leaves no stale cache behind.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WarpdeskError } from '../../../shared/errors';
import { generateKey, openMemory, staticKeyProvider, type Memory } from '..';
import { experience, rng, walk } from './helpers';
import { tempDir } from './tmp';

const open: Memory[] = [];
async function mem(): Promise<Memory> {
  const m = await openMemory({ dataDir: tempDir(), keyProvider: staticKeyProvider([generateKey()]), agentId: 'agent-test', now: () => 1_700_000_000_000 });
  open.push(m);
  return m;
}
afterEach(() => {
  for (const m of open.splice(0)) m.close();
});

type Op = { kind: 'record'; seed: number; sim: number; conf: number; type: 0 | 1; signal: 'long' | 'short' } | { kind: 'settle'; ret: number; mae: number } | { kind: 'read'; type: 0 | 1 };
const TYPES = ['analog:1h', 'analog:1d'];

/** Replays ops against a memory, each op through `run` (inside or outside a batch); returns what it observed. */
function replay(m: Memory, ops: Op[], run: <T>(fn: () => T) => T): unknown[] {
  const pending: string[] = [];
  const seen: unknown[] = [];
  for (const op of ops) {
    run(() => {
      if (op.kind === 'record') {
        const e = m.recordExperience(
          experience(walk(16, rng(op.seed)), {
            patternType: TYPES[op.type]!,
            signal: op.signal,
            confidence: op.conf,
            matches: [
              { similarity: op.sim, forwardReturn: op.seed % 3 === 0 ? -0 : 0.01 * ((op.seed % 7) - 3), start: 1, end: 17 },
              { similarity: op.sim / 2, forwardReturn: null, start: 40, end: 56 },
            ],
          }),
        );
        pending.push(e.id);
      } else if (op.kind === 'settle') {
        const id = pending.shift();
        if (id) seen.push(m.settle(id, { realizedReturn: op.ret, mae: op.mae, timeToTarget: null }));
      } else seen.push(m.threshold(TYPES[op.type]!));
    });
  }
  return seen;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('record' as const),
    seed: fc.integer({ min: 1, max: 1e6 }),
    sim: fc.double({ min: 0, max: 1, noNaN: true }),
    conf: fc.double({ min: 0, max: 1, noNaN: true }),
    type: fc.constantFrom(0 as const, 1 as const),
    signal: fc.constantFrom('long' as const, 'short' as const),
  }),
  fc.record({ kind: fc.constant('settle' as const), ret: fc.double({ min: -0.2, max: 0.2, noNaN: true }), mae: fc.double({ min: 0, max: 0.2, noNaN: true }) }),
  fc.record({ kind: fc.constant('read' as const), type: fc.constantFrom(0 as const, 1 as const) }),
);

describe('memory batch', () => {
  it('property: the same writes in one batch or one at a time give the same verdicts, thresholds and trajectory', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), async (ops) => {
        const a = await mem();
        const b = await mem();
        const seenA = replay(a, ops, (fn) => fn());
        const seenB = b.batch(() => replay(b, ops, (fn) => fn()));
        const strip = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === 'experienceId' || k === 'judgedAt' || k === 'updatedAt' || k === 'at' ? undefined : v)));
        expect(strip(seenB)).toEqual(strip(seenA));
        expect(strip(b.thresholds())).toEqual(strip(a.thresholds()));
        expect(strip(b.trajectory())).toEqual(strip(a.trajectory()));
        expect(b.verifyChain().ok).toBe(true);
        expect(b.verifyChain().links).toBe(a.verifyChain().links);
        a.close();
        b.close();
      }),
      { numRuns: 15 },
    );
  });

  it('a batch that throws rolls back, and the next writes chain and adapt from the committed state', async () => {
    const m = await mem();
    const first = m.recordExperience(experience(walk(16, rng(1))));
    m.settle(first.id, { realizedReturn: 0.02, mae: 0.01, timeToTarget: null });
    const before = m.threshold('analog:1h');
    expect(() =>
      m.batch(() => {
        const e = m.recordExperience(experience(walk(16, rng(2))));
        m.settle(e.id, { realizedReturn: -0.05, mae: 0.06, timeToTarget: null });
        throw new Error('stop');
      }),
    ).toThrow('stop');
    expect(m.threshold('analog:1h')).toEqual(before);
    const e = m.recordExperience(experience(walk(16, rng(3))));
    m.settle(e.id, { realizedReturn: 0.01, mae: 0.0, timeToTarget: null });
    expect(m.threshold('analog:1h').version).toBe(before.version + 1);
    const chain = m.verifyChain();
    expect(chain.ok).toBe(true);
    expect(chain.links).toBe(4);
  });

  it('a nested write that fails and is caught inside a batch leaves the chain and thresholds consistent', async () => {
    const m = await mem();
    m.batch(() => {
      const e = m.recordExperience(experience(walk(16, rng(4))));
      m.settle(e.id, { realizedReturn: 0.02, mae: 0.01, timeToTarget: null });
      let code: string | undefined;
      try {
        m.settle(e.id, { realizedReturn: 0.02, mae: 0.01, timeToTarget: null });
      } catch (err) {
        code = (err as WarpdeskError).code;
      }
      expect(code).toBe('Conflict');
      const f = m.recordExperience(experience(walk(16, rng(5))));
      m.settle(f.id, { realizedReturn: -0.01, mae: 0.02, timeToTarget: null });
    });
    expect(m.threshold('analog:1h').version).toBe(2);
    const chain = m.verifyChain();
    expect(chain.ok).toBe(true);
    expect(chain.links).toBe(4);
  });
});
